// The module registry behind `everlock serve`: loads the first config snapshot, builds the one ServerContext
// every module shares (live config, mail store, TLS, log, metrics), starts the modules in order and prints one
// line per listener, hands each valid new snapshot to every module, and stops them all with one deadline.
// Invariants: ctx.config() always returns a fully validated snapshot (swapped by reference, never mutated);
// a module that fails to start stops the ones already started before the error propagates.
import { join } from 'node:path';
import type { ConfigSnapshot, ListenerSettings, ServerOverrides } from '../config/types.js';
import type { Paths } from '../config/paths.js';
import { removeStaleTempFiles } from './temp-cleanup.js';
import { lastGoodPaths, saveLastGood } from './last-good-config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MailStore } from '../maildir/types.js';
import { createMetrics, describeServerMetrics, type Metrics } from './metrics.js';
import type { Listening, ModuleHealth, ServerContext, ServerModule } from './module.js';
import { watchConfig, type ConfigWatcher, type ReloadResult } from './config-watcher.js';
import { startGitSync, type GitSync } from './git-sync.js';
import { createHttpModule } from './http/module.js';
import { createTlsProvider } from './tls.js';
import { formatListenAddress } from './listen-address.js';

export interface ServeOptions {
  paths: Paths;
  log: Logger;
  /** The mail modules to run (SMTP, submission, queue, IMAP); the HTTP module is added when listen.http is set. */
  modules: readonly ServerModule[];
  /** Flag values that win over everlock.toml, applied on every reload too. */
  overrides: ServerOverrides;
  loadConfig(paths: Paths, opts: { server?: ServerOverrides; generation?: number }): Promise<ConfigSnapshot>;
  openStore(snapshot: ConfigSnapshot, log: Logger): MailStore;
  dev: boolean;
  imapIoDebug?: boolean;
  /** `--git-sync`: seconds between `git pull --ff-only`; 0/undefined = off. */
  gitSyncSeconds?: number | undefined;
  /** Watch the config repo (default true). */
  watchConfig?: boolean;
  /** Debounce for config changes, ms. */
  configDebounceMs?: number;
  /** Receives each listener line (`SMTP submission listener on 0.0.0.0:2587`); default: log.info. */
  announce?: (line: string, listening: Listening) => void;
}

export interface RunningServer {
  readonly ctx: ServerContext;
  readonly listening: readonly Listening[];
  health(): Record<string, ModuleHealth>;
  /** Reloads the config now (SIGHUP). */
  reload(reason: string): Promise<ReloadResult>;
  /** Stops accepting, lets work in flight finish until `deadline` (ms since epoch), closes everything. */
  stop(deadline: number): Promise<void>;
}

/** The names the fallback certificate covers: the server hostname and each domain's mail host. */
export function certificateNamesFor(snap: ConfigSnapshot): string[] {
  const names = new Set<string>([snap.server.hostname.toLowerCase()]);
  for (const d of snap.domains.values()) {
    names.add(`mail.${d.name}`);
    if (d.outbound.hostname) names.add(d.outbound.hostname.toLowerCase());
  }
  return [...names];
}

