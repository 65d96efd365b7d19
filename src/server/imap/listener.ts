// IMAP listeners: implicit TLS (993) or plain with STARTTLS (143), TLS 1.2 and later. One Session per
// connection; the listener only accepts, upgrades and tracks sessions so stop() can say BYE to each.
import net from 'node:net';
import v8 from 'node:v8';
import tls, { type TlsOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import { silentLogger, type Logger } from '../../log.js';
import type { MailStore } from '../../maildir/types.js';
import type { IpConnectionCap } from '../connection-cap.js';
import { AuthThrottle } from '../auth-throttle.js';
import type { Authenticator } from './auth.js';
import { Session, type SessionLimits, type SessionOptions } from './session/session.js';
import type { InsecureAuthPolicy } from '../insecure-auth.js';

export const DEFAULT_LIMITS: SessionLimits = {
  maxLineBytes: 64 * 1024,
  maxMessageBytes: 50 * 1024 * 1024,
  maxPipelined: 64,
  idleTimeoutMs: 30 * 60 * 1000,
};

const MIN_TLS = 'TLSv1.2';

/**
 * Keeps V8's young generation at its initial size in a process that serves IMAP. Thousands of long-lived
 * connections make every session's state survive young collections, which V8 answers by doubling the nursery
 * up to 64 MB; when it shrinks again the pages stay in V8's pool, so the process keeps that RSS for good
 * (about 40 MB with 5,000 sessions in IDLE, bench/imap.ts). The growth factor is read whenever V8 would grow
 * the nursery, so setting it at run time takes effect; the price is a few per cent more CPU on large scans.
 */
let nurseryCapped = false;
function capNursery(): void {
  if (nurseryCapped) return;
  nurseryCapped = true;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

export interface ImapServerOptions {
  readonly store: MailStore;
  readonly authenticate: Authenticator;
  readonly log?: Logger | undefined;
  readonly host?: string | undefined;
  /** 0 picks a free port. */
  readonly port?: number | undefined;
  /** true: TLS from the first byte (993); false: plain with STARTTLS when `tls` is given (143). */
  readonly implicitTls: boolean;
  /** Server TLS options (certificate, SNICallback); required for implicit TLS. Evaluated per connection. */
  readonly tls?: (() => TlsOptions) | undefined;
  readonly limits?: Partial<SessionLimits> | undefined;
  /** true/false for every peer, or a policy by peer address (--dev: loopback only). */
  readonly allowInsecureAuth?: boolean | InsecureAuthPolicy | undefined;
  readonly ioDebug?: boolean | undefined;
  readonly hostname?: string | undefined;
  readonly throttle?: AuthThrottle | undefined;
  /** Told of each accepted connection (metrics); the function it returns, if any, runs when it closes. */
  readonly onConnection?: ((remoteAddress: string) => (() => void) | void) | undefined;
  /** Where sessions write large APPEND bodies while they arrive; default: the system temp dir. */
  readonly spoolDir?: string | undefined;
  /** Concurrent connections per client IP, shared with the other IMAP listener; over it: `* BYE [UNAVAILABLE]`. */
  readonly connectionCap?: IpConnectionCap | undefined;
  /** Told of each completed command (metrics). */
  readonly onCommand?: SessionOptions['onCommand'];
}

export interface ImapServer {
  readonly host: string;
  readonly port: number;
  readonly sessions: ReadonlySet<Session>;
  /** Re-reads `tls()` for the default certificate of an implicit-TLS listener (certificates changed). */
  refreshTls(): void;
  /** New limits and insecure-auth policy (a config reload): sessions opened from now on use them. */
  configure(update: Pick<ImapServerOptions, 'limits' | 'allowInsecureAuth'>): void;
  /** Stops accepting, says `* BYE` to every session, and waits for them to close until `deadline`. */
  stop(deadline?: number): Promise<void>;
}

export async function startImapServer(opts: ImapServerOptions): Promise<ImapServer> {
  const log = (opts.log ?? silentLogger).child({ module: 'imap' });
  let limits: SessionLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  let allowInsecureAuth = opts.allowInsecureAuth;
  const throttle = opts.throttle ?? new AuthThrottle({ maxFailures: 5, lockoutSeconds: 60 });
  const sessions = new Set<Session>();
  let counter = 0;
  if (opts.implicitTls && !opts.tls) throw new Error('implicit TLS needs TLS options');
  capNursery();

  const startTls = opts.tls
    ? (socket: Duplex): Promise<Duplex> =>
        new Promise((resolve, reject) => {
          const secure = new tls.TLSSocket(socket, { ...opts.tls!(), isServer: true, minVersion: MIN_TLS } as tls.TLSSocketOptions);
          secure.once('secure', () => resolve(secure));
          secure.once('error', reject);
        })
    : undefined;

  /** What onConnection asked to be told when a connection ends. */
  const closeHooks = new Map<Session, () => void>();
  const sessionClosed = (session: Session): void => {
    sessions.delete(session);
    const hook = closeHooks.get(session);
    if (!hook) return;
    closeHooks.delete(session);
    hook();
  };

  const onConnection = (socket: Duplex, remoteAddress: string, secure: boolean): void => {
    const cap = opts.connectionCap;
    if (cap && !cap.take(remoteAddress)) {
      log.info('connection refused: too many from this address', { ip: remoteAddress, open: cap.count(remoteAddress) });
      socket.on('error', () => {});
      socket.end('* BYE [UNAVAILABLE] Too many connections from your address\r\n');
      return;
    }
    const id = (++counter).toString(36);
    const session = new Session(socket, {
      store: opts.store,
      authenticate: opts.authenticate,
      throttle,
      log,
      logFields: { session: id, ip: remoteAddress },
      limits,
      secure,
      startTls: secure ? undefined : startTls,
      allowInsecureAuth: typeof allowInsecureAuth === 'function' ? allowInsecureAuth(remoteAddress) : (allowInsecureAuth ?? false),
      remoteAddress,
      ioDebug: opts.ioDebug,
      hostname: opts.hostname,
      spoolDir: opts.spoolDir,
      onCommand: opts.onCommand,
      onClose: sessionClosed,
    });
    sessions.add(session);
    const hook = opts.onConnection?.(remoteAddress);
    if (cap) closeHooks.set(session, () => {
      cap.give(remoteAddress);
      hook?.();
    });
    else if (hook) closeHooks.set(session, hook);
    session.start();
  };

  const server: net.Server = opts.implicitTls
    ? tls.createServer({ ...opts.tls!(), minVersion: MIN_TLS }, (s) => onConnection(s, s.remoteAddress ?? '', true))
    : net.createServer((s) => onConnection(s, s.remoteAddress ?? '', false));
  server.on('tlsClientError', (err: Error) => log.debug('TLS handshake failed', { err: err.message }));
  server.on('error', (err) => log.error('listener error', { err }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as net.AddressInfo;

  return {
    host: addr.address,
    port: addr.port,
    sessions,
    configure(update) {
      if (update.limits) limits = { ...DEFAULT_LIMITS, ...update.limits };
      if (update.allowInsecureAuth !== undefined) allowInsecureAuth = update.allowInsecureAuth;
    },
    refreshTls() {
      // STARTTLS reads opts.tls() per connection already; a tls.Server keeps its default context until told.
      if (opts.implicitTls && opts.tls) (server as tls.Server).setSecureContext({ ...opts.tls(), minVersion: MIN_TLS });
    },
    async stop(deadline = Date.now() + 5000) {
      server.close();
      for (const s of sessions) s.bye('Server shutting down');
      const waitAll = Promise.all([...sessions].map((s) => s.closedSignal));
      const timeout = new Promise<void>((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref());
      await Promise.race([waitAll, timeout]);
      for (const s of sessions) s.close();
    },
  };
}
