// Certificates for every TLS listener (SMTP STARTTLS, submissions, IMAPS, IMAP STARTTLS). Per-host certificates
// live in `<data>/config/<host>/fullchain.pem` + `privkey.pem` (Everlock's layout, e.g. `mail.example.com/`) and
// are chosen by SNI; anything else gets a self-signed certificate kept in `<data>/config/self-signed/`, so a
// client's accepted exception stays valid across restarts. It is regenerated only when a name it must cover is
// missing or it is about to expire. Files are re-read on change: new handshakes get the new context, open
// connections keep theirs. Invariant: a broken or half-copied certificate pair never replaces a working one.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext, type SecureContext, type TlsOptions } from 'node:tls';
import { watch, type FSWatcher } from 'chokidar';
import { dataFiles, type Paths } from '../config/paths.js';
import type { Logger } from '../log.js';
import type { TlsProvider } from './module.js';
import { createSelfSignedCertificate } from './self-signed.js';

export const MIN_TLS_VERSION = 'TLSv1.2';
const SELF_SIGNED_DIR = 'self-signed';
const CERT_FILE = 'fullchain.pem';
const KEY_FILE = 'privkey.pem';
/** Regenerate the self-signed certificate when it expires within this window. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;
const SELF_SIGNED_DAYS = 825;

export interface TlsProviderOptions {
  paths: Paths;
  /** Names the fallback certificate must cover (server hostname, mail.<domain> …); localhost and loopback IPs are always added. */
  names: readonly string[];
  log: Logger;
  /** Watch the certificate directories and reload on change (default true). */
  watch?: boolean;
  /** Debounce for file changes, ms. */
  debounceMs?: number;
}

export interface ManagedTlsProvider extends TlsProvider {
  /** The names changed (domains added, hostname changed): regenerate the fallback if it misses one. */
  setNames(names: readonly string[]): Promise<void>;
  /** Re-reads every certificate directory now. */
  reload(): Promise<void>;
  /** Hosts with a certificate of their own (directory names), for logs and tests. */
  hosts(): readonly string[];
  close(): Promise<void>;
}

interface HostCert {
  readonly dir: string;
  readonly x509: X509Certificate;
  readonly context: SecureContext;
}

/** The names a fallback certificate covers: the given ones plus localhost and the loopback addresses. */
export function fallbackNames(names: readonly string[]): string[] {
  const all = new Set<string>(['localhost', '127.0.0.1', '::1']);
  for (const n of names) if (n) all.add(n.toLowerCase());
  return [...all];
}

export async function createTlsProvider(opts: TlsProviderOptions): Promise<ManagedTlsProvider> {
  const root = join(opts.paths.data, 'config');
  const log = opts.log.child({ module: 'tls' });
  let names = fallbackNames(opts.names);
  let fallback = await loadOrCreateSelfSigned(dataFiles.selfSignedDir(opts.paths), names, log);
  let hosts = new Map<string, HostCert>();

  const rescan = async (): Promise<void> => {
    const next = new Map<string, HostCert>();
    let entries: string[] = [];
    try {
      entries = await readdir(root);
    } catch {
      entries = [];
    }
    for (const dir of entries.sort()) {
      if (dir === SELF_SIGNED_DIR || dir.startsWith('.')) continue;
      const loaded = await loadPair(join(root, dir)).catch((err: unknown) => {
        const previous = hosts.get(dir);
        if (err instanceof MissingPair) return undefined;
        log.warn(`certificate in ${join(root, dir)} not usable${previous ? '; keeping the previous one' : ''}`, { error: err });
        return previous;
      });
      if (loaded) next.set(dir, { dir, ...loaded });
    }
    const changed = next.size !== hosts.size || [...next].some(([d, c]) => hosts.get(d)?.x509.fingerprint256 !== c.x509.fingerprint256);
    hosts = next;
    if (changed) log.info('certificates loaded', { hosts: [...next.keys()], fallback: 'self-signed' });
  };
  await rescan();

  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (opts.watch !== false) {
    await mkdir(root, { recursive: true });
    watcher = watch(root, {
      ignoreInitial: true,
      depth: 2,
      ignored: (p: string) => p.startsWith(join(root, SELF_SIGNED_DIR)),
    });
    watcher.on('all', () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void rescan().catch((err: unknown) => log.error('certificate reload failed', { error: err })), opts.debounceMs ?? 200);
    });
    watcher.on('error', (err) => log.warn('certificate watcher error', { error: err }));
    await new Promise<void>((resolve) => watcher?.once('ready', () => resolve()));
  }

  const contextFor = (servername: string | undefined): SecureContext => {
    if (servername) {
      const name = servername.toLowerCase().replace(/\.$/, '');
      const exact = hosts.get(name);
      if (exact) return exact.context;
      for (const cert of hosts.values()) if (cert.x509.checkHost(name)) return cert.context;
    }
    return fallback.context;
  };

  return {
    contextFor,
    serverOptions(): TlsOptions {
      return {
        key: fallback.key,
        cert: fallback.cert,
        minVersion: MIN_TLS_VERSION,
        SNICallback: (servername, cb) => cb(null, contextFor(servername)),
      };
    },
    async setNames(next) {
      const wanted = fallbackNames(next);
      if (wanted.every((n) => names.includes(n))) return;
      names = [...new Set([...names, ...wanted])];
      fallback = await loadOrCreateSelfSigned(dataFiles.selfSignedDir(opts.paths), names, log);
    },
    reload: rescan,
    hosts: () => [...hosts.keys()],
    async close() {
      if (timer) clearTimeout(timer);
      await watcher?.close();
    },
  };
}

