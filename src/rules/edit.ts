// rules.toml edits for `everlock mail rules create|remove`. `create <id> key=value…` takes the rule's fields and
// its action's fields in one flat list (`type=store folder=Receipts subject_contains=Invoice priority=5`) and
// writes the TOML shape parse.ts reads. The file is validated before and after the change: a broken rules.toml
// is reported with file:line:col and left alone, and a new rule that would not load is refused.
import { readFile, stat } from 'node:fs/promises';
import { ConfigError, UserError } from '../errors.js';
import { configFiles, type Paths } from '../config/paths.js';
import { updateConfigFile, type Doc } from '../config/write.js';
import { didYouMean } from '../config/did-you-mean.js';
import { ACTION_FIELDS, RULE_FIELDS, parseRules, validateRules, type ParsedRules } from './parse.js';
import type { Rule } from './types.js';

export const RULES_FILE = 'rules.toml';
const ACTION_KEYS = [...new Set(Object.values(ACTION_FIELDS).flat())];
/** Keys `create` accepts: the rule fields (minus id and action) and the action fields. */
export const CREATE_KEYS = [...RULE_FIELDS.filter((k) => k !== 'id' && k !== 'action'), ...ACTION_KEYS];

/** The current rules, or an empty set when rules.toml does not exist; throws ConfigError when it is broken. */
export async function readRules(paths: Paths): Promise<ParsedRules> {
  await requireConfigDir(paths);
  let text: string;
  try {
    text = await readFile(configFiles.rules(paths), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { rules: [], issues: [] };
    // Named the way the config loader names unreadable files.
    throw new ConfigError([{ file: RULES_FILE, message: `cannot read: ${code ?? String(err)}`, severity: 'error' }]);
  }
  const parsed = parseRules(text, RULES_FILE);
  if (parsed.issues.some((i) => i.severity === 'error')) throw new ConfigError(parsed.issues);
  return parsed;
}

/** A missing config dir is a mistake (wrong --home), not an empty rule set: say so instead of creating it. */
async function requireConfigDir(paths: Paths): Promise<void> {
  try {
    if ((await stat(paths.config)).isDirectory()) return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  throw new UserError(`${paths.config}: config directory does not exist (create it with everlock init)`);
}

/** Turns `key=value` arguments into one [[rule]] table. Values are typed by key; the validator does the rest. */
export function ruleFromArgs(id: string, args: readonly string[]): Doc {
  const rule: Doc = { id };
  const action: Doc = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UserError(`"${arg}" is not key=value (e.g. type=store folder=Receipts subject_contains=Invoice)`, 2);
    const key = arg.slice(0, eq).trim();
    const value = arg.slice(eq + 1);
    if (!CREATE_KEYS.includes(key)) {
      const hint = didYouMean(key, CREATE_KEYS);
      throw new UserError(`unknown rule key "${key}"${hint ? ` (did you mean "${hint}"?)` : ` (known: ${CREATE_KEYS.join(', ')})`}`, 2);
    }
    const target = ACTION_KEYS.includes(key) ? action : rule;
    if (key in target) throw new UserError(`"${key}" is given twice`, 2);
    target[key] = typedValue(key, value);
  }
  if (action.type === undefined) throw new UserError(`the rule needs an action: type=${Object.keys(ACTION_FIELDS).join('|')}`, 2);
  // `type` first, so the written TOML reads naturally.
  rule.action = { type: action.type, ...action };
  return rule;
}

function typedValue(key: string, value: string): unknown {
  switch (key) {
    case 'priority':
    case 'code':
      return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
    case 'keep_copy':
      if (/^(true|yes|on|1)$/i.test(value)) return true;
      if (/^(false|no|off|0)$/i.test(value)) return false;
      return value;
    case 'to':
      return value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    case 'header': {
      // header=Name:contains
      const colon = value.indexOf(':');
      if (colon <= 0) throw new UserError(`header=${value}: expected header=<Name>:<text>, e.g. header=X-Spam-Flag:YES`);
      return { name: value.slice(0, colon).trim(), contains: value.slice(colon + 1).trim() };
    }
    default:
      return value;
  }
}

function rulesOf(doc: Doc | undefined): Doc[] {
  const list = doc?.rule;
  return Array.isArray(list) ? (list as Doc[]) : [];
}

/** Appends a rule (so it comes after existing rules of the same priority); returns it as parsed. */
export async function createRule(paths: Paths, id: string, args: readonly string[], opts: { commit: boolean }): Promise<Rule> {
  const entry = ruleFromArgs(id, args);
  const alone = validateRules({ rule: [entry] }, RULES_FILE);
  const problem = alone.issues.find((i) => i.severity === 'error');
  if (problem) throw new UserError(`${id}: ${problem.message}`);
  const existing = await readRules(paths);
  if (existing.rules.some((r) => r.id === id)) throw new UserError(`rule "${id}" already exists (everlock mail rules remove ${id})`);
  await updateConfigFile(
    paths,
    RULES_FILE,
    (doc) => {
      const next: Doc = { ...(doc ?? {}), rule: [...rulesOf(doc), entry] };
      const check = validateRules(next, RULES_FILE);
      const bad = check.issues.find((i) => i.severity === 'error');
      if (bad) throw new UserError(`${RULES_FILE}: ${bad.message}`);
      return next;
    },
    { message: `rules: create ${id}`, commit: opts.commit },
  );
  const created = alone.rules[0];
  if (!created) throw new UserError(`${id}: rule could not be read back`);
  return created;
}

export async function removeRule(paths: Paths, id: string, opts: { commit: boolean }): Promise<void> {
  const existing = await readRules(paths);
  if (!existing.rules.some((r) => r.id === id)) {
    const hint = didYouMean(id, existing.rules.map((r) => r.id));
    throw new UserError(`unknown rule id "${id}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
  }
  await updateConfigFile(
    paths,
    RULES_FILE,
    (doc) => {
      const list = rulesOf(doc);
      const kept = list.filter((r) => r.id !== id);
      if (kept.length === list.length) throw new UserError(`unknown rule id "${id}"`);
      const next: Doc = { ...(doc ?? {}) };
      if (kept.length > 0) next.rule = kept;
      else delete next.rule;
      return next;
    },
    { message: `rules: remove ${id}`, commit: opts.commit },
  );
}
