// Durable writes into a Maildir: tmp/ -> fsync -> rename into new/ or cur/ -> fsync the directory.
// Delivering to several folders is all-or-nothing: the message is written and synced once in the first
// target's tmp/, hard-linked (or copied) into every other target's tmp/, and only when all copies exist is
// any of them renamed; a failed rename undoes the ones already made. Stored messages are in canonical CRLF
// form, so the size on disk (S=) equals the IMAP size (W=) and byte ranges can be read without conversion.
//
// A message given as a buffer of ordinary size is written on a raw descriptor with synchronous write, fstat
// and close (microseconds each: page cache and metadata), while a trip through the pool costs tens of
// microseconds of CPU in thread wake-ups and promise plumbing. Two calls do go to the pool: the fdatasync,
// which waits for the disk, and the create, which usually takes ~30 µs but costs up to a millisecond of
// inode-allocator CPU on a file system with many recent deletes (ext4 without a journal skips inodes freed in
// the last minute): on the event loop that would stall every session in the process. Streams and large
// buffers keep the asynchronous path.
import { closeSync, fstatSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { copyFile, link, open, readdir, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { StoreError, storeErrorFromErrno } from '../errors.js';
import { CrlfTransform, toCrlf } from '../mime/canonical.js';
import type { MessageSource } from './types.js';
import { uniqueBase, withSizes } from './filename.js';
import { fdatasyncFd, openFd } from './fd-sync.js';

export interface TmpFile {
  /** Folder directory (holding cur/ new/ tmp/). */
  readonly folderDir: string;
  readonly tmpPath: string;
  /** Final base name: unique part plus ,S=,W=. */
  readonly base: string;
  readonly size: number;
  /** Internal date (the file's mtime), ms. */
  readonly mtime: number;
}

async function unlinkQuiet(path: string): Promise<void> {
  await unlink(path).catch(() => {});
}

/** Buffers up to this size are written synchronously (see the module comment). */
const SYNC_WRITE_MAX = 256 * 1024;

/** writeTmp for a small buffer: two pool trips (the create and the fdatasync). */
async function writeTmpSmall(folderDir: string, data: Buffer, opts: { fsync: boolean; mtime?: number | undefined }): Promise<TmpFile> {
  const unique = uniqueBase();
  const tmpPath = join(folderDir, 'tmp', unique);
  let fd: number;
  try {
    fd = await openFd(tmpPath, 'wx', 0o600);
  } catch (err) {
    throw storeErrorFromErrno(err, 'message file');
  }
  let mtime = opts.mtime ?? 0;
  let closed = false;
  try {
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at, at);
    if (opts.fsync) await fdatasyncFd(fd);
    if (opts.mtime === undefined) mtime = Math.floor(fstatSync(fd).mtimeMs);
    closed = true;
    closeSync(fd);
    if (opts.mtime !== undefined) await utimes(tmpPath, opts.mtime / 1000, opts.mtime / 1000);
  } catch (err) {
    if (!closed) {
      try {
        closeSync(fd);
      } catch {
        // already failing
      }
    }
    try {
      unlinkSync(tmpPath);
    } catch {
      // nothing to remove
    }
    throw storeErrorFromErrno(err, 'message file');
  }
  return { folderDir, tmpPath, base: withSizes(unique, data.length, data.length), size: data.length, mtime };
}

/** Writes the message into `<folderDir>/tmp/` in CRLF form; synced when `fsync`. */
export async function writeTmp(folderDir: string, source: MessageSource, opts: { fsync: boolean; maxBytes?: number | undefined; mtime?: number | undefined }): Promise<TmpFile> {
  if (Buffer.isBuffer(source) && source.length <= SYNC_WRITE_MAX) {
    const data = toCrlf(source);
    if (opts.maxBytes !== undefined && data.length > opts.maxBytes) throw new StoreError('limit', 'message too large');
    if (data.length <= SYNC_WRITE_MAX) return writeTmpSmall(folderDir, data, opts);
  }
  const unique = uniqueBase();
  const tmpPath = join(folderDir, 'tmp', unique);
  let fh;
  try {
    fh = await open(tmpPath, 'wx', 0o600);
  } catch (err) {
    throw storeErrorFromErrno(err, 'message file');
  }
  let size = 0;
  let mtime = opts.mtime ?? 0;
  try {
    if (Buffer.isBuffer(source)) {
      const data = toCrlf(source);
      if (opts.maxBytes !== undefined && data.length > opts.maxBytes) throw new StoreError('limit', 'message too large');
      await fh.write(data, 0, data.length, 0);
      size = data.length;
    } else {
      const crlf = new CrlfTransform();
      const handle = fh;
      const max = opts.maxBytes;
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          if (max !== undefined && size + chunk.length > max) {
            done(new StoreError('limit', 'message too large'));
            return;
          }
          const at = size;
          size += chunk.length;
          handle.write(chunk, 0, chunk.length, at).then(() => done(), done);
        },
      });
      await pipeline(source, crlf, sink);
    }
    if (opts.fsync) await fh.datasync();
    if (opts.mtime === undefined) mtime = Math.floor((await fh.stat()).mtimeMs);
  } catch (err) {
    await fh.close().catch(() => {});
    await unlinkQuiet(tmpPath);
    throw err instanceof StoreError ? err : storeErrorFromErrno(err, 'message file');
  }
  try {
    await fh.close();
    if (opts.mtime !== undefined) await utimes(tmpPath, opts.mtime / 1000, opts.mtime / 1000);
  } catch (err) {
    await unlinkQuiet(tmpPath);
    throw storeErrorFromErrno(err, 'message file');
  }
  return { folderDir, tmpPath, base: withSizes(unique, size, size), size, mtime };
}

