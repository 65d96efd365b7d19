// DKIM key management with the config: `dkim keygen` makes a key for one selector and points the domain's
// signing at it (the selector it replaces stays published); `dkim rotate` makes a new pair of selectors (<yyyymmdd>, <yyyymmdd>-rsa), signs with them and
// keeps the previous selectors in `published` so signatures already in flight keep verifying until the admin
// drops them (`mail domains set <domain> dkim_published=`). Keys are written before the config names them and
// removed again when the config write fails.
import { UserError } from '../errors.js';
import { loadConfig } from '../config/load.js';
import { updateConfigFile, type Doc } from '../config/write.js';
import type { Paths } from '../config/paths.js';
import type { DomainConfig } from '../config/types.js';
import { checkDomainDoc } from '../domains/check.js';
import { domainFile, existingDoc, readDomainDoc, removeCreatedKeys, requireDomain, table, type KeyResult } from '../domains/domains.js';
import { dkimKeyPath, dkimTxtValue, generateDkimKey, keyType, publishedSelectors, readDkimKey, writeDkimKey, type DkimKeyType } from './keys.js';

export interface SelectorInfo {
  selector: string;
  /** signing: used for new signatures; published: kept in DNS after a rotation. */
  role: 'signing' | 'published';
  type?: DkimKeyType | undefined;
  /** `<selector>._domainkey.<domain>` */
  name: string;
  /** The TXT value, or undefined when the key is missing. */
  value?: string | undefined;
  file: string;
}

export async function selectorInfo(paths: Paths, domain: DomainConfig): Promise<SelectorInfo[]> {
  const d = domain.outbound.dkim;
  const out: SelectorInfo[] = [];
  for (const selector of publishedSelectors(domain)) {
    const inline = selector === d.selector ? d.inlineKey : selector === d.rsaSelector ? d.inlineRsaKey : undefined;
    const pem = (await readDkimKey(paths, domain.name, selector)) ?? inline;
    out.push({
      selector,
      role: selector === d.selector || selector === d.rsaSelector ? 'signing' : 'published',
      type: pem === undefined ? undefined : keyType(pem),
      name: `${selector}._domainkey.${domain.name}`,
      value: pem === undefined ? undefined : dkimTxtValue(pem),
      file: dkimKeyPath(paths, domain.name, selector),
    });
  }
  return out;
}

async function writeConfig(paths: Paths, name: string, message: string, commit: boolean, edit: (dkim: Doc) => void, keys: KeyResult[]): Promise<DomainConfig> {
  const snap = await loadConfig(paths);
  let result: DomainConfig | undefined;
  const apply = (doc: Doc): Doc => {
    edit(table(doc, 'outbound', 'dkim'));
    result = checkDomainDoc(paths, snap, name, doc);
    return doc;
  };
  try {
    apply(existingDoc(await readDomainDoc(paths, name), name));
    await updateConfigFile(paths, domainFile(name), (current) => apply(existingDoc(current, name)), { message, commit });
  } catch (err) {
    await removeCreatedKeys(keys);
    throw err;
  }
  if (!result) throw new UserError(`${name}: domain file could not be read back`);
  return result;
}

export interface KeygenOptions {
  type: DkimKeyType;
  selector?: string | undefined;
  /** Replace an existing key file for the selector. */
  force: boolean;
  commit: boolean;
}

