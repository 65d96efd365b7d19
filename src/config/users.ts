// User management as the CLI (and the first-run bootstrap) does it: each operation reads the current config,
// checks the request against it (valid login, known domains, addresses nobody else owns, aliases that would
// still resolve), then changes one users/<login>.toml through updateConfigFile. Any failure is a UserError and
// leaves every file as it was. Password hashing happens before the lock is taken, so concurrent adds queue
// only for the short write and commit.
import { UserError } from '../errors.js';
import type { ConfigSnapshot, Grant, Role, UserConfig } from './types.js';
import type { Paths } from './paths.js';
import { inspectConfig } from './load.js';
import { updateConfigFile, type Doc } from './write.js';
import { hashPassword } from './passwords.js';
import { addressProblem, loginProblem, splitAddress } from './names.js';
import { isRole, parseGrantPath, ROLES } from './grants.js';
import { didYouMean } from './did-you-mean.js';
import { targetResolves, findUserByLogin } from './directory.js';
import { isTable } from './checker.js';

export interface EditOptions {
  commit: boolean;
}

export function userFile(login: string): string {
  return `users/${login}.toml`;
}

function checkLogin(login: string): void {
  const p = loginProblem(login);
  if (p) throw new UserError(p);
}

function requireUser(snap: ConfigSnapshot, login: string): UserConfig {
  checkLogin(login);
  const user = snap.users.get(login);
  if (!user) throw new UserError(`no such user "${login}"`);
  return user;
}

function existing(doc: Doc | undefined, login: string): Doc {
  if (!doc) throw new UserError(`no such user "${login}"`);
  return doc;
}

/** Explicit addresses for a new user: valid, in a configured domain, not an alias, not owned by anyone. */
function checkNewAddresses(snap: ConfigSnapshot, login: string, addresses: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of addresses) {
    const a = raw.trim().toLowerCase();
    const p = addressProblem(a);
    if (p) throw new UserError(p);
    const { local, domain } = splitAddress(a);
    const d = snap.domains.get(domain);
    if (!d) throw new UserError(`domain "${domain}" is not configured (everlock mail domains create ${domain})`);
    if (d.aliases.has(local)) throw new UserError(`"${a}" is an alias in domains/${domain}.toml`);
    for (const u of snap.users.values()) if (u.login !== login && u.addresses.includes(a)) throw new UserError(`"${a}" already belongs to user "${u.login}"`);
    if (!out.includes(a)) out.push(a);
  }
  return out;
}

export interface AddUserOptions extends EditOptions {
  /** Plaintext password, hashed here; undefined = the user cannot log in until one is set. */
  password?: string | undefined;
  addresses?: readonly string[] | undefined;
}

/** Creates users/<login>.toml; returns the user as the new config sees it (with its owned addresses). */
export async function addUser(paths: Paths, login: string, opts: AddUserOptions): Promise<UserConfig> {
  checkLogin(login);
  const snap = (await inspectConfig(paths)).snapshot;
  if (snap.users.has(login)) throw new UserError(`user "${login}" already exists`);
  // A login that is an address owns it, so it must be one a new user may own.
  const addresses = checkNewAddresses(snap, login, [...(login.includes('@') ? [login] : []), ...(opts.addresses ?? [])]).filter((a) => a !== login);
  const doc: Doc = {};
  if (opts.password !== undefined) doc.password = await hashPassword(opts.password, snap.server.passwordScryptLn);
  if (addresses.length > 0) doc.addresses = addresses;
  await updateConfigFile(
    paths,
    userFile(login),
    (current) => {
      if (current) throw new UserError(`user "${login}" already exists`);
      return doc;
    },
    { message: `users: add ${login}`, commit: opts.commit },
  );
  const user = (await inspectConfig(paths)).snapshot.users.get(login);
  if (!user) throw new UserError(`user "${login}" was not created`);
  return user;
}

/** Sets the password of `login` (hashing it first). */
export async function setPassword(paths: Paths, login: string, password: string, opts: EditOptions): Promise<void> {
  if (password === '') throw new UserError('empty password');
  const snap = (await inspectConfig(paths)).snapshot;
  requireUser(snap, login);
  const hash = await hashPassword(password, snap.server.passwordScryptLn);
  await updateConfigFile(paths, userFile(login), (doc) => ({ ...existing(doc, login), password: hash }), {
    message: `users: set password of ${login}`,
    commit: opts.commit,
  });
}

