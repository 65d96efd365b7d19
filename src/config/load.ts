// Loads the whole config (everlock.toml, domains/*.toml, users/*.toml, rules.toml) into one deeply frozen
// snapshot: parse -> validate each file -> cross-check -> freeze. Any error fails the whole load, so a server
// keeps its last good snapshot; warnings travel in the snapshot. `checkConfig` runs the same pipeline and also
// looks for the DKIM key files in the data dir.
import { constants } from 'node:fs';
import { readdir, readFile, access, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { parseRules } from '../rules/parse.js';
import type { Rule } from '../rules/types.js';
import { configFiles, dataFiles, type Paths } from './paths.js';
import type { ConfigSnapshot, DomainConfig, ServerOverrides } from './types.js';
import { parseToml, type ParsedToml } from './toml.js';
import { defaultServerSettings, validateServer } from './validate-server.js';
import { validateDomain, type ValidatedDomain } from './validate-domain.js';
import { validateUser, type ValidatedUser } from './validate-user.js';
import { checkAliases, resolveUsers } from './validate-cross.js';
import { deepFreeze, FrozenMap } from './freeze.js';
import { headCommit } from './git.js';

export interface LoadOptions {
  /** Overrides from `serve` flags and env vars; they win over everlock.toml. */
  server?: ServerOverrides;
  generation?: number;
}

interface Collected {
  snapshot: ConfigSnapshot;
  issues: ConfigIssue[];
}

/** Reads a config file; undefined when absent, an issue when unreadable. */
async function readOptional(abs: string, rel: string, issues: ConfigIssue[]): Promise<string | undefined> {
  try {
    return await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    issues.push({ file: rel, message: `cannot read: ${code ?? String(err)}`, severity: 'error' });
    return undefined;
  }
}

function parseOrReport(text: string, rel: string, issues: ConfigIssue[]): ParsedToml | undefined {
  try {
    return parseToml(text, rel);
  } catch (err) {
    if (err instanceof ConfigError) {
      issues.push(...err.issues);
      return undefined;
    }
    throw err;
  }
}

/** `*.toml` names in a config subdirectory (sorted; dot files and temp files skipped). */
async function tomlFiles(dir: string, rel: string, issues: ConfigIssue[]): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith('.toml') && !n.startsWith('.')).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') issues.push({ file: rel, message: `cannot list: ${code ?? String(err)}`, severity: 'error' });
    return [];
  }
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function byPriority(a: Rule, b: Rule): number {
  return a.priority - b.priority;
}

async function collect(paths: Paths, opts: LoadOptions): Promise<Collected> {
  const issues: ConfigIssue[] = [];
  const kind = await pathKind(paths.config);
  if (kind !== 'directory') {
    const message = kind === 'missing' ? 'config directory does not exist (create it with everlock init)' : 'is not a directory (the config repo must be one)';
    throw new ConfigError([{ file: paths.config, message, severity: 'error' }]);
  }

  // everlock.toml
  let server = defaultServerSettings();
  const serverAbs = configFiles.server(paths);
  const serverText = await readOptional(serverAbs, 'everlock.toml', issues);
  if (serverText !== undefined) {
    const parsed = parseOrReport(serverText, 'everlock.toml', issues);
    if (parsed) {
      const v = validateServer(parsed, 'everlock.toml', serverAbs);
      issues.push(...v.issues);
      server = v.settings;
    }
  }
  // Overrides win field by field; an override left undefined (a flag not given) keeps the file's value. Listen
  // overrides hold only the keys a flag set, and there undefined is a value: the listener is off.
  const o = defined(opts.server ?? {});
  server = { ...server, ...o, listen: { ...server.listen, ...(o.listen ?? {}) }, limits: { ...server.limits, ...defined(o.limits ?? {}) } };

  // domains/*.toml
  const domains: ValidatedDomain[] = [];
  for (const name of await tomlFiles(configFiles.domainsDir(paths), 'domains', issues)) {
    const rel = `domains/${name}`;
    const abs = join(configFiles.domainsDir(paths), name);
    const text = await readOptional(abs, rel, issues);
    const parsed = text === undefined ? undefined : parseOrReport(text, rel, issues);
    if (parsed) domains.push(validateDomain(name.slice(0, -'.toml'.length), parsed, rel, abs));
  }
  const domainMap = new Map<string, DomainConfig>(domains.map((d) => [d.config.name, d.config]));

  // users/*.toml
  const users: ValidatedUser[] = [];
  for (const name of await tomlFiles(configFiles.usersDir(paths), 'users', issues)) {
    const rel = `users/${name}`;
    const abs = join(configFiles.usersDir(paths), name);
    const text = await readOptional(abs, rel, issues);
    const parsed = text === undefined ? undefined : parseOrReport(text, rel, issues);
    if (parsed) users.push(validateUser(name.slice(0, -'.toml'.length), parsed, rel, abs));
  }
  const userMap = resolveUsers(domainMap, users);

  // rules.toml
  let rules: Rule[] = [];
  const rulesText = await readOptional(configFiles.rules(paths), 'rules.toml', issues);
  if (rulesText !== undefined) {
    const r = parseRules(rulesText, 'rules.toml');
    issues.push(...r.issues);
    rules = [...r.rules].sort(byPriority);
  }

  const snapshot: ConfigSnapshot = {
    paths: { ...paths },
    server,
    domains: new FrozenMap(domainMap),
    users: new FrozenMap(userMap),
    rules,
    warnings: [],
    commit: undefined,
    generation: opts.generation ?? 1,
  };
  checkAliases(snapshot, domains);
  for (const d of domains) issues.push(...d.checker.issues);
  for (const u of users) issues.push(...u.checker.issues);
  return { snapshot, issues };
}