/** Generates a key for one selector and makes it the domain's signing selector for that algorithm; enables DKIM. */
export async function keygen(paths: Paths, name: string, opts: KeygenOptions): Promise<{ domain: DomainConfig; key: KeyResult; value: string }> {
  const snap = await loadConfig(paths);
  const before = requireDomain(snap, name);
  const selector = opts.selector ?? (opts.type === 'ed25519' ? before.outbound.dkim.selector : before.outbound.dkim.rsaSelector);
  const file = dkimKeyPath(paths, name, selector);
  const existed = (await readDkimKey(paths, name, selector)) !== undefined;
  if (existed && !opts.force) throw new UserError(`selector "${selector}" of ${name} already has a key (${file}); --force replaces it, dkim rotate adds a new one`);
  const previous = opts.type === 'ed25519' ? before.outbound.dkim.selector : before.outbound.dkim.rsaSelector;
  const previousHasKey = (await readDkimKey(paths, name, previous)) !== undefined;
  const pem = await generateDkimKey(opts.type);
  await writeDkimKey(paths, name, selector, pem, { overwrite: opts.force });
  const key: KeyResult = { selector, type: opts.type, file, created: !existed };
  const domain = await writeConfig(
    paths,
    name,
    `dkim: keygen ${name} ${selector} (${opts.type})`,
    opts.commit,
    (dkim) => {
      dkim.enabled = true;
      dkim[opts.type === 'ed25519' ? 'selector' : 'rsa_selector'] = selector;
      // The selector this one replaces may be in DNS with signatures in flight: keep it published.
      if (previousHasKey && previous !== selector) {
        const published = Array.isArray(dkim.published) ? dkim.published.filter((p): p is string => typeof p === 'string') : [];
        dkim.published = [...new Set([...published, previous])];
      }
    },
    [key],
  );
  return { domain, key, value: dkimTxtValue(pem) };
}

/** `20261123`, then `20261123-2`, … until neither selector of the pair is taken. */
export function rotationSelectors(date: Date, taken: (s: string) => boolean): { selector: string; rsaSelector: string } {
  const day = date.toISOString().slice(0, 10).replace(/-/g, '');
  for (let n = 1; ; n++) {
    const selector = n === 1 ? day : `${day}-${n}`;
    const rsaSelector = `${selector}-rsa`;
    if (!taken(selector) && !taken(rsaSelector)) return { selector, rsaSelector };
  }
}

export async function rotate(paths: Paths, name: string, opts: { commit: boolean; now?: Date }): Promise<{ domain: DomainConfig; keys: KeyResult[]; retired: string[] }> {
  const snap = await loadConfig(paths);
  const before = requireDomain(snap, name);
  const known = new Set(publishedSelectors(before));
  const exists = new Set<string>();
  for (const s of [...known]) if ((await readDkimKey(paths, name, s)) !== undefined) exists.add(s);
  const candidates = rotationSelectors(opts.now ?? new Date(), (s) => known.has(s));
  // A leftover key file with the new name (from a failed run) is not ours to overwrite.
  for (const s of [candidates.selector, candidates.rsaSelector]) {
    if ((await readDkimKey(paths, name, s)) !== undefined) throw new UserError(`a key file for selector "${s}" already exists (${dkimKeyPath(paths, name, s)}); remove it or use dkim keygen`);
  }
  const d = before.outbound.dkim;
  const keys: KeyResult[] = [];
  try {
    // Inline keys (Everlock's form) of the outgoing selectors move to key files, so they stay published.
    for (const [selector, inline] of [
      [d.selector, d.inlineKey],
      [d.rsaSelector, d.inlineRsaKey],
    ] as const) {
      if (inline === undefined || exists.has(selector)) continue;
      const file = await writeDkimKey(paths, name, selector, inline);
      keys.push({ selector, type: keyType(inline), file, created: true });
      exists.add(selector);
    }
    for (const [selector, type] of [
      [candidates.selector, 'ed25519'],
      [candidates.rsaSelector, 'rsa'],
    ] as const) {
      const file = await writeDkimKey(paths, name, selector, await generateDkimKey(type));
      keys.push({ selector, type, file, created: true });
    }
  } catch (err) {
    await removeCreatedKeys(keys);
    throw err;
  }
  // Only selectors that have a key are worth keeping in DNS.
  const retired = [d.selector, d.rsaSelector].filter((s) => exists.has(s));
  const published = [...new Set([...d.published, ...retired])];
  const domain = await writeConfig(
    paths,
    name,
    `dkim: rotate ${name} to ${candidates.selector}, ${candidates.rsaSelector}`,
    opts.commit,
    (dkim) => {
      dkim.enabled = true;
      dkim.selector = candidates.selector;
      dkim.rsa_selector = candidates.rsaSelector;
      if (published.length > 0) dkim.published = published;
      // Inline keys belong to the old selectors; the new ones are files.
      delete dkim.private_key_pem;
      delete dkim.rsa_private_key_pem;
    },
    keys,
  );
  return { domain, keys, retired };
}
