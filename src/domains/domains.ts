// Domain management as the CLI does it: load the config, check the request, change domains/<domain>.toml through
// updateConfigFile (lock, atomic write, commit). DKIM keys live in the data dir and are written before the
// config names them; a key this command generated is removed again if the config write fails.
import { readFile, unlink } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { loadConfig } from '../config/load.js';
import { updateConfigFile, type Doc } from '../config/write.js';
import { isTable } from '../config/checker.js';
import { configFiles, type Paths } from '../config/paths.js';
import { parseToml } from '../config/toml.js';
import type { ConfigSnapshot, DomainConfig } from '../config/types.js';
import { dkimKeyPath, generateDkimKey, readDkimKey, writeDkimKey, type DkimKeyType } from '../dkim/keys.js';
import { checkDomainDoc } from './check.js';
import { listArg, parsePairs, parseSwitch } from './args.js';

export interface EditOptions {
  commit: boolean;
}

export const DEFAULT_SELECTOR = 'default';
export const DEFAULT_RSA_SELECTOR = 'default-rsa';

export function domainFile(name: string): string {
  return `domains/${name}.toml`;
}

export function requireDomain(snap: ConfigSnapshot, name: string): DomainConfig {
  const d = snap.domains.get(name);
  if (!d) throw new UserError(`unknown domain "${name}" (everlock mail domains list)`);
  return d;
}

export function existingDoc(doc: Doc | undefined, name: string): Doc {
  if (!doc) throw new UserError(`unknown domain "${name}"`);
  return structuredClone(doc);
}

/** The sub-table at `keys`, created when missing. */
export function table(doc: Doc, ...keys: string[]): Doc {
  let t = doc;
  for (const k of keys) {
    const next = t[k];
    if (isTable(next)) t = next;
    else {
      const created: Doc = {};
      t[k] = created;
      t = created;
    }
  }
  return t;
}

export interface KeyResult {
  selector: string;
  type: DkimKeyType;
  file: string;
  /** False when an existing key file was kept. */
  created: boolean;
}

/** Makes sure a key exists for each selector: keeps an existing file (a key may already be in DNS), else generates one. */
export async function ensureKeys(paths: Paths, domain: string, wanted: readonly { selector: string; type: DkimKeyType }[]): Promise<KeyResult[]> {
  const out: KeyResult[] = [];
  try {
    for (const w of wanted) {
      const file = dkimKeyPath(paths, domain, w.selector);
      if ((await readDkimKey(paths, domain, w.selector)) !== undefined) {
        out.push({ ...w, file, created: false });
        continue;
      }
      await writeDkimKey(paths, domain, w.selector, await generateDkimKey(w.type));
      out.push({ ...w, file, created: true });
    }
  } catch (err) {
    await removeCreatedKeys(out);
    throw err;
  }
  return out;
}

export async function removeCreatedKeys(keys: readonly KeyResult[]): Promise<void> {
  await Promise.all(keys.filter((k) => k.created).map((k) => unlink(k.file).catch(() => undefined)));
}

export interface CreateDomainOptions extends EditOptions {
  dkim: boolean;
  hostname?: string | undefined;
}

export async function createDomain(paths: Paths, name: string, opts: CreateDomainOptions): Promise<{ domain: DomainConfig; keys: KeyResult[] }> {
  const snap = await loadConfig(paths);
  if (snap.domains.has(name)) throw new UserError(`domain "${name}" already exists`);
  const doc: Doc = {
    enabled: true,
    submission: { enabled: true, auth: 'authenticated' },
    outbound: {
      hostname: opts.hostname ?? `mail.${name}`,
      dkim: { enabled: opts.dkim, selector: DEFAULT_SELECTOR, rsa_selector: DEFAULT_RSA_SELECTOR },
    },
    inbound: { reject_dmarc_failures: false },
  };
  const domain = checkDomainDoc(paths, snap, name, doc);
  const keys = opts.dkim
    ? await ensureKeys(paths, name, [
        { selector: DEFAULT_SELECTOR, type: 'ed25519' },
        { selector: DEFAULT_RSA_SELECTOR, type: 'rsa' },
      ])
    : [];
  try {
    await updateConfigFile(
      paths,
      domainFile(name),
      (current) => {
        if (current) throw new UserError(`domain "${name}" already exists`);
        return doc;
      },
      { message: `domains: create ${name}`, commit: opts.commit },
    );
  } catch (err) {
    await removeCreatedKeys(keys);
    throw err;
  }
  return { domain, keys };
}

export const SET_KEYS = [
  'enabled',
  'submission',
  'auth',
  'dkim',
  'hostname',
  'catch_all',
  'relay',
  'tls_verify',
  'mx_override',
  'reject_dmarc',
  'dkim_published',
] as const;

/**
 * `mail domains set <domain> key=value…`. Empty values clear optional settings (`catch_all=`, `relay=`,
 * `tls_verify=`, `mx_override=`, `dkim_published=`). Turning DKIM on generates the missing keys, as Everlock does.
 */
