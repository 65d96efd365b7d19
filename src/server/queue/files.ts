// The queue directory: `<data>/queue/<id>.eml` + `<id>.json`. An entry exists once its `.json` exists; the
// `.eml` is written and fsynced first, so a crash never leaves an envelope without its message. Enqueueing is
// two-phase (prepare, then commit or abort) so SMTP can make a queue copy and Maildir copies all-or-nothing.
// Prepare creates the message and a hidden `.pending` envelope under fresh names (no temp-and-rename needed:
// nothing reads them before the commit) and syncs their data; commit renames the envelope into place and
// syncs the directory once, which makes all three names durable. Commits that arrive while a directory sync
// is running share the next one, so concurrent transactions pay one directory sync between them.
// The CLI and the server share these files; the worker re-reads the directory, so CLI changes apply live.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { StoreError, storeErrorFromErrno } from '../../errors.js';
import type { QueueEnvelope, QueueEntrySummary } from './types.js';

const ID = /^[0-9A-Za-z]{8,40}$/;

export interface PreparedEntry {
  readonly id: string;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export class QueueFiles {
  constructor(readonly dir: string) {}

  static newId(now = Date.now()): string {
    return now.toString(36).toUpperCase().padStart(9, '0') + randomBytes(6).toString('hex').toUpperCase();
  }

  messagePath(id: string): string {
    return join(this.dir, `${checkId(id)}.eml`);
  }

  private envelopePath(id: string): string {
    return join(this.dir, `${checkId(id)}.json`);
  }

  /** Writes and fsyncs the message and a not-yet-visible envelope. */
  async prepare(envelope: Omit<QueueEnvelope, 'id' | 'version'>, source: Buffer | Readable): Promise<PreparedEntry> {
    await mkdir(this.dir, { recursive: true });
    const id = QueueFiles.newId(envelope.created);
    const env: QueueEnvelope = { version: 1, id, ...envelope };
    const eml = this.messagePath(id);
    const pendingJson = join(this.dir, `.${id}.json.pending`);
    try {
      await writeNewSynced(eml, source);
      await writeNewSynced(pendingJson, Buffer.from(JSON.stringify(env, null, 1)));
    } catch (err) {
      await Promise.all([rm(eml, { force: true }), rm(pendingJson, { force: true })]);
      throw err instanceof StoreError ? err : storeErrorFromErrno(err, 'queue');
    }
    return {
      id,
      commit: async () => {
        await rename(pendingJson, this.envelopePath(id));
        await syncDirShared(this.dir);
      },
      abort: async () => {
        await Promise.all([rm(eml, { force: true }), rm(pendingJson, { force: true })]);
      },
    };
  }

  async enqueue(envelope: Omit<QueueEnvelope, 'id' | 'version'>, source: Buffer | Readable): Promise<string> {
    const p = await this.prepare(envelope, source);
    await p.commit();
    return p.id;
  }

  /** Ids of committed entries, oldest first. */
  async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
      .map((n) => n.slice(0, -5))
      .filter((id) => ID.test(id))
      .sort();
  }

  /** The envelope, or undefined when the entry is gone (delivered or removed meanwhile). */
  async read(id: string): Promise<QueueEnvelope | undefined> {
    try {
      return JSON.parse(await readFile(this.envelopePath(id), 'utf8')) as QueueEnvelope;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Journals a new envelope state (temp + fsync + rename + dir fsync). */
  async write(env: QueueEnvelope): Promise<void> {
    await durableWrite(this.envelopePath(env.id), Buffer.from(JSON.stringify(env, null, 1)));
  }

  /**
   * Journals a new state of an entry that must still exist; false (nothing written) when it was removed
   * meanwhile (`everlock queue remove` while the worker was delivering), so a removal is never undone.
   */
  async update(env: QueueEnvelope): Promise<boolean> {
    const exists = await stat(this.envelopePath(env.id)).then(
      () => true,
      () => false,
    );
    if (!exists) return false;
    await this.write(env);
    return true;
  }

  /** Removes an entry: the envelope first (the entry is gone), then the message. */
  async remove(id: string): Promise<boolean> {
    try {
      await rm(this.envelopePath(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    await rm(this.messagePath(id), { force: true });
    await syncDir(this.dir);
    return true;
  }

  async list(): Promise<QueueEntrySummary[]> {
    const out: QueueEntrySummary[] = [];
    for (const id of await this.ids()) {
      const env = await this.read(id);
      if (!env) continue;
      const size = await stat(this.messagePath(id)).then((s) => s.size, () => 0);
      out.push({ id, from: env.from, recipients: env.recipients, created: env.created, nextAttempt: env.nextAttempt, attempts: env.attempts, size, inflight: !!env.inflight });
    }
    return out;
  }

  /** Deletes leftovers of crashed enqueues: messages without an envelope and uncommitted envelopes. */
  async sweepOrphans(olderThanMs: number, now = Date.now()): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    const live = new Set(names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => n.slice(0, -5)));
    let removed = 0;
    for (const n of names) {
      const orphan = (n.endsWith('.eml') && !live.has(n.slice(0, -4))) || n.endsWith('.pending') || n.endsWith('.tmp');
      if (!orphan) continue;
      const p = join(this.dir, n);
      const st = await stat(p).catch(() => undefined);
      if (st && now - st.mtimeMs > olderThanMs) {
        await rm(p, { force: true });
        removed++;
      }
    }
    return removed;
  }
}

function checkId(id: string): string {
  if (!ID.test(id)) throw new StoreError('invalid-name', `invalid queue id: ${id}`);
  return id;
}

/** temp -> fsync -> rename -> fsync(dir). */
export async function durableWrite(path: string, source: Buffer | Readable): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    if (Buffer.isBuffer(source)) {
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(source);
        await fh.sync();
      } finally {
        await fh.close();
      }
    } else {
      await pipeline(source, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(join(path, '..'));
}

/** Creates `path` (which must not exist) with `source` and syncs its data. */
async function writeNewSynced(path: string, source: Buffer | Readable): Promise<void> {
  if (Buffer.isBuffer(source)) {
    const fh = await open(path, 'wx', 0o600);
    try {
      await fh.writeFile(source);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    return;
  }
  await pipeline(source, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  const fh = await open(path, 'r+');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/** Per directory: the sync running now, and the one the callers arriving meanwhile will share. */
const dirSyncs = new Map<string, { running?: Promise<void> | undefined; next?: Promise<void> | undefined }>();

/** fsync of a directory covering every change made before the call; concurrent callers share syncs. */
export function syncDirShared(dir: string): Promise<void> {
  let s = dirSyncs.get(dir);
  if (!s) dirSyncs.set(dir, (s = {}));
  const state = s;
  if (!state.running) {
    state.running = syncDir(dir).finally(() => {
      state.running = undefined;
    });
    return state.running;
  }
  // A sync already started may have begun before our change: wait for it, then share one more.
  state.next ??= state.running
    .catch(() => undefined)
    .then(() => {
      state.next = undefined;
      return syncDirShared(dir);
    });
  return state.next;
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
