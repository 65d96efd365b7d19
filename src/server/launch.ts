// From `everlock serve` flags to a running server: which modules run, which settings the flags override (flag >
// --dev port > everlock.toml > default), the first-run setup for --dev on an empty home, the logger, and the
// signal handlers. Listen addresses are fixed at start (a change needs a restart); everything else in the
// config applies live.
import type { ListenerSettings, ServerOverrides } from '../config/types.js';
import { LISTEN_OFF } from '../config/validate-server.js';
import type { Paths } from '../config/paths.js';
import { dataFiles } from '../config/paths.js';
import { UserError } from '../errors.js';
import { createLogger, type LogLevel, type Logger } from '../log.js';
import { ListenError, type ServerModule } from './module.js';
import { normalizeListenAddress } from './listen-address.js';

export const DEV_LISTEN: ListenerSettings = {
  smtp: '0.0.0.0:2525',
  submission: '0.0.0.0:2587',
  submissions: '0.0.0.0:2465',
  imapTls: '0.0.0.0:1993',
  imapStarttls: '0.0.0.0:1143',
  http: '0.0.0.0:8080',
};

/** Everlock's module flags. */
export type ModuleFlag = 'frontend-smtp' | 'frontend-smtp-submission' | 'backend-mail-smtp' | 'frontend-imap' | 'backend-mail-imap';

/**
 * Module names each flag turns on. A frontend brings the backend it cannot work without: inbound SMTP and
 * submission hand forwards and remote mail to the queue.
 */
export const MODULES_BY_FLAG: Record<ModuleFlag, readonly string[]> = {
  'frontend-smtp': ['smtp', 'queue'],
  'frontend-smtp-submission': ['submission', 'queue'],
  'backend-mail-smtp': ['queue'],
  'frontend-imap': ['imap'],
  'backend-mail-imap': ['imap'],
};

const LISTEN_FLAG_KEYS: ReadonlyArray<keyof ListenerSettings> = ['smtp', 'submission', 'submissions', 'imapTls', 'imapStarttls', 'http'];

export interface ServeFlags {
  modules: readonly ModuleFlag[];
  /** Raw flag values: host:port, a bare port, or "off". */
  listen: Partial<Record<keyof ListenerSettings, string | undefined>>;
  dev: boolean;
  hostname?: string | undefined;
  logLevel: LogLevel;
  imapIoDebug: boolean;
  acceptAnyRecipient: boolean;
  allowInsecureAuth: boolean;
  dnsServer?: string | undefined;
  gitSyncSeconds?: number | undefined;
}

/** Keeps the modules the flags ask for (all when none is named). */
export function selectModules(all: readonly ServerModule[], flags: readonly ModuleFlag[]): ServerModule[] {
  if (flags.length === 0) return [...all];
  const wanted = new Set(flags.flatMap((f) => MODULES_BY_FLAG[f]));
  return all.filter((m) => wanted.has(m.name));
}

/**
 * The server settings the flags override. `listen` holds only what the flags decide (all of it with --dev, which
 * replaces everlock.toml's [listen]), so a reload still sees the file's other listen keys change; a flag of
 * "off" is a key present with the value undefined. An empty flag (an env var set to "") counts as not given.
 */
export function serverOverrides(flags: ServeFlags): ServerOverrides {
  const listen: { -readonly [K in keyof ListenerSettings]?: ListenerSettings[K] } = flags.dev ? { ...DEV_LISTEN } : {};
  for (const key of LISTEN_FLAG_KEYS) {
    const value = flags.listen[key]?.trim();
    if (value) listen[key] = value === LISTEN_OFF ? undefined : normalizeListenAddress(value);
  }
  const out: { -readonly [K in keyof ServerOverrides]?: ServerOverrides[K] } = Object.keys(listen).length > 0 ? { listen } : {};
  if (flags.hostname) out.hostname = flags.hostname.toLowerCase();
  if (flags.acceptAnyRecipient) out.acceptAnyRecipient = true;
  if (flags.allowInsecureAuth) out.allowInsecureAuth = true;
  if (flags.dnsServer) out.dnsServer = flags.dnsServer;
  return out;
}

/** Creates only the module families the flags need (an IMAP-only server never loads the SMTP code). */
async function mailModules(flags: readonly ModuleFlag[]): Promise<ServerModule[]> {
  const wanted = new Set(flags.length === 0 ? Object.values(MODULES_BY_FLAG).flat() : flags.flatMap((f) => MODULES_BY_FLAG[f]));
  const out: ServerModule[] = [];
  if (['smtp', 'submission', 'queue'].some((n) => wanted.has(n))) {
    const { createSmtpModules } = await import('./smtp/module.js');
    out.push(...createSmtpModules());
  }
  if (wanted.has('imap')) {
    const { createImapModule } = await import('./imap/module.js');
    out.push(createImapModule());
  }
  return out;
}

/** Runs the server until SIGTERM/SIGINT; resolves with the exit code. */
export async function launch(paths: Paths, flags: ServeFlags, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  // The wire trace is logged at debug level, so asking for it implies that level.
  const log: Logger = createLogger({ level: flags.imapIoDebug ? 'debug' : flags.logLevel });

  if (flags.dev) {
    const { firstRun } = await import('./first-run.js');
    const created = await firstRun(paths);
    if (created) {
      out(`First user: ${created.login}  password: ${created.password}`);
      log.info(`created domain localhost and user ${created.login} (the password is shown once above)`);
    }
  }

  const { loadConfig } = await import('../config/load.js');
  const { existsSync } = await import('node:fs');
  if (!existsSync(paths.config)) throw new UserError(`no config at ${paths.config}: run \`everlock init\` first (or use --dev for a ready-made local setup)`);
  const overrides = serverOverrides(flags);

  const modules = selectModules(await mailModules(flags.modules), flags.modules);
  const { openMailStore } = await import('../maildir/index.js');
  const { runServer } = await import('./serve.js');
  const { handleSignals } = await import('./shutdown.js');
  const starting = runServer({
    paths,
    log,
    modules,
    overrides,
    loadConfig,
    openStore: (_snap, storeLog) => openMailStore({ root: dataFiles.mailRoot(paths), log: storeLog.child({ module: 'store' }), watch: true }),
    dev: flags.dev,
    imapIoDebug: flags.imapIoDebug,
    gitSyncSeconds: flags.gitSyncSeconds,
  });
  const stopped = handleSignals(starting, { log });
  try {
    await starting;
  } catch (err) {
    if (err instanceof ListenError) throw new UserError(err.message);
    throw err;
  }
  return stopped;
}
