// dovecot-uidlist version 3, as Dovecot writes it:
//   3 V<uidvalidity> N<nextuid> G<guid>
//   <uid> [<ext>...] :<base>
// Invariants (pinned by test/maildir/uidlist.test.ts):
// - Readers never lock. They remember inode, size and the offset read so far; the same inode with a bigger
//   size means lines were appended (read only the tail), another inode means a compaction (read it all).
//   A last line without '\n' is a write in progress and is left for the next read.
// - Writers hold the uidlist lock, refresh, then append lines with ascending UIDs (Dovecot rejects a file
//   whose UIDs are not ordered) and fsync. The header's N is a hint: the next UID is max(N, last UID + 1).
// - Compaction writes the live records to dovecot-uidlist.tmp, fsyncs and renames it over the file.
// - A corrupt line is skipped with a log line; its message gets a new UID at the next locked sync.
// - A new process may start from an image of the parsed file (index-snapshot.ts) taken at a known inode and
//   offset, once the bytes at the image's head and end still match; only the lines after it are parsed. The
//   base -> position map is built on first use, not on open: listing a folder does not need it.
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, statSync, writeSync } from 'node:fs';
import { open, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../log.js';
import { storeErrorFromErrno } from '../errors.js';
import { BaseTable } from './base-table.js';
import { fdatasyncFd } from './fd-sync.js';
import { fsyncDirNow } from './group-commit.js';
import { readCompleteLines } from './line-reader.js';

export const UIDLIST = 'dovecot-uidlist';

export interface UidlistHeader {
  uidValidity: number;
  nextUid: number;
  guid: string;
}

let lastValidity = 0;
/** UIDVALIDITY from the clock, strictly increasing within a process so a recreated folder gets a new one. */
export function newUidValidity(): number {
  lastValidity = Math.max(Math.floor(Date.now() / 1000), lastValidity + 1);
  return lastValidity;
}

/** What the snapshot keeps of a parsed uidlist: enough to continue reading the file at `offset`. */
export interface UidlistImage {
  readonly ino: number;
  readonly offset: number;
  /** The file's first bytes and the bytes just before `offset` (latin1), checked before the image is used. */
  readonly head: string;
  readonly tail: string;
  readonly uidValidity: number;
  readonly nextUid: number;
  readonly guid: string;
  readonly duplicates: boolean;
  readonly uids: Uint32Array;
  /** The bases back to back in UTF-8, and their character offsets once decoded (BaseTable). */
  readonly packed: Buffer;
  readonly offsets: Uint32Array;
  /** [uid, vsize] pairs of W extensions. */
  readonly vsizes: Float64Array;
}

/** Bytes of the file compared at its start and before the image's offset. */
const CHECK_BYTES = 96;
export const MAX_UID = 0xffffffff;

export class Uidlist {
  readonly path: string;
  uidValidity = 0;
  nextUid = 1;
  guid = '';
  /** Records in file order (ascending UID): parallel columns keep 100,000 entries cheap. */
  uids: number[] = [];
  bases = new BaseTable();
  /** base -> position (the last line for a base wins), live or expunged until compaction; built on first use. */
  private positions: Map<string, number> | undefined = new Map();
  private dup = false;
  /** Records with a W extension (files named without W=). */
  readonly vsizes = new Map<number, number>();
  private ino = -1;
  private offset = 0;
  private size = -1;
  /** Lines parsed from text since the last image was taken or adopted (index-snapshot.ts decides on it). */
  linesSinceImage = 0;
  /** Bumped whenever records change, so callers can skip work. */
  generation = 0;

  constructor(
    dir: string,
    private readonly log: Logger,
  ) {
    this.path = join(dir, UIDLIST);
  }

  get exists(): boolean {
    return this.ino !== -1;
  }

  /** base -> position in uids/bases. */
  get posOf(): ReadonlyMap<string, number> {
    return this.positionMap();
  }

  /** Some base has more than one line (Dovecot tolerates it; the last line wins). */
  get duplicates(): boolean {
    return this.dup;
  }

  private positionMap(): Map<string, number> {
    let m = this.positions;
    if (m === undefined) {
      m = new Map();
      const n = this.uids.length;
      for (let i = 0; i < n; i++) m.set(this.bases.at(i), i);
      if (m.size !== n) this.dup = true;
      this.positions = m;
    }
    return m;
  }

  private reset(): void {
    this.positions = new Map();
    this.dup = false;
    this.vsizes.clear();
    this.uids = [];
    this.bases = new BaseTable();
    this.linesSinceImage = 0;
    this.offset = 0;
    this.ino = -1;
    this.size = -1;
    this.nextUid = 1;
    this.uidValidity = 0;
    this.guid = '';
    this.generation++;
  }

  /**
   * Re-reads what changed since the last call; returns true when records or header changed. `image` (from
   * the snapshot) is used instead of parsing when nothing is loaded yet and it still matches the file.
   */
  async refresh(image?: UidlistImage): Promise<boolean> {
    if (this.exists && image === undefined && this.unchangedNow()) return false;
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        const had = this.exists;
        if (had) this.reset();
        return had;
      }
      throw storeErrorFromErrno(err, 'uidlist');
    }
    try {
      const st = await fh.stat();
      if (st.ino === this.ino && st.size === this.size) return false;
      if (st.ino !== this.ino || st.size < this.offset) this.reset();
      if (image !== undefined && this.ino === -1 && image.ino === st.ino && image.offset <= st.size && (await imageMatches(fh, image))) this.adopt(image);
      const { offset, read } = await readCompleteLines(fh, this.offset, st.size, (buf, first) => this.parse(buf, first));
      this.offset = offset;
      this.ino = st.ino;
      this.size = read;
      this.generation++;
      return true;
    } finally {
      await fh.close();
    }
  }

  private adopt(image: UidlistImage): void {
    this.reset();
    this.uidValidity = image.uidValidity;
    this.nextUid = image.nextUid;
    this.guid = image.guid;
    this.dup = image.duplicates;
    this.uids = Array.from(image.uids);
    this.bases = new BaseTable(image.packed, image.offsets);
    this.positions = undefined;
    for (let i = 0; i + 1 < image.vsizes.length; i += 2) this.vsizes.set(image.vsizes[i] as number, image.vsizes[i + 1] as number);
    this.offset = image.offset;
    this.ino = image.ino;
  }

  /** The parsed state as of the last complete line read, for the snapshot (which reads the bases table). */
  async image(): Promise<(Omit<UidlistImage, 'packed' | 'offsets'> & { bases: BaseTable }) | undefined> {
    if (!this.exists || this.offset === 0) return undefined;
    const checks = await readChecks(this.path, this.ino, this.offset);
    if (checks === undefined) return undefined;
    const vsizes = new Float64Array(this.vsizes.size * 2);
    let k = 0;
    for (const [uid, v] of this.vsizes) {
      vsizes[k++] = uid;
      vsizes[k++] = v;
    }
    return {
      ino: this.ino,
      offset: this.offset,
      ...checks,
      uidValidity: this.uidValidity,
      nextUid: this.nextUid,
      guid: this.guid,
      duplicates: this.duplicates,
      uids: Uint32Array.from(this.uids),
      bases: this.bases,
      vsizes,
    };
  }

  /** Parses complete lines; returns the bytes consumed. */
  private parse(buf: Buffer, withHeader: boolean): number {
    const lastNl = buf.lastIndexOf(10);
    if (lastNl === -1) return 0;
    const text = buf.toString('utf8', 0, lastNl);
    let pos = 0;
    if (withHeader) {
      const nl = text.indexOf('\n');
      const header = nl === -1 ? text : text.slice(0, nl);
      this.parseHeader(header);
      pos = nl === -1 ? text.length : nl + 1;
    }
    let last = this.uids.length > 0 ? (this.uids[this.uids.length - 1] as number) : 0;
    const len = text.length;
    const positions = this.positionMap();
    while (pos < len) {
      let nl = text.indexOf('\n', pos);
      if (nl === -1) nl = len;
      // The UID by hand: this loop runs 100,000 times on an open.
      let uid = 0;
      let sp = pos;
      for (; sp < nl; sp++) {
        const c = text.charCodeAt(sp) - 48;
        if (c < 0 || c > 9) break;
        uid = uid * 10 + c;
      }
      // IMAP UIDs are 32-bit (and the snapshot stores them so): a bigger one is a corrupt line.
      const ok = sp > pos && text.charCodeAt(sp) === 32 && uid > last && uid <= MAX_UID;
      // Usually " :" follows at once; extensions (W<size>, G<guid>…) sit in between.
      const colon = !ok ? -1 : text.charCodeAt(sp + 1) === 58 ? sp : text.indexOf(' :', sp);
      if (!ok || colon === -1 || colon >= nl || colon + 2 >= nl) {
        this.log.warn('maildir: skipping corrupt uidlist line', { file: this.path, line: text.slice(pos, Math.min(nl, pos + 200)) });
      } else {
        const base = text.slice(colon + 2, nl);
        if (colon > sp) this.parseExtensions(uid, text.slice(sp + 1, colon));
        const known = positions.size;
        positions.set(base, this.uids.length);
        if (positions.size === known) this.dup = true;
        this.uids.push(uid);
        this.bases.push(base);
        this.linesSinceImage++;
        last = uid;
      }
      pos = nl + 1;
    }
    if (last >= this.nextUid) this.nextUid = last + 1;
    return lastNl + 1;
  }

  private parseHeader(line: string): void {
    const parts = line.split(' ');
    if (parts[0] !== '3') {
      this.log.warn('maildir: unsupported uidlist header, rebuilding', { file: this.path, header: line.slice(0, 200) });
      return;
    }
    for (const p of parts.slice(1)) {
      if (p.startsWith('V')) this.uidValidity = Number(p.slice(1)) || 0;
      else if (p.startsWith('N')) this.nextUid = Math.max(1, Number(p.slice(1)) || 1);
      else if (p.startsWith('G')) this.guid = p.slice(1);
    }
  }

  private parseExtensions(uid: number, exts: string): void {
    for (const e of exts.split(' ')) {
      if (e.startsWith('W')) {
        const v = Number(e.slice(1));
        if (Number.isInteger(v) && v >= 0) this.vsizes.set(uid, v);
      }
    }
  }

  uidOf(base: string): number | undefined {
    const p = this.positionMap().get(base);
    return p === undefined ? undefined : this.uids[p];
  }

  /** Header line for a new or compacted file. */
  private headerLine(): string {
    return `3 V${this.uidValidity} N${this.nextUid} G${this.guid}\n`;
  }

  private recordLine(uid: number, base: string, vsize?: number): string {
    return vsize === undefined ? `${uid} :${base}\n` : `${uid} W${vsize} :${base}\n`;
  }

  /**
   * Appends records (caller holds the lock and has refreshed). Assigns ascending UIDs from nextUid.
   * `vsize` is given only for files whose name has no W= field. With `fsync`, `alongside` (directory
   * fsyncs) runs in parallel with the file's and both are done on return.
   */
  async append(entries: ReadonlyArray<{ base: string; vsize?: number | undefined }>, fsync: boolean, alongside: () => Promise<unknown> = async () => {}): Promise<number[]> {
    if (!this.exists || this.uidValidity === 0) await this.create(fsync);
    const uids: number[] = [];
    let text = '';
    for (const e of entries) {
      const uid = this.nextUid++;
      uids.push(uid);
      text += this.recordLine(uid, e.base, e.vsize);
    }
    if (entries.length === 0) {
      if (fsync) await alongside();
      return uids;
    }
    const data = Buffer.from(text, 'utf8');
    // Open, write, fstat and close of a few lines take microseconds: only the fdatasync waits in the pool.
    let fd = -1;
    let st;
    try {
      fd = openSync(this.path, 'a');
      for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
      // The uidlist's fdatasync and the caller's directory fsyncs run side by side: one wait, not two.
      if (fsync) await Promise.all([fdatasyncFd(fd), alongside()]);
      st = fstatSync(fd);
    } catch (err) {
      throw storeErrorFromErrno(err, 'uidlist');
    } finally {
      if (fd !== -1) closeSync(fd);
    }
    if (st.ino === this.ino && st.size === this.size + data.length && this.offset === this.size) {
      // Nobody else wrote (we hold the lock): take our lines as read without reading them back.
      this.parse(data, false);
      this.offset = this.size = st.size;
      this.generation++;
    } else {
      await this.refresh();
    }
    return uids;
  }

  /** Writes a fresh file (header only, or the given live records) by temp + rename. Caller holds the lock. */
  async create(fsync: boolean, keep?: ReadonlySet<number>): Promise<void> {
    const nextUid = this.nextUid;
    if (this.uidValidity === 0) this.uidValidity = newUidValidity();
    if (!/^[0-9a-f]{32}$/.test(this.guid)) this.guid = randomBytes(16).toString('hex');
    let text = this.headerLine();
    if (keep) {
      for (let i = 0; i < this.uids.length; i++) {
        const uid = this.uids[i] as number;
        if (keep.has(uid)) text += this.recordLine(uid, this.bases.at(i), this.vsizes.get(uid));
      }
    }
    const tmp = `${this.path}.tmp`;
    try {
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.write(text);
        if (fsync) await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
      // The rename is durable only with its directory: after a power cut the old uidlist (or none, which
      // means a new UIDVALIDITY) would come back while clients already saw the new one.
      if (fsync) await fsyncDirNow(dirname(this.path));
    } catch (err) {
      throw storeErrorFromErrno(err, 'uidlist');
    }
    const validity = this.uidValidity;
    this.reset();
    await this.refresh();
    // UIDs are never reused: a compaction that dropped the last records still remembers N.
    this.nextUid = Math.max(this.nextUid, nextUid);
    if (this.uidValidity === 0) this.uidValidity = validity;
  }

  /** Number of records whose message is gone, given the live UIDs. */
  deadRecords(live: number): number {
    return this.uids.length - live;
  }

  /** A stat (microseconds, no pool trip) says the file is as last read. */
  private unchangedNow(): boolean {
    const st = statSync(this.path, { throwIfNoEntry: false });
    return st !== undefined && st.ino === this.ino && st.size === this.size;
  }

  /** The file's identity, for the cheap "did anything change" check. */
  async changed(): Promise<boolean> {
    try {
      const st = await stat(this.path);
      return st.ino !== this.ino || st.size !== this.size;
    } catch {
      return this.exists;
    }
  }
}

/** The file's first bytes and the bytes before `offset`, when the file at `path` is still inode `ino`. */
export async function readChecks(path: string, ino: number, offset: number): Promise<{ head: string; tail: string } | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = await fh.stat();
    if (st.ino !== ino || st.size < offset) return undefined;
    return await checkBytes(fh, offset);
  } finally {
    await fh.close();
  }
}

async function checkBytes(fh: FileHandle, offset: number): Promise<{ head: string; tail: string }> {
  const headLen = Math.min(CHECK_BYTES, offset);
  const tailAt = Math.max(0, offset - CHECK_BYTES);
  const buf = Buffer.alloc(headLen + (offset - tailAt));
  await fh.read(buf, 0, headLen, 0);
  await fh.read(buf, headLen, offset - tailAt, tailAt);
  return { head: buf.toString('latin1', 0, headLen), tail: buf.toString('latin1', headLen) };
}

/** An image is used only while the file still starts and continues (up to its offset) as it did. */
export async function imageMatches(fh: FileHandle, image: { offset: number; head: string; tail: string }): Promise<boolean> {
  const c = await checkBytes(fh, image.offset);
  return c.head === image.head && c.tail === image.tail;
}
