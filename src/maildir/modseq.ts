// `everlock-modseq`: per-message MODSEQ (RFC 7162), plus the internal date and CRLF size so a warm open needs
// no stat() per file. An append-only log beside the uidlist, written only under the uidlist lock:
//   E1 V<uidvalidity>
//   <uid> <modseq> <internal date ms> <crlf size> :<info letters>
//   <uid> <modseq> X                                  (expunged)
// The last line for a UID wins. Recording the info letters lets any process see that a file's flags were
// changed by someone who did not log it (Dovecot, a crash between rename and log) and bump the MODSEQ then.
// It is a cache: missing, corrupt or for another UIDVALIDITY, it is rebuilt from the files (every message
// gets MODSEQ 1 again; HIGHESTMODSEQ restarts, which CONDSTORE clients see as a full resync).
import { open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { storeErrorFromErrno } from '../errors.js';

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

export class ModseqLog {
  readonly path: string;
  /** uid -> slot in the parallel arrays below: no object per message, so 100,000 records stay cheap. */
  private readonly slots = new Map<number, number>();
  private modseqs: number[] = [];
  private dates: number[] = [];
  private vsizes: number[] = [];
  private infos: string[] = [];
  highest = 0;
  private validity = 0;
  private ino = -1;
  private offset = 0;
  private size = -1;
  private lines = 0;

  constructor(
    dir: string,
    private readonly log: Logger,
  ) {
    this.path = join(dir, MODSEQ_FILE);
  }

  /** The last record for a UID (date -1: expunged). */
  get(uid: number): ModseqRecord | undefined {
    const s = this.slots.get(uid);
    if (s === undefined) return undefined;
    return { modseq: this.modseqs[s] as number, date: this.dates[s] as number, vsize: this.vsizes[s] as number, info: this.infos[s] as string };
  }

  get isEmpty(): boolean {
    return this.slots.size === 0;
  }

  has(uid: number): boolean {
    return this.slots.has(uid);
  }

  /** Slot of a UID for the hot path (reconcile); read with modseqAt/dateAt/vsizeAt/infoAt. */
  slotOf(uid: number): number | undefined {
    return this.slots.get(uid);
  }
  modseqAt(slot: number): number {
    return this.modseqs[slot] as number;
  }
  dateAt(slot: number): number {
    return this.dates[slot] as number;
  }
  vsizeAt(slot: number): number {
    return this.vsizes[slot] as number;
  }
  infoAt(slot: number): string {
    return this.infos[slot] as string;
  }

  /** UIDs whose last record is not an expunge. */
  liveUids(): Set<number> {
    const live = new Set<number>();
    for (const [uid, s] of this.slots) if ((this.dates[s] as number) >= 0) live.add(uid);
    return live;
  }

  private set(uid: number, modseq: number, date: number, vsize: number, info: string): void {
    let s = this.slots.get(uid);
    if (s === undefined) {
      s = this.modseqs.length;
      this.slots.set(uid, s);
    }
    this.modseqs[s] = modseq;
    this.dates[s] = date;
    this.vsizes[s] = vsize;
    this.infos[s] = info;
    if (modseq > this.highest) this.highest = modseq;
  }

  private reset(): void {
    this.slots.clear();
    this.modseqs = [];
    this.dates = [];
    this.vsizes = [];
    this.infos = [];
    this.highest = 0;
    this.validity = 0;
    this.ino = -1;
    this.offset = 0;
    this.size = -1;
    this.lines = 0;
  }

  /** Reads new lines; a file for another UIDVALIDITY counts as missing. */
  async refresh(uidValidity: number): Promise<boolean> {
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
      const start = this.offset;
      const len = st.size - start;
      const buf = Buffer.allocUnsafe(len);
      let got = 0;
      while (got < len) {
        const { bytesRead } = await fh.read(buf, got, len - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      this.offset = start + this.parse(buf.subarray(0, got), start === 0);
      this.ino = st.ino;
      this.size = start + got;
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
      let ok = uid >= 0 && text.charCodeAt(pos) === 32;
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
    let fh;
    let st;
    try {
      fh = await open(this.path, 'a', 0o600);
      await fh.write(data);
      st = await fh.stat();
    } catch (err) {
      throw storeErrorFromErrno(err, 'modseq cache');
    } finally {
      await fh?.close();
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
    for (const uid of [...live].sort((x, y) => x - y)) {
      const r = this.get(uid);
      if (r && r.date >= 0) text += `${uid} ${r.modseq} ${r.date} ${r.vsize} :${r.info}\n`;
    }
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