export async function runServer(opts: ServeOptions): Promise<RunningServer> {
  const { paths, log } = opts;
  let current = await loadStartingConfig(opts);
  // The copy to fall back on next time, once this config has proved loadable (and again at every reload).
  // One save at a time: each removes the copies it did not make.
  let saving = Promise.resolve();
  const keepLastGood = (snap: ConfigSnapshot): void => {
    if (snap.paths.config !== paths.config) return;
    saving = saving.then(() => saveLastGood(paths)).catch((err: unknown) => log.warn('could not keep a copy of the live config', { error: err }));
  };
  for (const w of current.warnings) log.warn(`${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`, { file: w.file, line: w.line });

  const metrics = withModuleGauges(createMetrics(), () => health());
  describeServerMetrics(metrics);
  metrics.set('everlock_config_generation', current.generation);

  // What a crash left in <data>/tmp (large messages being received) would otherwise stay for good.
  const staleTemp = await removeStaleTempFiles(join(paths.data, 'tmp'));
  if (staleTemp > 0) log.info('removed temp files left by an earlier run', { dir: join(paths.data, 'tmp'), files: staleTemp });
  const tls = await createTlsProvider({ paths, names: certificateNamesFor(current), hostname: current.server.hostname, log });
  let store: MailStore | undefined;
  const started: ServerModule[] = [];
  const listening: Listening[] = [];
  const all: ServerModule[] = [...opts.modules];
  const httpListen = current.server.listen.http;
  if (httpListen) all.push(createHttpModule({ listen: httpListen, health: () => health(), listeners: () => listening }));

  const health = (): Record<string, ModuleHealth> => {
    const out: Record<string, ModuleHealth> = {};
    for (const m of all) out[m.name] = started.includes(m) ? m.health() : 'stopped';
    return out;
  };

  const closeAll = async (deadline: number): Promise<void> => {
    const results = await Promise.allSettled(started.map((m) => m.stop(deadline)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') log.error(`module ${started[i]?.name} did not stop cleanly`, { error: r.reason });
    });
    await store?.close().catch((err: unknown) => log.error('closing the mail store failed', { error: err }));
    await tls.close();
  };

  let ctx: ServerContext;
  try {
    store = opts.openStore(current, log);
    ctx = {
      config: () => current,
      store,
      tls,
      log,
      metrics,
      dev: opts.dev,
      imapIoDebug: opts.imapIoDebug ?? false,
    };
    for (const m of all) {
      const bound = await m.start(ctx);
      started.push(m);
      // Connection series exist from the start (0), so a dashboard shows an idle listener rather than no data.
      if (CONNECTION_PROTOCOLS.has(m.name) && bound.length > 0) {
        metrics.inc('everlock_connections_total', { protocol: m.name }, 0);
        metrics.inc('everlock_connections_open', { protocol: m.name }, 0);
      }
      // Every listener of a module can be "off"; running it anyway is allowed but never silent.
      if (CONNECTION_PROTOCOLS.has(m.name) && bound.length === 0) {
        const keys = MODULE_LISTEN_KEYS[m.name] ?? [];
        log.warn(`module ${m.name} runs with no listener (${keys.map((k) => `${k} off`).join(', ')}); leave it out with the module flags to silence this`, { module: m.name });
      }
      for (const l of bound) {
        listening.push(l);
        const line = `${l.label} listener on ${formatListenAddress(l.host, l.port)}`;
        if (opts.announce) opts.announce(line, l);
        else log.info(line, { module: m.name, host: l.host, port: l.port });
      }
    }
  } catch (err) {
    await closeAll(Date.now() + 2000);
    throw err;
  }
  keepLastGood(current);

  const apply = async (snap: ConfigSnapshot): Promise<void> => {
    const moved = listenChanges(current.server.listen, snap.server.listen);
    if (moved.length) {
      log.warn(`everlock.toml: listen addresses changed (${moved.join(', ')}); they apply after a restart, the old ones keep serving`, { changed: moved });
    }
    current = snap;
    keepLastGood(snap);
    metrics.set('everlock_config_generation', snap.generation);
    await tls.setNames(certificateNamesFor(snap), snap.server.hostname).catch((err: unknown) => log.error('regenerating the self-signed certificate failed', { error: err }));
    for (const m of started) {
      try {
        await m.reload?.(snap);
      } catch (err) {
        log.error(`module ${m.name} failed to apply config generation ${snap.generation}`, { error: err });
      }
    }
  };

  const watcher: ConfigWatcher = await watchConfig({
    dir: paths.config,
    load: (generation) => opts.loadConfig(paths, { server: opts.overrides, generation }),
    current: () => current,
    apply,
    log,
    watch: opts.watchConfig ?? true,
    ...(opts.configDebounceMs !== undefined ? { debounceMs: opts.configDebounceMs } : {}),
    onResult: (r) => {
      if (!r.ok) metrics.inc('everlock_config_reload_failures_total');
    },
  });
  const gitSync: GitSync | undefined = opts.gitSyncSeconds
    ? startGitSync({ dir: paths.config, intervalSeconds: opts.gitSyncSeconds, log, onPulled: () => void watcher.reload('git pull') })
    : undefined;

  log.info(`config generation ${current.generation} live${current.commit ? ` at commit ${current.commit.slice(0, 12)}` : ''}`, {
    generation: current.generation,
    commit: current.commit,
    domains: current.domains.size,
    users: current.users.size,
    rules: current.rules.length,
  });

  let stopping: Promise<void> | undefined;
  return {
    ctx,
    listening,
    health,
    reload: (reason) => watcher.reload(reason),
    stop(deadline) {
      stopping ??= (async () => {
        gitSync?.stop();
        await watcher.close();
        await closeAll(deadline);
        // A copy of the config being written finishes first: nothing writes into the data dir after stop.
        await saving;
      })();
      return stopping;
    },
  };
}

