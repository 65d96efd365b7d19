// DKIM keys: generated with node:crypto, stored one PEM per selector at keys/dkim/<domain>/<selector>.pem in the
// data directory (never in the config repo), mode 0600 in a 0700 directory. A key file is written to a temp
// file, fsynced and linked (or renamed) into place, so a reader sees either no key or the whole key. The public
// half is never stored: DNS TXT values are derived from the private key on demand.
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { dataFiles, type Paths } from '../config/paths.js';
import { domainProblem } from '../config/names.js';
import { selectorProblem } from '../config/validate-domain.js';
import type { DomainConfig } from '../config/types.js';
import { UserError } from '../errors.js';

export type DkimKeyType = 'ed25519' | 'rsa';
export type DkimAlgorithm = 'ed25519-sha256' | 'rsa-sha256';

export interface SigningKey {
  readonly selector: string;
  readonly algorithm: DkimAlgorithm;
  /** PKCS#8 PEM. */
  readonly privateKey: string;
}

export const RSA_BITS = 2048;

/** A new private key as PKCS#8 PEM. */
export async function generateDkimKey(type: DkimKeyType): Promise<string> {
  const enc = { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } } as const;
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _pub: string, priv: string): void => (err ? reject(err) : resolve(priv));
    if (type === 'ed25519') generateKeyPair('ed25519', enc, done);
    else generateKeyPair('rsa', { modulusLength: RSA_BITS, ...enc }, done);
  });
}

/** The key type of a PEM private key; throws UserError for anything DKIM cannot use. */
export function keyType(privateKeyPem: string): DkimKeyType {
  const t = parsePrivateKey(privateKeyPem).asymmetricKeyType;
  if (t === 'ed25519' || t === 'rsa') return t;
  throw new UserError(`unsupported DKIM key type ${t ?? 'unknown'} (use ed25519 or rsa)`);
}

export function signingAlgorithm(type: DkimKeyType): DkimAlgorithm {
  return type === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256';
}

/**
 * The DKIM TXT record value for a private key: `v=DKIM1; k=ed25519; p=<raw 32-byte key>` (RFC 8463) or
 * `v=DKIM1; k=rsa; p=<SubjectPublicKeyInfo DER>` (RFC 6376), both base64.
 */
export function dkimTxtValue(privateKeyPem: string): string {
  const key = parsePrivateKey(privateKeyPem);
  const pub = createPublicKey(key);
  if (key.asymmetricKeyType === 'ed25519') {
    const x = pub.export({ format: 'jwk' }).x;
    if (typeof x !== 'string') throw new UserError('cannot read the Ed25519 public key');
    return `v=DKIM1; k=ed25519; p=${Buffer.from(x, 'base64url').toString('base64')}`;
  }
  if (key.asymmetricKeyType === 'rsa') {
    return `v=DKIM1; k=rsa; p=${pub.export({ format: 'der', type: 'spki' }).toString('base64')}`;
  }
  throw new UserError(`unsupported DKIM key type ${key.asymmetricKeyType ?? 'unknown'}`);
}

/** The key file path, after checking that neither name can leave keys/dkim/. */
export function dkimKeyPath(paths: Paths, domain: string, selector: string): string {
  const problem = domainProblem(domain) ?? selectorProblem(selector);
  if (problem) throw new UserError(problem);
  return dataFiles.dkimKey(paths, domain, selector);
}

/**
 * Writes a key file (mode 0600, directory 0700). Without `overwrite`, an existing key is an error: a selector's
 * key may already be published in DNS, and replacing it silently breaks every signature in flight.
 */
export async function writeDkimKey(paths: Paths, domain: string, selector: string, privateKeyPem: string, opts: { overwrite?: boolean } = {}): Promise<string> {
  const file = dkimKeyPath(paths, domain, selector);
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(privateKeyPem);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    if (opts.overwrite) await rename(tmp, file);
    else await link(tmp, file); // atomic create-if-absent
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UserError(`a DKIM key for selector "${selector}" of ${domain} already exists (${file})`);
    }
    throw err;
  } finally {
    if (!opts.overwrite) await unlink(tmp).catch(() => undefined);
  }
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
  return file;
}

/** The PEM of a selector's key file, or undefined when there is none. */
export async function readDkimKey(paths: Paths, domain: string, selector: string): Promise<string | undefined> {
  const file = dkimKeyPath(paths, domain, selector);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new UserError(`cannot read DKIM key ${file}: ${code ?? String(err)}`);
  }
}

/** Every selector the domain should publish in DNS: the signing ones first, then those kept after a rotation. */
export function publishedSelectors(domain: DomainConfig): string[] {
  const d = domain.outbound.dkim;
  return [...new Set([d.selector, d.rsaSelector, ...d.published])];
}

/**
 * The keys to sign the domain's mail with: the Ed25519 selector and the RSA selector, each when its key exists
 * (file first, then the Everlock-style inline PEM). Empty when DKIM is off for the domain. The algorithm comes
 * from the key itself, not from the slot it is configured in.
 */
export async function loadSigningKeys(paths: Paths, domain: DomainConfig): Promise<SigningKey[]> {
  const d = domain.outbound.dkim;
  if (!d.enabled) return [];
  const slots = [
    { selector: d.selector, inline: d.inlineKey },
    { selector: d.rsaSelector, inline: d.inlineRsaKey },
  ];
  const keys: SigningKey[] = [];
  for (const slot of slots) {
    if (keys.some((k) => k.selector === slot.selector)) continue;
    const pem = (await readDkimKey(paths, domain.name, slot.selector)) ?? slot.inline;
    if (pem === undefined) continue;
    keys.push({ selector: slot.selector, algorithm: signingAlgorithm(keyType(pem)), privateKey: pem });
  }
  return keys;
}

function parsePrivateKey(pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new UserError('not a PEM private key');
  }
}