export async function setDomain(paths: Paths, name: string, args: readonly string[], opts: EditOptions): Promise<{ domain: DomainConfig; keys: KeyResult[] }> {
  if (args.length === 0) throw new UserError(`nothing to set (keys: ${SET_KEYS.join(', ')})`, 2);
  const pairs = parsePairs(args, SET_KEYS, 'domain');
  const snap = await loadConfig(paths);
  const before = requireDomain(snap, name);
  let keys: KeyResult[] = [];
  let domain: DomainConfig | undefined;
  const apply = (doc: Doc): Doc => {
    for (const [key, value] of pairs) {
      switch (key) {
        case 'enabled':
          doc.enabled = parseSwitch(key, value);
          break;
        case 'submission':
          table(doc, 'submission').enabled = parseSwitch(key, value);
          break;
        case 'auth':
          table(doc, 'submission').auth = parseSwitch(key, value) ? 'authenticated' : 'none';
          break;
        case 'dkim':
          table(doc, 'outbound', 'dkim').enabled = parseSwitch(key, value);
          break;
        case 'hostname':
          if (value === '') delete table(doc, 'outbound').hostname;
          else table(doc, 'outbound').hostname = value.toLowerCase();
          break;
        case 'catch_all': {
          const aliases = table(doc, 'aliases');
          delete aliases.catch_all;
          if (Object.keys(aliases).length === 0) delete doc.aliases;
          if (value === '') delete doc.catch_all;
          else doc.catch_all = value.toLowerCase();
          break;
        }
        case 'relay':
          if (value === '') delete table(doc, 'outbound').relay;
          else table(doc, 'outbound').relay = value;
          break;
        case 'tls_verify':
          if (value === '') delete table(doc, 'outbound').tls_verify;
          else table(doc, 'outbound').tls_verify = parseSwitch(key, value);
          break;
        case 'mx_override': {
          const hosts = listArg(value);
          if (hosts.length === 0) delete doc.mx_override;
          else doc.mx_override = hosts;
          break;
        }
        case 'reject_dmarc':
          table(doc, 'inbound').reject_dmarc_failures = parseSwitch(key, value);
          break;
        case 'dkim_published': {
          const sels = listArg(value);
          if (sels.length === 0) delete table(doc, 'outbound', 'dkim').published;
          else table(doc, 'outbound', 'dkim').published = sels;
          break;
        }
      }
    }
    domain = checkDomainDoc(paths, snap, name, doc);
    return doc;
  };
  // A dry run on the current file: every problem surfaces before the key store or the file changes.
  apply(existingDoc(await readDomainDoc(paths, name), name));
  const planned = domain ?? before;
  if (planned.outbound.dkim.enabled && !before.outbound.dkim.enabled) {
    // A slot with an inline key (Everlock's form) already has its key; a new file would silently replace it.
    const d = planned.outbound.dkim;
    const slots = [
      { selector: d.selector, type: 'ed25519' as const, inline: d.inlineKey },
      { selector: d.rsaSelector, type: 'rsa' as const, inline: d.inlineRsaKey },
    ];
    keys = await ensureKeys(
      paths,
      name,
      slots.filter((s) => s.inline === undefined).map(({ selector, type }) => ({ selector, type })),
    );
  }
  try {
    await updateConfigFile(paths, domainFile(name), (current) => apply(existingDoc(current, name)), {
      message: `domains: set ${name} ${pairs.map(([k, v]) => `${k}=${k === 'relay' ? '…' : v}`).join(' ')}`,
      commit: opts.commit,
    });
  } catch (err) {
    await removeCreatedKeys(keys);
    throw err;
  }
  return { domain: domain ?? before, keys };
}

/** The current domain file as a document (undefined when absent). */
export async function readDomainDoc(paths: Paths, name: string): Promise<Doc | undefined> {
  try {
    return parseToml(await readFile(configFiles.domain(paths, name), 'utf8'), domainFile(name)).doc;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Removes domains/<domain>.toml. Refused while users still name addresses or grants in the domain, or other
 * domains' aliases point into it: the config would no longer load. Mail and DKIM keys stay in the data dir.
 */
export async function removeDomain(paths: Paths, name: string, opts: EditOptions): Promise<DomainConfig> {
  const snap = await loadConfig(paths);
  const domain = requireDomain(snap, name);
  const users: string[] = [];
  for (const u of snap.users.values()) {
    // A login without `@` owns <login>@<domain> implicitly; any other address in the domain is written in the user's file.
    const explicit =
      u.login.endsWith(`@${name}`) ||
      u.addresses.some((a) => a.endsWith(`@${name}`) && a !== `${u.login}@${name}`) ||
      u.grants.some((g) => grantDomain(g.path) === name);
    if (explicit) users.push(u.login);
  }
  if (users.length > 0) throw new UserError(`domain "${name}" is still used by user${users.length > 1 ? 's' : ''} ${users.join(', ')} (remove them or their grants first)`);
  for (const other of snap.domains.values()) {
    if (other.name === name) continue;
    for (const [local, targets] of other.aliases) {
      if (targets.some((t) => t.endsWith(`@${name}`))) throw new UserError(`alias ${local}@${other.name} points into "${name}" (everlock mail aliases remove ${local}@${other.name})`);
    }
  }
  await updateConfigFile(
    paths,
    domainFile(name),
    (current) => {
      existingDoc(current, name);
      return undefined;
    },
    { message: `domains: remove ${name}`, commit: opts.commit },
  );
  return domain;
}

/** `smtp/mail/example.com:alice` -> `example.com`. */
function grantDomain(path: string): string | undefined {
  const m = /^[a-z]+\/mail\/([^:/]+)/.exec(path);
  return m?.[1];
}
