// Live config: watches the config repo (only the files that make up the config, plus git's HEAD and refs so a
// `git pull` is seen), debounces bursts of changes, loads and validates the whole snapshot, and hands it over
// to be swapped in. An invalid change is logged issue by issue as `file:line:col: message` and the last good
// snapshot keeps serving. Reloads never overlap: a change during a reload schedules exactly one more.
import { relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { ConfigError, formatIssue } from '../errors.js';
import type { ConfigSnapshot } from '../config/types.js';
import type { Logger } from '../log.js';

export interface ConfigWatcherOptions {
  /** The config repo directory. */
  dir: string;
  /** Loads and validates the whole config; throws ConfigError when invalid. */
  load(generation: number): Promise<ConfigSnapshot>;
  /** The snapshot now serving. */
  current(): ConfigSnapshot;
  /** Swaps in a new valid snapshot. */
  apply(snapshot: ConfigSnapshot): Promise<void>;
  log: Logger;
  debounceMs?: number;
  /** Called after each attempt (tests, metrics). */
  onResult?(result: ReloadResult): void;
  /** Watch the directory (default true); false leaves only explicit reloads (SIGHUP). */
  watch?: boolean;
}

export type ReloadResult =
  | { readonly ok: true; readonly snapshot: ConfigSnapshot; readonly reason: string }
  | { readonly ok: false; readonly error: unknown; readonly reason: string };

export interface ConfigWatcher {
  /** Reloads now (SIGHUP, after a git pull); resolves when this reload (or the one it joined) finished. */
  reload(reason: string): Promise<ReloadResult>;
  close(): Promise<void>;
}

/** Top-level entries of the config repo that make up the configuration. */
const CONFIG_ENTRIES = new Set(['everlock.toml', 'rules.toml', 'domains', 'users']);

/** Whether a path under the config dir can change the configuration (chokidar `ignored` is its negation). */
export function isConfigPath(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  if (rel === '') return true;
  if (rel.startsWith('..')) return false;
  const parts = rel.split(sep);
  const top = parts[0] ?? '';
  if (top === '.git') {
    // A pull, merge or checkout moves HEAD or a ref; objects, index and logs are noise.
    if (parts.length === 1) return true;
    if (parts[1] === 'HEAD' || parts[1] === 'packed-refs') return parts.length === 2;
    return parts[1] === 'refs';
  }
  if (!CONFIG_ENTRIES.has(top)) return false;
  const last = parts[parts.length - 1] ?? '';
  // Temp files of atomic writes, editor swap files and lock files come and go; the rename that follows counts.
  return !(last.startsWith('.') || last.endsWith('.tmp') || last.endsWith('~') || last.endsWith('.lock'));
}

export async function watchConfig(opts: ConfigWatcherOptions): Promise<ConfigWatcher> {
  const log = opts.log.child({ module: 'config' });
  const debounceMs = opts.debounceMs ?? 300;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<ReloadResult> | undefined;
  let pending: { reason: string; promise: Promise<ReloadResult>; resolve: (r: ReloadResult) => void } | undefined;
  let closed = false;

  const attempt = async (reason: string): Promise<ReloadResult> => {
    const previous = opts.current();
    let result: ReloadResult;
    try {
      const snapshot = await opts.load(previous.generation + 1);
      await opts.apply(snapshot);
      result = { ok: true, snapshot, reason };
      log.info(`config generation ${snapshot.generation} live${snapshot.commit ? ` at commit ${snapshot.commit.slice(0, 12)}` : ''}`, {
        generation: snapshot.generation,
        commit: snapshot.commit,
        reason,
        domains: snapshot.domains.size,
        users: snapshot.users.size,
        rules: snapshot.rules.length,
      });
      for (const w of snapshot.warnings) log.warn(formatIssue(w), { file: w.file, line: w.line });
    } catch (error) {
      result = { ok: false, error, reason };
      if (error instanceof ConfigError) {
        for (const issue of error.issues.filter((i) => i.severity === 'error')) {
          log.error(`config change rejected: ${formatIssue(issue)}`, { file: issue.file, line: issue.line, col: issue.col });
        }
      } else {
        log.error('config reload failed', { error });
      }
      log.warn(`keeping config generation ${previous.generation}${previous.commit ? ` at commit ${previous.commit.slice(0, 12)}` : ''}`, {
        generation: previous.generation,
        commit: previous.commit,
      });
    }
    opts.onResult?.(result);
    return result;
  };

  const reload = (reason: string): Promise<ReloadResult> => {
    if (!running) {
      running = attempt(reason).finally(() => {
        running = undefined;
        const next = pending;
        pending = undefined;
        if (next && !closed) void reload(next.reason).then(next.resolve);
      });
      return running;
    }
    if (!pending) {
      let resolve!: (r: ReloadResult) => void;
      const promise = new Promise<ReloadResult>((r) => (resolve = r));
      pending = { reason, promise, resolve };
    }
    return pending.promise;
  };

  let watcher: FSWatcher | undefined;
  if (opts.watch !== false) {
    watcher = watch(opts.dir, {
      ignoreInitial: true,
      ignored: (path: string) => !isConfigPath(opts.dir, path),
      awaitWriteFinish: false,
    });
    const changed: string[] = [];
    watcher.on('all', (_event, path) => {
      if (closed) return;
      changed.push(relative(opts.dir, path));
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        const files = [...new Set(changed.splice(0))];
        void reload(`changed: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}`);
      }, debounceMs);
    });
    watcher.on('error', (err) => log.warn('config watcher error', { error: err }));
    await new Promise<void>((resolve) => watcher?.once('ready', () => resolve()));
  }

  return {
    reload,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await watcher?.close();
      await running?.catch(() => undefined);
    },
  };
}