/** The whole config as one frozen snapshot; throws ConfigError listing every issue when any is an error. */
export async function loadConfig(paths: Paths, opts: LoadOptions = {}): Promise<ConfigSnapshot> {
  const { snapshot, issues } = await collect(paths, opts);
  if (issues.some((i) => i.severity === 'error')) throw new ConfigError(issues);
  const commit = await headCommit(paths.config);
  return deepFreeze({ ...snapshot, warnings: issues, commit });
}

/**
 * The config as far as it loads, with its issues, never throwing for config problems. The CLI edits against
 * this, so one broken file does not block fixing another (an alias may name a user that is about to be added).
 */
export async function inspectConfig(paths: Paths): Promise<{ snapshot: ConfigSnapshot; issues: ConfigIssue[] }> {
  return collect(paths, {});
}

/** Every issue in the config (errors and warnings), including DKIM key files missing from the data dir. */
export async function checkConfig(paths: Paths): Promise<ConfigIssue[]> {
  const { snapshot, issues } = await collect(paths, {});
  issues.push(...(await checkDkimKeys(paths, snapshot)));
  return issues;
}

async function pathKind(file: string): Promise<'missing' | 'directory' | 'other'> {
  try {
    return (await stat(file)).isDirectory() ? 'directory' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw err;
  }
}

/** A regular file this process can read (a directory or an unreadable file in a key's place is no key). */
async function readableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

async function checkDkimKeys(paths: Paths, snap: ConfigSnapshot): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  // Keys live in the data directory and never in git, so a clone of the config repo (its CI, a pre-commit
  // hook with the data elsewhere) has none at all: say they were not checked instead of failing.
  const keysDir = dirname(dataFiles.dkimDir(paths, 'x'));
  const signing = [...snap.domains.values()].find((d) => d.outbound.dkim.enabled);
  if (signing && !(await stat(keysDir).then((s) => s.isDirectory(), () => false))) {
    issues.push({ file: `domains/${signing.name}.toml`, message: `DKIM key files not checked: ${keysDir} does not exist (keys stay out of the config repo; give --data <data dir> to check them)`, severity: 'warning' });
    return issues;
  }
  for (const d of snap.domains.values()) {
    const dkim = d.outbound.dkim;
    if (!dkim.enabled) continue;
    const file = `domains/${d.name}.toml`;
    const parsed = parseToml(await readFile(d.file, 'utf8'), file);
    const at = (key: string): { line?: number; col?: number } => parsed.locate(['outbound', 'dkim', key]) ?? {};
    const ed = dkim.inlineKey !== undefined || (await readableFile(dataFiles.dkimKey(paths, d.name, dkim.selector)));
    const rsa = dkim.inlineRsaKey !== undefined || (await readableFile(dataFiles.dkimKey(paths, d.name, dkim.rsaSelector)));
    const keyFile = (s: string) => `keys/dkim/${d.name}/${s}.pem`;
    if (!ed && !rsa) {
      issues.push({ file, ...at('enabled'), message: `DKIM is enabled but key files are missing or unreadable: ${keyFile(dkim.selector)} and ${keyFile(dkim.rsaSelector)} (everlock dkim keygen ${d.name})`, severity: 'error' });
    } else if (!ed || !rsa) {
      const missing = ed ? dkim.rsaSelector : dkim.selector;
      issues.push({ file, ...at(ed ? 'rsa_selector' : 'selector'), message: `DKIM key file ${keyFile(missing)} is missing or unreadable; mail is signed with the other key only`, severity: 'warning' });
    }
    for (const s of dkim.published) {
      if (!(await readableFile(dataFiles.dkimKey(paths, d.name, s)))) {
        issues.push({ file, ...at('published'), message: `published DKIM selector "${s}" has no key file ${keyFile(s)}`, severity: 'error' });
      }
    }
  }
  return issues;
}
