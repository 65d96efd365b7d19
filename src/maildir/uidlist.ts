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
import { randomBytes } from 'node:crypto';
import { open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { storeErrorFromErrno } from '../errors.js';

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

export class Uidlist {
  readonly path: string;
  uidValidity = 0;
  nextUid = 1;
  guid = '';
  /** base -> position in uids/bases (the last line for a base wins), live or expunged until compaction. */
  readonly posOf = new Map<string, number>();
  /** Records in file order (ascending UID): parallel arrays keep 100,000 entries cheap. */
  uids: number[] = [];
  bases: string[] = [];
  /** Some base has more than one line (Dovecot tolerates it; the last line wins). */
  duplicates = false;
  /** Records with a W extension (files named without W=). */
  readonly vsizes = new Map<number, number>();
  private ino = -1;
  private offset = 0;
  private size = -1;
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

  private reset(): void {
    this.posOf.clear();
    this.duplicates = false;
    this.vsizes.clear();
    this.uids = [];
    this.bases = [];
    this.offset = 0;
    this.ino = -1;
    this.size = -1;
    this.nextUid = 1;
    this.uidValidity = 0;
    this.guid = '';
    this.generation++;
  }

  /** Re-reads what changed since the last call; returns true when records or header changed. */
  async refresh(): Promise<boolean> {
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
      const start = this.offset;
      const len = st.size - start;
      const buf = Buffer.allocUnsafe(len);
      let got = 0;
      while (got < len) {
        const { bytesRead } = await fh.read(buf, got, len - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const consumed = this.parse(buf.subarray(0, got), start === 0);
      this.offset = start + consumed;
      this.ino = st.ino;
      this.size = start + got;
      this.generation++;
      return true;
    } finally {
      await fh.close();
    }
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
      const ok = sp > pos && text.charCodeAt(sp) === 32 && uid > last;
      // Usually " :" follows at once; extensions (W<size>, G<guid>…) sit in between.
      const colon = !ok ? -1 : text.charCodeAt(sp + 1) === 58 ? sp : text.indexOf(' :', sp);
      if (!ok || colon === -1 || colon >= nl || colon + 2 >= nl) {
        this.log.warn('maildir: skipping corrupt uidlist line', { file: this.path, line: text.slice(pos, Math.min(nl, pos + 200)) });
      } else {
        const base = text.slice(colon + 2, nl);
        if (colon > sp) this.parseExtensions(uid, text.slice(sp + 1, colon));
        const known = this.posOf.size;
        this.posOf.set(base, this.uids.length);
        if (this.posOf.size === known) this.duplicates = true;
        this.uids.push(uid);
        this.bases.push(base);
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
    const p = this.posOf.get(base);
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
    let fh;
    let st;
    try {
      fh = await open(this.path, 'a');
      await fh.write(data);
      // The uidlist's fdatasync and the caller's directory fsyncs run side by side: one wait, not two.
      if (fsync) await Promise.all([fh.datasync(), alongside()]);
      st = await fh.stat();
    } catch (err) {
      throw storeErrorFromErrno(err, 'uidlist');
    } finally {
      await fh?.close();
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
        if (keep.has(uid)) text += this.recordLine(uid, this.bases[i] as string, this.vsizes.get(uid));
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