/** Modules whose clients are counted in everlock_connections_* under the module's name. */
const CONNECTION_PROTOCOLS: ReadonlySet<string> = new Set(['smtp', 'submission', 'imap']);

/** The everlock.toml `[listen]` keys of each listener module, for the "no listener" warning. */
const MODULE_LISTEN_KEYS: Readonly<Record<string, readonly string[]>> = {
  smtp: ['smtp'],
  submission: ['submission', 'submissions'],
  imap: ['imap_tls', 'imap_starttls'],
};

const LISTEN_KEYS: ReadonlyArray<[keyof ListenerSettings, string]> = [
  ['smtp', 'smtp'],
  ['submission', 'submission'],
  ['submissions', 'submissions'],
  ['imapTls', 'imap_tls'],
  ['imapStarttls', 'imap_starttls'],
  ['http', 'http'],
];

/** `[listen]` entries that differ between two snapshots, as `imap_tls 0.0.0.0:993 -> 0.0.0.0:1993`. */
export function listenChanges(before: ListenerSettings, after: ListenerSettings): string[] {
  return LISTEN_KEYS.filter(([k]) => (before[k] ?? '') !== (after[k] ?? '')).map(([k, toml]) => `${toml} ${before[k] || 'off'} -> ${after[k] || 'off'}`);
}

/** Metrics whose render() first refreshes everlock_module_up from the modules' health. */
function withModuleGauges(inner: Metrics, health: () => Record<string, ModuleHealth>): Metrics {
  return {
    inc: (name, labels, by) => inner.inc(name, labels, by),
    counter: (name, labels) => inner.counter(name, labels),
    set: (name, value, labels) => inner.set(name, value, labels),
    describe: (name, type, help) => inner.describe(name, type, help),
    render() {
      for (const [module, h] of Object.entries(health())) inner.set('everlock_module_up', h === 'ok' ? 1 : 0, { module });
      return inner.render();
    },
  };
}

/**
 * The config to start on: the config directory's, or, when that does not validate and a copy of the config
 * that was last live exists (last-good-config.ts), that copy, with the problems logged. Without a copy the
 * error stands: there is nothing known-good to serve.
 */
async function loadStartingConfig(opts: ServeOptions): Promise<ConfigSnapshot> {
  try {
    return await opts.loadConfig(opts.paths, { server: opts.overrides, generation: 1 });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const fallback = lastGoodPaths(opts.paths);
    if (!fallback) throw err;
    for (const line of err.message.split('\n')) opts.log.error(`config: ${line}`);
    opts.log.error('the config directory does not validate: starting on the last config that was live; fix it and the fix applies live', { dir: opts.paths.config, kept: fallback.config });
    return opts.loadConfig(fallback, { server: opts.overrides, generation: 1 });
  }
}