/** The login of the user who owns `address` (or logs in as it). */
export async function loginForAddress(paths: Paths, address: string): Promise<string> {
  const a = address.trim().toLowerCase();
  const p = addressProblem(a);
  if (p) throw new UserError(p);
  const snap = (await inspectConfig(paths)).snapshot;
  for (const u of snap.users.values()) if (u.addresses.includes(a)) return u.login;
  const byLogin = findUserByLogin(snap, a);
  if (byLogin) return byLogin.login;
  throw new UserError(`no user owns "${a}"`);
}

/** Deletes users/<login>.toml; refuses while an alias or catch-all would then point nowhere. Mail stays on disk. */
export async function removeUser(paths: Paths, login: string, opts: EditOptions): Promise<void> {
  const snap = (await inspectConfig(paths)).snapshot;
  requireUser(snap, login);
  const users = new Map(snap.users);
  users.delete(login);
  const without: ConfigSnapshot = { ...snap, users };
  for (const d of snap.domains.values()) {
    for (const [local, targets] of d.aliases) {
      for (const t of targets) {
        if (targetResolves(snap, d.name, t) && !targetResolves(without, d.name, t)) {
          throw new UserError(`alias ${local}@${d.name} delivers to "${t}"; change it first (domains/${d.name}.toml)`);
        }
      }
    }
    if (d.catchAll !== undefined && !targetResolves(without, d.name, d.catchAll)) {
      throw new UserError(`the catch-all of ${d.name} delivers to "${d.catchAll}"; change it first (domains/${d.name}.toml)`);
    }
  }
  await updateConfigFile(
    paths,
    userFile(login),
    (doc) => {
      existing(doc, login);
      return undefined;
    },
    { message: `users: remove ${login}`, commit: opts.commit },
  );
}

function parseRole(role: string): Role {
  if (isRole(role)) return role;
  const hint = didYouMean(role, ROLES);
  throw new UserError(`unknown role "${role}": expected reader, writer or owner${hint ? ` (did you mean "${hint}"?)` : ''}`);
}

function grantsOf(doc: Doc): Doc[] {
  const g = doc.grant;
  return Array.isArray(g) ? g.filter(isTable) : [];
}

/** Adds a grant, or changes the role of an existing grant with the same path. */
export async function grant(paths: Paths, login: string, path: string, role: string, opts: EditOptions): Promise<void> {
  const r = parseRole(role);
  const parsed = parseGrantPath(path);
  if (!parsed.ok) throw new UserError(parsed.problem);
  const snap = (await inspectConfig(paths)).snapshot;
  requireUser(snap, login);
  const domain = snap.domains.get(parsed.target.domain);
  if (!domain) throw new UserError(`grant "${path}" names unknown domain "${parsed.target.domain}"`);
  if (parsed.target.service === 'imap' && domain.aliases.has(parsed.target.local)) {
    throw new UserError(`grant "${path}" names an alias; grant the mailbox it delivers to instead`);
  }
  await updateConfigFile(
    paths,
    userFile(login),
    (doc) => {
      const d = existing(doc, login);
      const grants = grantsOf(d).filter((g) => g.path !== path);
      return { ...d, grant: [...grants, { path, role: r }] };
    },
    { message: `users: grant ${login} ${path} ${r}`, commit: opts.commit },
  );
}

export async function revoke(paths: Paths, login: string, path: string, opts: EditOptions): Promise<void> {
  const snap = (await inspectConfig(paths)).snapshot;
  const user = requireUser(snap, login);
  if (!user.grants.some((g) => g.path === path)) throw new UserError(`user "${login}" has no grant "${path}"`);
  await updateConfigFile(
    paths,
    userFile(login),
    (doc) => {
      const d = existing(doc, login);
      const grants = grantsOf(d).filter((g) => g.path !== path);
      const { grant: _dropped, ...rest } = d;
      return grants.length > 0 ? { ...rest, grant: grants } : rest;
    },
    { message: `users: revoke ${login} ${path}`, commit: opts.commit },
  );
}

export async function listGrants(paths: Paths, login: string): Promise<readonly Grant[]> {
  const snap = (await inspectConfig(paths)).snapshot;
  return requireUser(snap, login).grants;
}

/** Fails early (before a password prompt) when `login` does not exist. */
export async function checkUserExists(paths: Paths, login: string): Promise<void> {
  requireUser((await inspectConfig(paths)).snapshot, login);
}
