// Small pieces the serve tests share: a config home on disk, a mail store that is never used, a module that
// records what the registry does to it, and a logger that keeps its lines.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Paths } from '../../src/config/paths.js';
import { createLogger, type Logger } from '../../src/log.js';
import type { MailStore } from '../../src/maildir/types.js';
import { StoreError } from '../../src/errors.js';
import type { ConfigSnapshot } from '../../src/config/types.js';
import type { Listening, ModuleHealth, ServerContext, ServerModule } from '../../src/server/module.js';
import { tempDir } from '../support/tmp.js';

export async function configHome(opts: { git?: boolean } = {}): Promise<Paths> {
  const home = await tempDir('everlock-serve-');
  const paths = { config: home, data: home };
  if (opts.git) {
    const { initHome } = await import('../../src/config/init.js');
    await initHome(paths);
  } else {
    await mkdir(join(home, 'domains'), { recursive: true });
    await mkdir(join(home, 'users'), { recursive: true });
  }
  await writeFile(join(home, 'domains', 'example.com.toml'), 'enabled = true\n');
  return paths;
}

export const unusedStore: MailStore = {
  mailbox: () => Promise.reject(new StoreError('temporary', 'not in this test')),
  listMailboxes: async () => [],
  deliver: () => Promise.reject(new StoreError('temporary', 'not in this test')),
  close: async () => undefined,
};

export interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

export function memoryLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = createLogger({ level: 'debug', json: true, write: (l) => lines.push(JSON.parse(l) as LogLine) });
  return { log, lines };
}

export interface RecordingModule extends ServerModule {
  readonly reloads: ConfigSnapshot[];
  ctx?: ServerContext;
  stoppedWith?: number;
}

export function recordingModule(name: string, listening: Listening[] = [], fail?: Error): RecordingModule {
  let state: ModuleHealth = 'stopped';
  const m: RecordingModule = {
    name,
    reloads: [],
    async start(ctx) {
      if (fail) throw fail;
      m.ctx = ctx;
      state = 'ok';
      return listening;
    },
    reload(snap) {
      m.reloads.push(snap);
    },
    async stop(deadline) {
      m.stoppedWith = deadline;
      state = 'stopped';
    },
    health: () => state,
  };
  return m;
}

/** Polls `check` until it returns a value (not undefined/false) or the time is up. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