/** Another copy of a tmp file in another folder's tmp/: a hard link, or a synced copy across devices. */
export async function cloneTmp(from: TmpFile, folderDir: string, fsync: boolean): Promise<TmpFile> {
  const unique = uniqueBase();
  const tmpPath = join(folderDir, 'tmp', unique);
  try {
    await link(from.tmpPath, tmpPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw storeErrorFromErrno(err, 'message file');
    try {
      await copyFile(from.tmpPath, tmpPath);
      if (fsync) {
        const fh = await open(tmpPath, 'r');
        await fh.datasync().finally(() => fh.close());
      }
    } catch (copyErr) {
      await unlinkQuiet(tmpPath);
      throw storeErrorFromErrno(copyErr, 'message file');
    }
  }
  return { folderDir, tmpPath, base: withSizes(unique, from.size, from.size), size: from.size, mtime: from.mtime };
}

export interface Placement {
  readonly tmp: TmpFile;
  /** 'new' for unflagged mail (it becomes \Recent), 'cur' with the info letters otherwise. */
  readonly name: string;
  readonly sub: 'new' | 'cur';
}

export function finalPath(p: Placement): string {
  return join(p.tmp.folderDir, p.sub, p.name);
}

/**
 * Renames every copy into place. All or nothing: on any failure the renamed copies are removed again and
 * every tmp file is deleted before the error is thrown. The renames are made durable by the fsync of their
 * directories, which the UID assignment does together with the uidlist's (folder.ts assignLocked): the
 * caller reports success only after that.
 */
export async function commitPlacements(placements: readonly Placement[]): Promise<void> {
  const done: string[] = [];
  try {
    // Renames within one file system are metadata calls of microseconds: synchronous, like the writes above.
    for (const p of placements) {
      const to = finalPath(p);
      renameSync(p.tmp.tmpPath, to);
      done.push(to);
    }
  } catch (err) {
    await Promise.all(done.map(unlinkQuiet));
    await Promise.all(placements.map((p) => unlinkQuiet(p.tmp.tmpPath)));
    throw storeErrorFromErrno(err, 'message file');
  }
}

export async function discardTmp(files: readonly TmpFile[]): Promise<void> {
  await Promise.all(files.map((f) => unlinkQuiet(f.tmpPath)));
}

/** tmp/ files older than this belong to nobody any more (a crash mid-delivery); Dovecot uses the same age. */
export const STALE_TMP_MS = 36 * 3600 * 1000;

/** Removes stale tmp/ files; returns how many. Never throws: it is housekeeping. */
export async function cleanStaleTmp(folderDir: string, now = Date.now()): Promise<number> {
  const dir = join(folderDir, 'tmp');
  let removed = 0;
  try {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const st = await stat(path).catch(() => undefined);
      if (st?.isFile() && now - st.mtimeMs > STALE_TMP_MS) {
        await unlinkQuiet(path);
        removed++;
      }
    }
  } catch {
    // tmp/ missing or unreadable: nothing to clean
  }
  return removed;
}
