// The Dovecot-compatible uidlist lock: `dovecot-uidlist.lock`, created atomically and holding
// `<pid>:<host>` (Dovecot's dotlock format). Every process that assigns UIDs or records MODSEQs holds it (everlock's server, CLI and
// Dovecot itself). A lock is stale when its owner is a dead process on this host, or when it has not been
// touched for STALE_MS (Dovecot's uidlist stale timeout is two minutes). Within one process an async mutex
// queues callers first, so the file lock is taken once per batch and never re-entered.
//
// A lock may linger: kept for `lingerMs` after its holder finishes, so back-to-back batches (a stream of
// deliveries into one folder) take the file lock once instead of once per batch. Every take creates an inode
// and every release frees one; on ext4 without a journal each freed inode makes file creation in its block
// group slower for the next minute or more (see docs/benchmarks.md), so per-batch locking slowed delivery down
// as a run went on. A lingering lock is released after MAX_HOLD_MS of continuous holding, and then not taken
// again for YIELD_MS (longer than any retry sleep below), so another process waiting for it gets its turn.
import { closeSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { StoreError, storeErrorFromErrno } from '../errors.js';

export const STALE_MS = 120_000;
const WAIT_MS = 150_000;
/** The longest sleep between two attempts in acquireFile. */
const MAX_RETRY_MS = 20;
export const MAX_HOLD_MS = 1000;
const YIELD_MS = MAX_RETRY_MS + 5;

/** Lock paths this process holds now (in use or lingering). */
const heldPaths = new Set<string>();

let host: string | undefined;
/** os.hostname() is a uname() call each time; the lock content needs it twice per lock. */
function thisHost(): string {
  host ??= hostname();
  return host;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(path: string): Promise<boolean> {
  let content: string;
  let mtimeMs: number;
  try {
    const [c, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    content = c;
    mtimeMs = st.mtimeMs;
  } catch {
    return false; // vanished: the next attempt will simply succeed
  }
  const m = /^(\d+):(.*)$/.exec(content.trim());
  if (m && m[2] === thisHost() && Number(m[1]) !== process.pid && !isAlive(Number(m[1]))) return true;
  // Ours by its content, yet we hold no lock at this path: left behind (its folder was renamed under a holder).
  if (m && m[2] === thisHost() && Number(m[1]) === process.pid && !heldPaths.has(path)) return true;
  // An empty file is a lock in the middle of being written; only age makes it stale.
  return Date.now() - mtimeMs > STALE_MS;
}

/**
 * The lock appears with its content already in it: written to a private temp file, then hard-linked to the
 * lock name (link fails with EEXIST like O_EXCL would). A process killed mid-way never leaves an empty lock
 * that only the two-minute timeout could clear. These are microsecond metadata calls made while every
 * delivery of the folder waits for the lock, so they are synchronous: a trip through the libuv pool for each
 * would cost more than the call itself.
 */
function tryCreate(path: string): boolean {
  const tmp = `${path}.${thisHost()}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, `${process.pid}:${thisHost()}`);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw storeErrorFromErrno(err, 'uidlist lock');
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // not created
    }
  }
}

async function acquireFile(path: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  let delay = 1;
  for (;;) {
    if (tryCreate(path)) {
      // In the same synchronous step as the create: no other waiter of this process may see the file as ours
      // yet unheld (isStale) in between.
      heldPaths.add(path);
      return;
    }
    if (await isStale(path)) {
      await unlink(path).catch(() => {});
      continue;
    }
    if (Date.now() > deadline) throw new StoreError('in-use', 'mailbox is locked by another process', path);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  }
}

/**
 * One per folder per process. `exclusive` serialises this process's work on the folder (state updates stay
 * in order); `withFile` additionally takes the cross-process uidlist lock and must run inside `exclusive`.
 */
export interface FolderLockOptions {
  /** Keep the file lock this long after a holder finishes (0: release at once). */
  readonly lingerMs?: number | undefined;
}

export class FolderLock {
  private tail: Promise<void> = Promise.resolve();
  private fileHeld = false;
  private heldSince = 0;
  private lingering: NodeJS.Timeout | undefined;
  /** After a release forced by MAX_HOLD_MS: not taken again before this time. */
  private notBefore = 0;
  private lingerMs: number;

  constructor(
    readonly path: string,
    opts: FolderLockOptions = {},
  ) {
    this.lingerMs = opts.lingerMs ?? 0;
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }

  async withFile<T>(fn: () => Promise<T>): Promise<T> {
    if (this.lingering) clearTimeout(this.lingering);
    this.lingering = undefined;
    if (!this.fileHeld) {
      const wait = this.notBefore - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await acquireFile(this.path);
      this.fileHeld = true;
      this.heldSince = Date.now();
    }
    try {
      return await fn();
    } finally {
      if (this.lingerMs <= 0) {
        this.releaseFile();
      } else if (Date.now() - this.heldSince >= MAX_HOLD_MS) {
        this.releaseFile();
        this.notBefore = Date.now() + YIELD_MS;
      } else {
        this.lingering = setTimeout(() => {
          this.lingering = undefined;
          this.releaseFile();
        }, this.lingerMs);
        // A process that exits with a lock lingering leaves it to the dead-owner check; close() is the clean way.
        this.lingering.unref();
      }
    }
  }

  /** True while this process holds the file lock (working under it, or lingering). */
  get holdsFile(): boolean {
    return this.fileHeld;
  }

  /** Stops lingering: a lingering file lock is released now, one in use when its holder finishes. */
  close(): void {
    this.lingerMs = 0;
    if (!this.lingering) return;
    clearTimeout(this.lingering);
    this.lingering = undefined;
    this.releaseFile();
  }

  private releaseFile(): void {
    if (!this.fileHeld) return;
    this.fileHeld = false;
    heldPaths.delete(this.path);
    try {
      unlinkSync(this.path);
    } catch {
      // removed as stale by someone else: nothing to release
    }
  }

  /** exclusive + withFile. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.exclusive(() => this.withFile(fn));
  }
}
