// Certificates for every TLS listener (SMTP STARTTLS, submissions, IMAPS, IMAP STARTTLS). Per-host certificates
// live in `<data>/config/<host>/fullchain.pem` + `privkey.pem` (Everlock's layout, e.g. `mail.example.com/`) and
// are chosen by SNI. A client without SNI, or asking for a name no certificate covers, gets the default: the
// certificate covering the server hostname when there is one (many MTAs send no SNI), else a self-signed
// certificate kept in `<data>/config/self-signed/`, so a client's accepted exception stays valid across
// restarts. The self-signed one is regenerated only when a name it must cover is missing or it is about to
// expire. Files (the self-signed ones included) are re-read on change: new handshakes get the new context, open
// connections keep theirs. Listeners that build their default context once (tls.Server, smtp-server) subscribe
// with onChange to rebuild it. Invariant: a broken or half-copied certificate pair never replaces a working one.
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
  /** The server hostname: a certificate covering it is the default for clients without SNI. */
  hostname?: string | undefined;
  log: Logger;
  /** Watch the certificate directories and reload on change (default true). */
  watch?: boolean;
  /** Debounce for file changes, ms. */
  debounceMs?: number;
}

export interface ManagedTlsProvider extends TlsProvider {
  /** The names changed (domains added, hostname changed): regenerate the fallback if it misses one. */
  setNames(names: readonly string[], hostname?: string): Promise<void>;
  /** Subscribes to certificate changes (the default one included); returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
  /** Re-reads every certificate directory now. */
  reload(): Promise<void>;
  /** Hosts with a certificate of their own (directory names), for logs and tests. */
  hosts(): readonly string[];
  close(): Promise<void>;
}

interface HostCert extends Pair {
  readonly dir: string;
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
  const selfSignedDir = dataFiles.selfSignedDir(opts.paths);
  let names = fallbackNames(opts.names);
  let hostname = opts.hostname?.toLowerCase();
  let fallback = await loadOrCreateSelfSigned(selfSignedDir, names, log);
  let hosts = new Map<string, HostCert>();
  const listeners = new Set<() => void>();
  let announced = '';

  /** The certificate for clients without SNI: the one covering the hostname, else the self-signed one. */
  const defaultPair = (): Pair => (hostname ? findHost(hostname) : undefined) ?? fallback;
  const findHost = (name: string): HostCert | undefined => {
    const exact = hosts.get(name);
    if (exact) return exact;
    for (const cert of hosts.values()) if (cert.x509.checkHost(name)) return cert;
    return undefined;
  };
  /** Tells subscribers when anything they may have built a context from changed. */
  const changed = (): void => {
    const now = [defaultPair().x509.fingerprint256, ...[...hosts.values()].map((h) => h.x509.fingerprint256)].join(',');
    if (now === announced) return;
    announced = now;
    for (const l of listeners) {
      try {
        l();
      } catch (err) {
        log.error('applying new certificates failed', { error: err });
      }
    }
  };

  /** The self-signed files were replaced (by hand, or a restore): use them if they form a valid pair. */
  const rereadFallback = async (): Promise<void> => {
    const pair = await loadPair(selfSignedDir).catch((err: unknown) => {
      if (!(err instanceof MissingPair)) log.warn(`certificate in ${selfSignedDir} not usable; keeping the previous one`, { error: err });
      return undefined;
    });
    if (pair && pair.x509.fingerprint256 !== fallback.x509.fingerprint256) {
      fallback = pair;
      log.info('self-signed certificate reloaded', { dir: selfSignedDir });
    }
  };

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
      if (loaded) next.set(dir, { ...loaded, dir });
    }
    const differs = next.size !== hosts.size || [...next].some(([d, c]) => hosts.get(d)?.x509.fingerprint256 !== c.x509.fingerprint256);
    hosts = next;
    await rereadFallback();
    if (differs) log.info('certificates loaded', { hosts: [...next.keys()], default: hostname && findHost(hostname) ? hostname : 'self-signed' });
    changed();
  };
  await rescan();

  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (opts.watch !== false) {
    await mkdir(root, { recursive: true });
    watcher = watch(root, {
      ignoreInitial: true,
      depth: 2,
      // Our own temp files while writing the self-signed pair.
      ignored: (p: string) => p.endsWith('.tmp'),
    });
    watcher.on('all', () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void rescan().catch((err: unknown) => log.error('certificate reload failed', { error: err })), opts.debounceMs ?? 200);
    });
    watcher.on('error', (err) => log.warn('certificate watcher error', { error: err }));
    await new Promise<void>((resolve) => watcher?.once('ready', () => resolve()));
  }

  const contextFor = (servername: string | undefined): SecureContext =>
    (servername ? findHost(servername.toLowerCase().replace(/\.$/, '')) : undefined)?.context ?? defaultPair().context;

  return {
    contextFor,
    serverOptions(): TlsOptions {
      const def = defaultPair();
      return {
        key: def.key,
        cert: def.cert,
        minVersion: MIN_TLS_VERSION,
        SNICallback: (servername, cb) => cb(null, contextFor(servername)),
      };
    },
    async setNames(next, nextHostname) {
      if (nextHostname !== undefined) hostname = nextHostname.toLowerCase();
      const wanted = fallbackNames(next);
      if (!wanted.every((n) => names.includes(n))) {
        names = [...new Set([...names, ...wanted])];
        fallback = await loadOrCreateSelfSigned(selfSignedDir, names, log);
      }
      changed();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
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

interface Pair {
  readonly x509: X509Certificate;
  readonly context: SecureContext;
  readonly key: string;
  readonly cert: string;
}

async function loadPair(dir: string): Promise<Pair> {
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

/** Names (DNS and IP) a certificate covers, from its subjectAltName. */
export function certificateNames(x509: X509Certificate): string[] {
  return (x509.subjectAltName ?? '')
    .split(/,\s*/)
    .map((entry) => entry.replace(/^(DNS|IP Address):/, '').toLowerCase())
    .filter(Boolean);
}

async function loadOrCreateSelfSigned(dir: string, names: readonly string[], log: Logger): Promise<Pair> {
  try {
    const pair = await loadPair(dir);
    const covered = certificateNames(pair.x509);
    const fresh = Date.parse(pair.x509.validTo) - Date.now() > RENEW_BEFORE_MS;
    if (fresh && names.every((n) => covered.includes(normalizeIp(n)))) return pair;
  } catch (err) {
    if (!(err instanceof MissingPair)) log.warn('self-signed certificate unreadable; generating a new one', { error: err });
  }
  const { key, cert } = await generateSelfSigned(names);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeDurably(join(dir, KEY_FILE), key, 0o600);
  await writeDurably(join(dir, CERT_FILE), cert, 0o644);
  log.info('generated self-signed certificate', { names, dir });
  return { key, cert, x509: new X509Certificate(cert), context: createSecureContext({ key, cert, minVersion: MIN_TLS_VERSION }) };
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