class MissingPair extends Error {}

async function loadPair(dir: string): Promise<{ x509: X509Certificate; context: SecureContext; key: string; cert: string }> {
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([readFile(join(dir, CERT_FILE), 'utf8'), readFile(join(dir, KEY_FILE), 'utf8')]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new MissingPair();
    throw err;
  }
  const x509 = new X509Certificate(cert);
  // A renewal copies two files: until the key matches the certificate, keep the previous pair.
  if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error(`${KEY_FILE} does not match ${CERT_FILE}`);
  const context = createSecureContext({ key, cert, minVersion: MIN_TLS_VERSION });
  return { x509, context, key, cert };
}

interface Fallback {
  readonly key: string;
  readonly cert: string;
  readonly context: SecureContext;
}

/** Names (DNS and IP) a certificate covers, from its subjectAltName. */
export function certificateNames(x509: X509Certificate): string[] {
  return (x509.subjectAltName ?? '')
    .split(/,\s*/)
    .map((entry) => entry.replace(/^(DNS|IP Address):/, '').toLowerCase())
    .filter(Boolean);
}

async function loadOrCreateSelfSigned(dir: string, names: readonly string[], log: Logger): Promise<Fallback> {
  try {
    const pair = await loadPair(dir);
    const covered = certificateNames(pair.x509);
    const fresh = Date.parse(pair.x509.validTo) - Date.now() > RENEW_BEFORE_MS;
    if (fresh && names.every((n) => covered.includes(normalizeIp(n)))) {
      return { key: pair.key, cert: pair.cert, context: pair.context };
    }
  } catch (err) {
    if (!(err instanceof MissingPair)) log.warn('self-signed certificate unreadable; generating a new one', { error: err });
  }
  const { key, cert } = await generateSelfSigned(names);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeDurably(join(dir, KEY_FILE), key, 0o600);
  await writeDurably(join(dir, CERT_FILE), cert, 0o644);
  log.info('generated self-signed certificate', { names, dir });
  return { key, cert, context: createSecureContext({ key, cert, minVersion: MIN_TLS_VERSION }) };
}

/** Node prints IPv6 SANs expanded; compare in that form. */
function normalizeIp(name: string): string {
  if (isIP(name) !== 6) return name;
  return name === '::1' ? '0:0:0:0:0:0:0:1' : name;
}

async function generateSelfSigned(names: readonly string[]): Promise<{ key: string; cert: string }> {
  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date(notBefore.getTime() + SELF_SIGNED_DAYS * 24 * 3600 * 1000);
  return createSelfSignedCertificate({ names, notBefore, notAfter });
}

async function writeDurably(file: string, text: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}
