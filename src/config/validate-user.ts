// users/<login>.toml (SPEC §4). Checks one file on its own; addresses and grants naming unknown domains or
// addresses owned twice are found in validate-cross.ts with the positions kept here.
import type { Grant, Role } from './types.js';
import { FileChecker, isTable } from './checker.js';
import { isRole, parseGrantPath, ROLES, type GrantTarget } from './grants.js';
import { addressProblem, loginProblem } from './names.js';
import { parsePhc } from './passwords.js';
import { didYouMean } from './did-you-mean.js';
import type { ParsedToml } from './toml.js';

const TOP_KEYS = ['password', 'addresses', 'grant', 'quota'];
const GRANT_KEYS = ['path', 'role'];

export interface ValidatedUser {
  readonly login: string;
  readonly password?: string | undefined;
  /** Explicit `addresses`, lower-cased, with where each was written. */
  readonly addresses: readonly { address: string; keyPath: (string | number)[] }[];
  readonly grants: readonly { grant: Grant; target: GrantTarget; keyPath: (string | number)[] }[];
  readonly quotaBytes: number;
  readonly file: string;
  readonly checker: FileChecker;
}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `quota` as bytes: an integer, or a string like "500M" / "2G"; 0 = none. */
export function parseQuota(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'bigint' && v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+)\s*([KMGT]?)B?$/i.exec(v.trim());
  if (!m) return undefined;
  return Number(m[1]) * (UNITS[(m[2] ?? '').toUpperCase()] ?? 1);
}

export function validateUser(login: string, parsed: ParsedToml, file: string, absFile: string): ValidatedUser {
  const c = new FileChecker(file, parsed);
  const doc = parsed.doc;
  const lp = loginProblem(login);
  if (lp) c.error([], `file name: ${lp}`);
  c.knownKeys(doc, [], TOP_KEYS);

  const password = c.string(doc, [], 'password');
  if (password !== undefined) {
    const p = parsePhc(password);
    if (!p.ok) c.error(['password'], p.problem);
  }

  const addresses: { address: string; keyPath: (string | number)[] }[] = [];
  const list = c.stringList(doc, [], 'addresses') ?? [];
  const single = typeof doc.addresses === 'string';
  list.forEach((raw, i) => {
    const keyPath = single ? ['addresses'] : ['addresses', i];
    const address = raw.trim().toLowerCase();
    const problem = addressProblem(address);
    if (problem) c.error(keyPath, problem);
    else if (addresses.some((a) => a.address === address)) c.error(keyPath, `address "${address}" is listed twice`);
    else addresses.push({ address, keyPath });
  });

  const grants: ValidatedUser['grants'][number][] = [];
  const rawGrants = doc.grant;
  if (rawGrants !== undefined && !(Array.isArray(rawGrants) && rawGrants.every(isTable))) {
    c.error(['grant'], 'grants must be [[grant]] tables with path and role');
  } else if (Array.isArray(rawGrants)) {
    rawGrants.forEach((g, i) => {
      if (!isTable(g)) return;
      const base = ['grant', i];
      c.knownKeys(g, base, GRANT_KEYS);
      const path = c.string(g, base, 'path');
      const role = c.string(g, base, 'role');
      if (path === undefined) c.error(base, 'grant needs a "path"');
      if (role === undefined) c.error(base, 'grant needs a "role" (reader, writer or owner)');
      if (path === undefined || role === undefined) return;
      const parsedPath = parseGrantPath(path);
      if (!parsedPath.ok) c.error([...base, 'path'], parsedPath.problem);
      if (!isRole(role)) {
        const hint = didYouMean(role, ROLES);
        c.error([...base, 'role'], `unknown role "${role}": expected reader, writer or owner${hint ? ` (did you mean "${hint}"?)` : ''}`);
      }
      if (!parsedPath.ok || !isRole(role)) return;
      if (grants.some((x) => x.grant.path === path)) {
        c.error([...base, 'path'], `grant "${path}" is listed twice`);
        return;
      }
      grants.push({ grant: { path, role: role satisfies Role }, target: parsedPath.target, keyPath: base });
    });
  }

  let quotaBytes = 0;
  if (doc.quota !== undefined) {
    const q = parseQuota(doc.quota);
    if (q === undefined) c.error(['quota'], `"quota" must be bytes or a size like "500M" or "2G"`);
    else quotaBytes = q;
  }
  return { login, password, addresses, grants, quotaBytes, file: absFile, checker: c };
}
