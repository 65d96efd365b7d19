// The one way the CLI changes a config file. Under the config dir's lock (`.everlock.lock`, proper-lockfile,
// retried with backoff so many concurrent commands all get their turn): read the current file, let the caller
// transform it, write a temp file beside it, fsync, rename over the original, fsync the directory, and commit
// the file when the config dir is a git repo. The lock covers the commit too, so commits never race on git's
// index.lock. A reader sees either the old or the new file, never a torn one.
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import lockfile from 'proper-lockfile';
import { stringify } from 'smol-toml';
import { parseToml } from './toml.js';
import { UserError } from '../errors.js';
import { commitPaths, isGitRepo } from './git.js';
import type { Paths } from './paths.js';

export type Doc = Record<string, unknown>;

export interface WriteOptions {
  /** Commit message, e.g. `users: add alice`. */
  message: string;
  /** Commit when the config dir is a git repo (false for --no-commit). */
  commit: boolean;
}

export const LOCK_NAME = '.everlock.lock';

/** Runs `fn` holding the config dir's lock. */
export async function withConfigLock<T>(paths: Paths, fn: () => Promise<T>): Promise<T> {
  await mkdir(paths.config, { recursive: true });
  const lockPath = join(paths.config, LOCK_NAME);
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(paths.config, {
      lockfilePath: lockPath,
      stale: 30_000,
      update: 5_000,
      // Up to about two minutes of waiting: enough for dozens of queued commands, each holding it briefly.
      retries: { retries: 600, factor: 1.3, minTimeout: 10, maxTimeout: 200, randomize: true },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') throw new UserError(`the config is locked by another everlock process (${lockPath}); try again`);
    throw err;
  }
  try {
    return await fn();
  } finally {
    await release();
  }
}

/** Writes `data` to `file` atomically: temp file in the same directory, fsync, rename, fsync the directory. */
export async function writeFileAtomic(file: string, data: string, mode = 0o644): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** `relPath` must stay inside the config dir. */
function configPath(paths: Paths, relPath: string): string {
  const abs = resolve(paths.config, relPath);
  if (!abs.startsWith(resolve(paths.config) + sep)) throw new Error(`config path escapes the config dir: ${relPath}`);
  return abs;
}

/**
 * Reads `relPath` (undefined when absent), lets `mutate` return the new document (undefined deletes the file),
 * writes it atomically and commits it. A `mutate` that throws leaves everything as it was.
 */
export async function updateConfigFile(
  paths: Paths,
  relPath: string,
  mutate: (doc: Doc | undefined) => Doc | undefined | Promise<Doc | undefined>,
  opts: WriteOptions,
): Promise<void> {
  const abs = configPath(paths, relPath);
  await withConfigLock(paths, async () => {
    let current: Doc | undefined;
    let text: string | undefined;
    try {
      text = await readFile(abs, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== undefined) current = parseToml(text, relative(paths.config, abs)).doc;
    const next = await mutate(current);
    if (next === undefined) {
      if (text === undefined) return;
      await unlink(abs);
      await syncDir(dirname(abs));
    } else {
      const out = stringify(next).replace(/\n*$/, '\n');
      if (out === text) return;
      await writeFileAtomic(abs, out);
    }
    if (opts.commit && (await isGitRepo(paths.config))) {
      await commitPaths(paths.config, [relative(paths.config, abs)], opts.message);
    }
  });
}
