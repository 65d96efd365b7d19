// `everlock-index`: the parsed uidlist and modseq log of a folder in binary columns, so that a new process
// opens a 100,000-message folder by copying arrays instead of parsing 100,000 text lines twice. Each part
// names the file it was taken from (inode, the offset up to which it was read, and the bytes at the file's
// head and just before that offset); a part is used only while its file still matches, and the lines
// written after the offset are parsed as usual. A cache like the others: written by temp + rename without
// fsync, checked by CRC, and a missing, stale or corrupt one is ignored and rewritten.
import { closeSync, openSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from '../log.js';
import type { UidlistImage } from './uidlist.js';
import type { ModseqImage } from './modseq.js';
import { tempPathFor } from './temp-path.js';
import type { BaseTable } from './base-table.js';

export const INDEX_SNAPSHOT = 'everlock-index';

const MAGIC = 0x58495645; // "EVIX" little-endian
const VERSION = 2;
/** magic, version, offset of the JSON footer, CRC-32 of everything after these 16 bytes. */
const HEADER = 16;
/** Bases are encoded this many at a time: no single copy of all of them is ever made. */
const BASE_CHUNK = 8192;

export interface IndexImage {
  readonly ul: UidlistImage;
  readonly ms: ModseqImage | undefined;
}

/** What writeIndexSnapshot takes: the uidlist's bases are read from its table, chunk by chunk. */
export interface IndexImageOut {
  readonly ul: Omit<UidlistImage, 'packed' | 'offsets'> & { readonly bases: BaseTable };
  readonly ms: ModseqImage | undefined;
}

interface Meta {
  ul: Omit<UidlistImage, 'uids' | 'packed' | 'offsets' | 'vsizes'>;
  ms: Omit<ModseqImage, 'uids' | 'modseqs' | 'dates' | 'vsizes' | 'infoIds'> | null;
  /** Byte length of each column, in the order written. */
  columns: number[];
}

const pad8 = (n: number): number => (n + 7) & ~7;
const ZEROS = Buffer.alloc(8);

/** Sequential writer of 8-byte aligned columns with a running CRC. */
class ColumnWriter {
  at = HEADER;
  crc = 0;
  readonly lengths: number[] = [];

  constructor(private readonly fd: number) {}

  write(data: Uint8Array): void {
    if (data.byteLength === 0) return;
    const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (let done = 0; done < b.length; ) done += writeSync(this.fd, b, done, b.length - done, this.at + done);
    this.at += b.length;
    this.crc = crc32(b, this.crc);
  }

  /** Ends a column: pads to 8 bytes and records its length. */
  end(length: number): void {
    const pad = pad8(this.at) - this.at;
    if (pad > 0) this.write(ZEROS.subarray(0, pad));
    this.lengths.push(length);
  }

  column(data: Uint32Array | Float64Array): void {
    this.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.end(data.byteLength);
  }
}

/**
 * Writes the snapshot by temp + rename. Written with synchronous calls on purpose: it runs rarely (after a
 * tenth of the folder was parsed as text), and column by column it never holds a second copy of the index.
 */
export async function writeIndexSnapshot(dir: string, image: IndexImageOut): Promise<void> {
  const path = join(dir, INDEX_SNAPSHOT);
  const tmp = tempPathFor(path);
  const { uids, bases, vsizes, ...ulMeta } = image.ul;
  let fd = -1;
  try {
    fd = openSync(tmp, 'w', 0o600);
    const w = new ColumnWriter(fd);
    w.column(uids);
    // Bases: UTF-8 bytes, and their character offsets in the decoded string.
    const n = uids.length;
    const offsets = new Uint32Array(n + 1);
    let chars = 0;
    let bytes = 0;
    for (let from = 0; from < n; from += BASE_CHUNK) {
      const parts: string[] = [];
      for (let i = from; i < Math.min(n, from + BASE_CHUNK); i++) {
        const b = bases.peek(i);
        parts.push(b);
        chars += b.length;
        offsets[i + 1] = chars;
      }
      const chunk = Buffer.from(parts.join(''), 'utf8');
      w.write(chunk);
      bytes += chunk.length;
    }
    w.end(bytes);
    w.column(offsets);
    w.column(vsizes);
    let msMeta: Meta['ms'] = null;
    if (image.ms) {
      const { uids: mu, modseqs, dates, vsizes: mv, infoIds, ...rest } = image.ms;
      for (const c of [mu, modseqs, dates, mv, infoIds]) w.column(c);
      msMeta = rest;
    }
    const meta: Meta = { ul: ulMeta, ms: msMeta, columns: w.lengths };
    const metaAt = w.at;
    w.write(Buffer.from(JSON.stringify(meta), 'utf8'));
    const header = Buffer.alloc(HEADER);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(VERSION, 4);
    header.writeUInt32LE(metaAt, 8);
    header.writeUInt32LE(w.crc, 12);
    writeSync(fd, header, 0, HEADER, 0);
    closeSync(fd);
    fd = -1;
    await rename(tmp, path);
  } catch {
    if (fd !== -1) closeSync(fd);
    await unlink(tmp).catch(() => {});
  }
}

/** The snapshot, or undefined when there is none or it cannot be trusted. */
export async function readIndexSnapshot(dir: string, log: Logger): Promise<IndexImage | undefined> {
  const path = join(dir, INDEX_SNAPSHOT);
  let buf: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      if (size < HEADER) return undefined;
      // Buffer.alloc never hands out a slice of the shared pool: the typed-array views below stay aligned.
      buf = Buffer.alloc(size);
      let got = 0;
      while (got < size) {
        const { bytesRead } = await fh.read(buf, got, size - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got < size) return undefined;
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
  try {
    return decode(buf);
  } catch (err) {
    log.info('maildir: ignoring unreadable index snapshot', { file: path, error: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
}

function decode(buf: Buffer): IndexImage {
  if (buf.readUInt32LE(0) !== MAGIC || buf.readUInt32LE(4) !== VERSION) throw new Error('not an index snapshot of this version');
  if (crc32(buf.subarray(HEADER)) !== buf.readUInt32LE(12)) throw new Error('checksum mismatch');
  const metaAt = buf.readUInt32LE(8);
  if (metaAt < HEADER || metaAt > buf.length) throw new Error('truncated');
  const meta = JSON.parse(buf.toString('utf8', metaAt)) as Meta;
  let at = HEADER;
  let k = 0;
  const next = (): { start: number; len: number } => {
    const len = meta.columns[k++];
    if (len === undefined || at + len > metaAt) throw new Error('truncated');
    const start = at;
    at += pad8(len);
    return { start, len };
  };
  const u32 = (): Uint32Array => {
    const { start, len } = next();
    return new Uint32Array(buf.buffer, buf.byteOffset + start, len / 4);
  };
  const f64 = (): Float64Array => {
    const { start, len } = next();
    return new Float64Array(buf.buffer, buf.byteOffset + start, len / 8);
  };
  const uids = u32();
  const p = next();
  // A copy of its own: the rest of the snapshot buffer is garbage once the columns are copied out.
  const packed = Buffer.from(buf.subarray(p.start, p.start + p.len));
  const offsets = u32();
  const vsizes = f64();
  if (offsets.length !== uids.length + 1) throw new Error('inconsistent bases');
  for (let i = 0; i < uids.length; i++) if ((offsets[i] as number) > (offsets[i + 1] as number)) throw new Error('inconsistent bases');
  const ul: UidlistImage = { ...meta.ul, uids, packed, offsets, vsizes };
  let ms: ModseqImage | undefined;
  if (meta.ms) {
    const mu = u32();
    const modseqs = f64();
    const dates = f64();
    const mv = f64();
    const infoIds = u32();
    const n = mu.length;
    if (modseqs.length !== n || dates.length !== n || mv.length !== n || infoIds.length !== n) throw new Error('inconsistent columns');
    for (let i = 0; i < n; i++) if ((infoIds[i] as number) >= meta.ms.infos.length) throw new Error('bad flag letters id');
    ms = { ...meta.ms, uids: mu, modseqs, dates, vsizes: mv, infoIds };
  }
  return { ul, ms };
}
