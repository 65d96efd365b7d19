// `everlock-index`: the parsed uidlist and modseq log of a folder in binary columns, so that a new process
// opens a 100,000-message folder by copying arrays instead of parsing 100,000 text lines twice. Each part
// names the file it was taken from (inode, the offset up to which it was read, and the bytes at the file's
// head and just before that offset); a part is used only while its file still matches, and the lines
// written after the offset are parsed as usual. A cache like the others: written by temp + rename without
// fsync, checked by CRC, and a missing, stale or corrupt one is ignored and rewritten.
import { open, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from '../log.js';
import type { UidlistImage } from './uidlist.js';
import type { ModseqImage } from './modseq.js';
import { tempPathFor } from './temp-path.js';

export const INDEX_SNAPSHOT = 'everlock-index';

const MAGIC = 0x58495645; // "EVIX" little-endian
const VERSION = 1;
const HEADER = 16;

export interface IndexImage {
  readonly ul: UidlistImage;
  readonly ms: ModseqImage | undefined;
}

type Column = Uint32Array | Float64Array | Buffer;

interface Meta {
  ul: Omit<UidlistImage, 'uids' | 'packed' | 'offsets' | 'vsizes'>;
  ms: Omit<ModseqImage, 'uids' | 'modseqs' | 'dates' | 'vsizes' | 'infoIds'> | null;
  /** Byte length of each column, in the order written. */
  columns: number[];
}

const pad8 = (n: number): number => (n + 7) & ~7;

function bytesOf(c: Column): Buffer {
  return Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
}

export async function writeIndexSnapshot(dir: string, image: IndexImage): Promise<void> {
  const { uids, packed, offsets, vsizes, ...ulMeta } = image.ul;
  const columns: Column[] = [uids, offsets, Buffer.from(packed, 'utf8'), vsizes];
  let msMeta: Meta['ms'] = null;
  if (image.ms) {
    const { uids: mu, modseqs, dates, vsizes: mv, infoIds, ...rest } = image.ms;
    columns.push(mu, modseqs, dates, mv, infoIds);
    msMeta = rest;
  }
  const meta: Meta = { ul: ulMeta, ms: msMeta, columns: columns.map((c) => c.byteLength) };
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  let total = HEADER + pad8(json.length);
  for (const c of columns) total += pad8(c.byteLength);
  const out = Buffer.alloc(total);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(VERSION, 4);
  out.writeUInt32LE(json.length, 8);
  json.copy(out, HEADER);
  let at = HEADER + pad8(json.length);
  for (const c of columns) {
    bytesOf(c).copy(out, at);
    at += pad8(c.byteLength);
  }
  out.writeUInt32LE(crc32(out.subarray(HEADER)), 12);
  const path = join(dir, INDEX_SNAPSHOT);
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, out, { mode: 0o600 });
    await rename(tmp, path);
  } catch {
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
  const jsonLen = buf.readUInt32LE(8);
  const meta = JSON.parse(buf.toString('utf8', HEADER, HEADER + jsonLen)) as Meta;
  let at = HEADER + pad8(jsonLen);
  let k = 0;
  const next = (): { start: number; len: number } => {
    const len = meta.columns[k++];
    if (len === undefined || at + len > buf.length) throw new Error('truncated');
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
  const offsets = u32();
  const p = next();
  const packed = buf.toString('utf8', p.start, p.start + p.len);
  const vsizes = f64();
  if (offsets.length !== uids.length + 1 || (offsets[uids.length] as number) !== packed.length) throw new Error('inconsistent bases');
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
