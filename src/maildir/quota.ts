// Maildir++ quota: `maildirsize` in the mailbox root. Line 1 holds the limits (`<bytes>S`), every further
// line a delta `<bytes> <messages>` appended with one O_APPEND write (no lock, as the Maildir++ spec says).
// Missing, unparsable or over 5120 bytes, the file is recalculated from the S= sizes of every folder.
// Concurrent deltas for one mailbox are summed into one line (one open, write and close per group of
// deliveries, not per message), which is still one O_APPEND write as the spec wants.
import { closeSync, constants, openSync, statSync, writeSync } from 'node:fs';
import { open, readdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sizeField, isMessageName, baseOf } from './filename.js';
import { tempPathFor } from './temp-path.js';

export const MAILDIRSIZE = 'maildirsize';
const MAX_FILE = 5120;

export interface QuotaUsage {
  usedBytes: number;
  usedMessages: number;
  limitBytes: number;
}

function parse(text: string): QuotaUsage | undefined {
  const lines = text.split('\n');
  const m = /^(\d+)S/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const limitBytes = Number(m[1]);
  let usedBytes = 0;
  let usedMessages = 0;
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const d = /^\s*(-?\d+)\s+(-?\d+)\s*$/.exec(line);
    if (!d) return undefined;
    usedBytes += Number(d[1]);
    usedMessages += Number(d[2]);
  }
  return { usedBytes, usedMessages, limitBytes };
}

async function fileSize(dir: string, name: string): Promise<number> {
  const s = sizeField(baseOf(name), 'S');
  if (s !== undefined) return s;
  try {
    return (await stat(join(dir, name))).size;
  } catch {
    return 0;
  }
}

async function recalc(mailboxDir: string): Promise<{ bytes: number; count: number }> {
  let bytes = 0;
  let count = 0;
  const folders = [''];
  for (const e of await readdir(mailboxDir, { withFileTypes: true })) {
    if (e.isDirectory() && e.name.startsWith('.') && e.name.length > 1 && e.name !== '..') folders.push(e.name);
  }
  for (const f of folders) {
    for (const sub of ['new', 'cur']) {
      const dir = join(mailboxDir, f, sub);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      for (const n of names) {
        if (!isMessageName(n)) continue;
        bytes += await fileSize(dir, n);
        count++;
      }
    }
  }
  return { bytes, count };
}

export async function readQuota(mailboxDir: string, limitBytes?: number): Promise<QuotaUsage> {
  const path = join(mailboxDir, MAILDIRSIZE);
  let text: string | undefined;
  try {
    text = await readFile(path, 'latin1');
  } catch {
    text = undefined;
  }
  const parsed = text === undefined ? undefined : parse(text);
  const wanted = limitBytes ?? parsed?.limitBytes ?? 0;
  if (parsed && text !== undefined && text.length <= MAX_FILE && parsed.limitBytes === wanted) return parsed;
  const { bytes, count } = await recalc(mailboxDir);
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.write(`${wanted}S\n${bytes} ${count}\n`);
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  return { usedBytes: bytes, usedMessages: count, limitBytes: wanted };
}

interface PendingDelta {
  bytes: number;
  count: number;
  /** Resolved when the line holding this delta is written. */
  done: Promise<void>;
}

/** Deltas waiting for the write in progress to finish, per maildirsize. */
const pending = new Map<string, PendingDelta>();
const writing = new Map<string, Promise<void>>();

/** Appends a delta (summed with concurrent ones); a missing file is left for the next readQuota to recalculate. */
export function addQuota(mailboxDir: string, bytes: number, count: number): Promise<void> {
  if (bytes === 0 && count === 0) return Promise.resolve();
  const queued = pending.get(mailboxDir);
  if (queued) {
    queued.bytes += bytes;
    queued.count += count;
    return queued.done;
  }
  const before = writing.get(mailboxDir) ?? Promise.resolve();
  const delta: PendingDelta = { bytes, count, done: Promise.resolve() };
  // The write waits for the end of this turn of the event loop, so every delivery that finishes in it is summed
  // into one line: the append itself is synchronous and would otherwise run once per message.
  delta.done = before
    .then(() => new Promise<void>((r) => setImmediate(r)))
    .then(() => {
      // From here on, later deltas start a new line.
      pending.delete(mailboxDir);
      return appendDelta(mailboxDir, delta.bytes, delta.count);
    });
  pending.set(mailboxDir, delta);
  writing.set(mailboxDir, delta.done);
  void delta.done.then(() => {
    if (writing.get(mailboxDir) === delta.done) writing.delete(mailboxDir);
  });
  return delta.done;
}

/**
 * One short line appended to an existing file: open, write and close take microseconds in the page cache, so
 * they are synchronous rather than three trips through the thread pool per group of deliveries (the
 * uidlist and modseq appends are made the same way). Not fsynced: the file is advisory.
 */
async function appendDelta(mailboxDir: string, bytes: number, count: number): Promise<void> {
  if (bytes === 0 && count === 0) return;
  const path = join(mailboxDir, MAILDIRSIZE);
  // Never create it here: a file without its limits line would be misread. Most mailboxes have no quota and
  // no file: asking first is cheaper than the failed open's exception, once per group of deliveries.
  if (!statSync(path, { throwIfNoEntry: false })) return;
  let fd = -1;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND);
    writeSync(fd, `${bytes} ${count}\n`);
  } catch {
    // The quota file is advisory and recalculated when missing.
  } finally {
    if (fd !== -1) closeSync(fd);
  }
}
