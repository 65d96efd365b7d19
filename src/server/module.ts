// What `everlock serve` runs: a small registry of modules (SMTP inbound, submission, IMAP, queue worker, HTTP),
// each started with the shared context, handed every new config snapshot, and stopped with a deadline.
import type { SecureContext, TlsOptions } from 'node:tls';
import type { ConfigSnapshot } from '../config/types.js';
import type { Logger } from '../log.js';
import type { MailStore } from '../maildir/types.js';
import type { Metrics } from './metrics.js';

/** Certificates for every TLS listener: per-domain by SNI, else the self-signed fallback; reloads on change. */
export interface TlsProvider {
  /** Options for tls.createServer / smtp-server: includes SNICallback and the default context. */
  serverOptions(): TlsOptions;
  /** The context for a server name (SNI), or the default one. */
  contextFor(servername: string | undefined): SecureContext;
  /**
   * Subscribes to certificate changes; returns the unsubscribe function. A listener that built its default
   * context from serverOptions() once (tls.Server, smtp-server) rebuilds it here, or clients without SNI keep
   * the old certificate until restart.
   */
  onChange?(listener: () => void): () => void;
}

export interface ServerContext {
  /** The live config; call on each use, it changes on reload. */
  config(): ConfigSnapshot;
  readonly store: MailStore;
  readonly tls: TlsProvider;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** --dev: unprivileged ports, insecure auth allowed on loopback. */
  readonly dev: boolean;
  /** --imap-io-debug: trace the IMAP wire at debug level, passwords masked. */
  readonly imapIoDebug?: boolean | undefined;
}

export interface Listening {
  /** e.g. "SMTP submission". */
  readonly label: string;
  readonly host: string;
  readonly port: number;
}

export type ModuleHealth = 'starting' | 'ok' | 'degraded' | 'stopping' | 'stopped';

export interface ServerModule {
  readonly name: string;
  /** Binds listeners / starts workers; resolves with what it listens on. Throws ListenError for a bind failure. */
  start(ctx: ServerContext): Promise<readonly Listening[]>;
  /** A new config snapshot was swapped in (ctx.config() already returns it). */
  reload?(snapshot: ConfigSnapshot): void | Promise<void>;
  /** Stop accepting, finish work in flight until `deadline` (ms since epoch), then close. */
  stop(deadline: number): Promise<void>;
  health(): ModuleHealth;
}

/** A listener could not bind: serve prints one clear line and exits 1. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    readonly label: string,
    readonly address: string,
    readonly code: string | undefined,
  ) {
    const hint =
      code === 'EACCES'
        ? `port ${address.split(':').pop()} needs root or CAP_NET_BIND_SERVICE; try --dev`
        : code === 'EADDRINUSE'
          ? `${address} is already in use`
          : `cannot listen on ${address}${code ? ` (${code})` : ''}`;
    super(`${label}: ${hint}`);
  }
}
