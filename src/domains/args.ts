// Parsing of the CLI's free-form arguments for domains, aliases and rules: `key=value` pairs, on/off switches,
// domain names and addresses. Every failure is a one-line UserError naming the offending argument.
import { UserError } from '../errors.js';
import { addressProblem, domainProblem } from '../config/names.js';
import { didYouMean } from '../config/did-you-mean.js';

/** `key=value` arguments in order; a key may not repeat. Values may be empty (`catch_all=` clears). */
export function parsePairs(args: readonly string[], known: readonly string[], what: string): [key: string, value: string][] {
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UserError(`"${arg}" is not key=value (${what} keys: ${known.join(', ')})`, 2);
    const key = arg.slice(0, eq).trim().toLowerCase();
    const value = arg.slice(eq + 1).trim();
    if (!known.includes(key)) {
      const hint = didYouMean(key, known);
      throw new UserError(`unknown ${what} key "${key}"${hint ? ` (did you mean "${hint}"?)` : ` (known: ${known.join(', ')})`}`, 2);
    }
    if (seen.has(key)) throw new UserError(`"${key}" is given twice`, 2);
    seen.add(key);
    out.push([key, value]);
  }
  return out;
}

/** on/off, true/false, yes/no, 1/0. */
export function parseSwitch(key: string, value: string): boolean {
  const v = value.toLowerCase();
  if (['on', 'true', 'yes', '1'].includes(v)) return true;
  if (['off', 'false', 'no', '0'].includes(v)) return false;
  throw new UserError(`${key}=${value}: expected on or off`);
}

/** A domain argument: trimmed, lower-cased, trailing dot dropped, then validated. */
export function domainArg(raw: string): string {
  const d = raw.trim().toLowerCase().replace(/\.$/, '');
  const p = domainProblem(d);
  if (p) throw new UserError(`invalid domain "${raw}": ${p}`);
  return d;
}

/** An address argument, lower-cased and validated. */
export function addressArg(raw: string): string {
  const a = raw.trim().toLowerCase();
  const p = addressProblem(a);
  if (p) throw new UserError(p);
  return a;
}

/** A comma-separated list; empty input is the empty list. */
export function listArg(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
