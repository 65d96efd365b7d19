// `everlock-modseq`: per-message MODSEQ (RFC 7162), plus the internal date and CRLF size so a warm open needs
// no stat() per file. An append-only log beside the uidlist, written only under the uidlist lock:
//   E1 V<uidvalidity>
//   <uid> <modseq> <internal date ms> <crlf size> :<info letters>
//   <uid> <modseq> X                                  (expunged)
// The last line for a UID wins. Recording the info letters lets any process see that a file's flags were
// changed by someone who did not log it (Dovecot, a crash between rename and log) and bump the MODSEQ then.
// It is a cache: missing, corrupt or for another UIDVALIDITY, it is rebuilt from the files (every message
// gets MODSEQ 1 again; HIGHESTMODSEQ restarts, which CONDSTORE clients see as a full resync).
import { closeSync, fstatSync, openSync, statSync, writeSync } from 'node:fs';
import { open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { storeErrorFromErrno } from '../errors.js';
import { MAX_UID, imageMatches, readChecks } from './uidlist.js';
import { readCompleteLines } from './line-reader.js';

export const MODSEQ_FILE = 'everlock-modseq';

export interface ModseqRecord {
  modseq: number;
  /** INTERNALDATE ms; -1 for an expunge record. */
  date: number;
  vsize: number;
  info: string;
}

export interface NewRecord {
  uid: number;
  date: number;
  vsize: number;
  info: string;
}

/** What the snapshot keeps of a parsed log (see UidlistImage). */
export interface ModseqImage {
  readonly ino: number;
  readonly offset: number;
  readonly head: string;
  readonly tail: string;
  readonly validity: number;
  readonly highest: number;
  readonly lines: number;
  readonly uids: Uint32Array;
  readonly modseqs: Float64Array;
  readonly dates: Float64Array;
  readonly vsizes: Float64Array;
  readonly infoIds: Uint32Array;
  readonly infos: readonly string[];
}

export class ModseqLog {
  readonly path: string;
  // One slot per UID in growable typed columns: no object or Map entry per message. Slots are in ascending
  // UID order as long as records arrive that way (they do: UIDs are assigned ascending and a compaction
  // rewrites in order), so a UID is found by a hinted binary search; out of order, a Map is built instead.
  private n = 0;
  private uidCol: Uint32Array = new Uint32Array(0);
  private modseqCol: Float64Array = new Float64Array(0);
  private dateCol: Float64Array = new Float64Array(0);
  private vsizeCol: Float64Array = new Float64Array(0);
  private infoCol: Uint32Array = new Uint32Array(0);
  /** Flag letter strings, interned: a folder has a few dozen distinct ones. */
  private infos: string[] = [''];
  private infoIds = new Map<string, number>([['', 0]]);
  private sorted = true;
  private index: Map<number, number> | undefined;
  private hint = 0;
  highest = 0;
  private validity = 0;
  private ino = -1;
  private offset = 0;
  private size = -1;
  private lines = 0;
  /** Lines parsed from text since the last image was taken or adopted. */
  linesSinceImage = 0;

  constructor(
    dir: string,
    private readonly log: Logger,
  ) {
    this.path = join(dir, MODSEQ_FILE);
  }

  /** The last record for a UID (date -1: expunged). */
  get(uid: number): ModseqRecord | undefined {
    const s = this.slotOf(uid);
    if (s === undefined) return undefined;
    return { modseq: this.modseqAt(s), date: this.dateAt(s), vsize: this.vsizeAt(s), info: this.infoAt(s) };
  }

  get isEmpty(): boolean {
    return this.n === 0;
  }

  has(uid: number): boolean {
    return this.slotOf(uid) !== undefined;
  }

  /** Slot of a UID for the hot path (reconcile); read with modseqAt/dateAt/vsizeAt/infoAt. */
  slotOf(uid: number): number | undefined {
    if (!this.sorted) {
      if (this.index === undefined) {
        this.index = new Map();
        for (let s = 0; s < this.n; s++) this.index.set(this.uidCol[s] as number, s);
      }
      return this.index.get(uid);
    }
    const col = this.uidCol;
    // Callers mostly walk UIDs in ascending order: try the slot after the last one found.
    const h = this.hint;
    if (h < this.n && col[h] === uid) {
      this.hint = h + 1;
      return h;
    }
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const u = col[mid] as number;
      if (u === uid) {
        this.hint = mid + 1;
        return mid;
      }
      if (u < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
  modseqAt(slot: number): number {
    return this.modseqCol[slot] as number;
  }
  dateAt(slot: number): number {
    return this.dateCol[slot] as number;
  }
  vsizeAt(slot: number): number {
    return this.vsizeCol[slot] as number;
  }
  infoAt(slot: number): string {
    return this.infos[this.infoCol[slot] as number] as string;
  }

  /** UIDs whose last record is not an expunge. */
  liveUids(): Set<number> {
    const live = new Set<number>();
    for (let s = 0; s < this.n; s++) if ((this.dateCol[s] as number) >= 0) live.add(this.uidCol[s] as number);
    return live;
  }

  /** How many UIDs have a last record that is not an expunge. */
  liveCount(): number {
    let c = 0;
    for (let s = 0; s < this.n; s++) if ((this.dateCol[s] as number) >= 0) c++;
    return c;
  }

  private grow(min: number): void {
    const cap = Math.max(min, this.uidCol.length * 2, 1024);
    const n = this.n;
    const u32 = (old: Uint32Array): Uint32Array => {
      const a = new Uint32Array(cap);
      a.set(old.subarray(0, n));
      return a;
    };
    const f64 = (old: Float64Array): Float64Array => {
      const a = new Float64Array(cap);
      a.set(old.subarray(0, n));
      return a;
    };
    this.uidCol = u32(this.uidCol);
    this.modseqCol = f64(this.modseqCol);
    this.dateCol = f64(this.dateCol);
    this.vsizeCol = f64(this.vsizeCol);
    this.infoCol = u32(this.infoCol);
  }

  private internInfo(info: string): number {
    let id = this.infoIds.get(info);
    if (id === undefined) {
      id = this.infos.length;
      this.infos.push(info);
      this.infoIds.set(info, id);
    }
    return id;
  }

  private set(uid: number, modseq: number, date: number, vsize: number, info: string): void {
    let s = this.n > 0 && this.sorted && uid > (this.uidCol[this.n - 1] as number) ? undefined : this.slotOf(uid);
    if (s === undefined) {
      s = this.n;
      if (s === this.uidCol.length) this.grow(s + 1);
      if (s > 0 && this.sorted && (this.uidCol[s - 1] as number) > uid) this.sorted = false;
      this.uidCol[s] = uid;
      this.n++;
      this.index?.set(uid, s);
    }
    this.modseqCol[s] = modseq;
    this.dateCol[s] = date;
    this.vsizeCol[s] = vsize;
    this.infoCol[s] = info === '' ? 0 : this.internInfo(info);
    if (modseq > this.highest) this.highest = modseq;
  }

  private reset(): void {
    this.n = 0;
    this.uidCol = new Uint32Array(0);
    this.modseqCol = new Float64Array(0);
    this.dateCol = new Float64Array(0);
    this.vsizeCol = new Float64Array(0);
    this.infoCol = new Uint32Array(0);
    this.infos = [''];
    this.infoIds = new Map([['', 0]]);
    this.sorted = true;
    this.index = undefined;
    this.hint = 0;
    this.highest = 0;
    this.validity = 0;
    this.ino = -1;
    this.offset = 0;
    this.size = -1;
    this.lines = 0;
    this.linesSinceImage = 0;
  }

  private adopt(image: ModseqImage): void {
    this.reset();
    const n = image.uids.length;
    this.grow(n);
    this.uidCol.set(image.uids);
    this.modseqCol.set(image.modseqs);
    this.dateCol.set(image.dates);
    this.vsizeCol.set(image.vsizes);
    this.infoCol.set(image.infoIds);
    this.n = n;
    this.infos = [...image.infos];
    this.infoIds = new Map(this.infos.map((s, i) => [s, i]));
    for (let s = 1; s < n; s++) {
      if ((this.uidCol[s - 1] as number) >= (this.uidCol[s] as number)) {
        this.sorted = false;
        break;
      }
    }
    this.highest = image.highest;
    this.validity = image.validity;
    this.lines = image.lines;
    this.offset = image.offset;
    this.ino = image.ino;
  }

  /** The parsed state as of the last complete line read, for the snapshot. */
  async image(): Promise<ModseqImage | undefined> {
    if (this.ino === -1 || this.offset === 0 || this.validity === 0) return undefined;
    const checks = await readChecks(this.path, this.ino, this.offset);
    if (checks === undefined) return undefined;
    const n = this.n;
    return {
      ino: this.ino,
      offset: this.offset,
      ...checks,
      validity: this.validity,
      highest: this.highest,
      lines: this.lines,
      // Views, not copies: the snapshot is written before this log changes again (both under the folder's lock).
      uids: this.uidCol.subarray(0, n),
      modseqs: this.modseqCol.subarray(0, n),
      dates: this.dateCol.subarray(0, n),
      vsizes: this.vsizeCol.subarray(0, n),
      infoIds: this.infoCol.subarray(0, n),
      infos: [...this.infos],
    };
  }

  /** Reads new lines; a file for another UIDVALIDITY counts as missing. `image`: see Uidlist.refresh. */
  async refresh(uidValidity: number, image?: ModseqImage): Promise<boolean> {
    if (this.ino !== -1 && image === undefined && this.validity === uidValidity) {
      // A stat (microseconds, no pool trip) says the file is as last read.
      const st = statSync(this.path, { throwIfNoEntry: false });
      if (st !== undefined && st.ino === this.ino && st.size === this.size) return false;
    }
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw storeErrorFromErrno(err, 'modseq cache');
      const had = this.ino !== -1;
      this.reset();
      return had;
    }
    try {
      const st = await fh.stat();
      if (st.ino === this.ino && st.size === this.size && this.validity === uidValidity) return false;
      if (st.ino !== this.ino || st.size < this.offset || this.validity !== uidValidity) this.reset();
      if (image !== undefined && this.ino === -1 && image.ino === st.ino && image.validity === uidValidity && image.offset <= st.size && (await imageMatches(fh, image))) this.adopt(image);
      const { offset, read } = await readCompleteLines(fh, this.offset, st.size, (buf, first) => this.parse(buf, first));
      this.offset = offset;
      this.ino = st.ino;
      this.size = read;
      if (this.validity !== uidValidity) {
        if (this.ino !== -1 && this.size > 0) this.log.info('maildir: modseq cache is for another UIDVALIDITY, rebuilding', { file: this.path });
        this.reset();
        this.ino = st.ino; // keep the identity so a repeated refresh is cheap until it is rewritten
        this.size = st.size;
        this.offset = st.size;
      }
      return true;
    } finally {
      await fh.close();
    }
  }

  private parse(buf: Buffer, withHeader: boolean): number {
    const lastNl = buf.lastIndexOf(10);
    if (lastNl === -1) return 0;
    const text = buf.toString('latin1', 0, lastNl);
    let pos = 0;
    if (withHeader) {
      const nl = text.indexOf('\n');
      const m = /^E1 V(\d+)/.exec(text.slice(0, nl === -1 ? text.length : nl));
      this.validity = m ? Number(m[1]) : 0;
      pos = nl === -1 ? text.length : nl + 1;
    }
    let bad = 0;
    const len = text.length;
    // Hand-rolled field scanning: this runs over 100,000 lines on a cold open.
    const num = (): number => {
      let n = 0;
      let digits = 0;
      for (; pos < len; pos++) {
        const c = text.charCodeAt(pos) - 48;
        if (c < 0 || c > 9) break;
        n = n * 10 + c;
        digits++;
      }
      return digits > 0 ? n : -1;
    };
    while (pos < len) {
      let nl = text.indexOf('\n', pos);
      if (nl === -1) nl = len;
      const uid = num();
      let ok = uid >= 0 && uid <= MAX_UID && text.charCodeAt(pos) === 32;
      pos++;
      const modseq = ok ? num() : -1;
      ok = ok && modseq > 0 && text.charCodeAt(pos) === 32;
      pos++;
      if (ok && text.charCodeAt(pos) === 88 /* X */ && pos + 1 === nl) {
        // UID 0 only carries HIGHESTMODSEQ across a compaction.
        if (uid > 0) this.set(uid, modseq, -1, 0, '');
        else if (modseq > this.highest) this.highest = modseq;
      } else if (ok && uid > 0) {
        const date = num();
        ok = date >= 0 && text.charCodeAt(pos) === 32;
        pos++;
        const vsize = ok ? num() : -1;
        ok = ok && vsize >= 0 && text.charCodeAt(pos) === 32 && text.charCodeAt(pos + 1) === 58; /* " :" */
        if (ok) this.set(uid, modseq, date, vsize, pos + 2 === nl ? '' : text.slice(pos + 2, nl));
        else bad++;
      } else {
        bad++;
      }
      this.lines++;
      this.linesSinceImage++;
      pos = nl + 1;
    }
    if (bad > 0) this.log.warn('maildir: skipped corrupt modseq cache lines', { file: this.path, lines: bad });
    return lastNl + 1;
  }

  /** Cheap check: has anyone written since the last refresh? */
  async changed(): Promise<boolean> {
    try {
      const st = await stat(this.path);
      return st.ino !== this.ino || st.size !== this.size;
    } catch {
      return this.ino !== -1;
    }
  }

  get recordCount(): number {
    return this.lines;
  }

  /**
   * Appends records with fresh MODSEQs (caller holds the lock and has refreshed). Every record in one call
   * gets the same new MODSEQ: they are one change.
   */
  async append(uidValidity: number, added: readonly NewRecord[], expunged: readonly number[]): Promise<number> {
    if (added.length === 0 && expunged.length === 0) return this.highest;
    const modseq = this.highest + 1;
    let text = '';
    if (this.validity !== uidValidity || this.size <= 0) {
      await this.rewrite(uidValidity, new Set());
    }
    for (const r of added) text += `${r.uid} ${modseq} ${Math.round(r.date)} ${r.vsize} :${r.info}\n`;
    for (const uid of expunged) text += `${uid} ${modseq} X\n`;
    const data = Buffer.from(text, 'latin1');
    // A cache append under the lock: open, write, fstat and close take microseconds, no pool trips.
    let fd = -1;
    let st;
    try {
      fd = openSync(this.path, 'a', 0o600);
      for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
      st = fstatSync(fd);
    } catch (err) {
      throw storeErrorFromErrno(err, 'modseq cache');
    } finally {
      if (fd !== -1) closeSync(fd);
    }
    if (st.ino === this.ino && st.size === this.size + data.length && this.offset === this.size && this.validity === uidValidity) {
      this.parse(data, false);
      this.offset = this.size = st.size;
    } else {
      await this.refresh(uidValidity);
    }
    return modseq;
  }

  /** Rewrites the log with only the given live UIDs (temp + rename); caller holds the lock. */
  async rewrite(uidValidity: number, live: ReadonlySet<number>): Promise<void> {
    const highest = this.highest;
    let text = `E1 V${uidValidity}\n`;
    const parts: string[] = [];
    for (const uid of [...live].sort((x, y) => x - y)) {
      const s = this.slotOf(uid);
      if (s !== undefined && this.dateAt(s) >= 0) parts.push(`${uid} ${this.modseqAt(s)} ${this.dateAt(s)} ${this.vsizeAt(s)} :${this.infoAt(s)}\n`);
    }
    text += parts.join('');
    // Keep HIGHESTMODSEQ even if the record that carried it was dropped.
    if (highest > 0) text += `0 ${highest} X\n`;
    const tmp = `${this.path}.tmp`;
    try {
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.write(text);
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      throw storeErrorFromErrno(err, 'modseq cache');
    }
    this.reset();
    await this.refresh(uidValidity);
  }

  wantsCompaction(live: number): boolean {
    return this.lines > 2 * live + 1000;
  }
}
