// `everlock-summaries`: parsed envelope and body structure per message, computed once by the MIME summarizer
// and appended as `<base>\t<json>` lines. On first use the file is indexed (base -> offset, length) without
// keeping the JSON in memory; a lookup is one positioned read. Corrupt or missing entries are recomputed;
// a corrupt file is never fatal. Lines for expunged messages are dropped when the file is rewritten.
//
// Lookups read ahead when the caller walks the folder in order (a SEARCH or FETCH over many messages): the
// batch doubles up to READ_AHEAD. Cached entries of a batch come from one read of the span that holds them;
// missing ones are summarised from their files, read synchronously in small chunks (for small, page-cached
// files one synchronous read costs a tenth of a thread-pool round trip per syscall; the event loop gets a
// turn between chunks), and their lines are appended in one write. An isolated lookup reads only its own.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from '../log.js';
import type { MessageSummary } from '../mime/types.js';
import { messageStream } from '../mime/message-stream.js';

export const SUMMARY_FILE = 'everlock-summaries';

/** Largest read-ahead batch. */
const READ_AHEAD = 256;
/** Message files read synchronously between two turns of the event loop, and the largest read so. */
const SYNC_CHUNK = 32;
const SYNC_READ_MAX = 256 * 1024;
/** The cache file is indexed this much at a time. */
const INDEX_CHUNK = 1024 * 1024;
/** Largest span of the cache file read in one go for cached entries. */
const SPAN_MAX = 4 * 1024 * 1024;

/** Where a message's summary is cached (its base) and its file, with its size (a hint for how to read it). */
export interface SummarySubject {
  readonly base: string;
  readonly path: string;
  readonly size: number;
}

export class SummaryCache {
  readonly path: string;
  private index = new Map<string, { offset: number; length: number }>();
  private indexedIno = -1;
  private indexedSize = 0;
  /** Summaries built ahead of their request, taken out when asked for. */
  private ready = new Map<string, MessageSummary>();
  /** Bases being summarised now, so a second reader waits instead of doing it again. */
  private readonly inflight = new Map<string, Promise<void>>();
  /** Read-ahead: the position just after the last batch, and that batch's size. */
  private nextPos = -1;
  private window = 0;

  constructor(
    dir: string,
    private readonly log: Logger,
  ) {
    this.path = join(dir, SUMMARY_FILE);
  }

  /** Brings the index up to date with lines appended by anyone since the last look. */
  private async refresh(): Promise<void> {
    let st;
    try {
      st = await stat(this.path);
    } catch {
      this.index.clear();
      this.indexedIno = -1;
      this.indexedSize = 0;
      return;
    }
    if (st.ino === this.indexedIno && st.size === this.indexedSize) return;
    if (st.ino !== this.indexedIno || st.size < this.indexedSize) {
      this.index.clear();
      this.indexedSize = 0;
    }
    // In chunks from the last indexed line: a large cache is indexed without holding the whole file.
    const fh = await open(this.path, 'r');
    try {
      let chunk = INDEX_CHUNK;
      while (this.indexedSize < st.size) {
        const len = Math.min(chunk, st.size - this.indexedSize);
        const buf = Buffer.allocUnsafe(len);
        const { bytesRead } = await fh.read(buf, 0, len, this.indexedSize);
        let pos = 0;
        for (;;) {
          const nl = buf.indexOf(10, pos);
          if (nl === -1 || nl >= bytesRead) break;
          const tab = buf.subarray(pos, nl).indexOf(9);
          if (tab !== -1) this.index.set(buf.toString('latin1', pos, pos + tab), { offset: this.indexedSize + pos + tab + 1, length: nl - pos - tab - 1 });
          pos = nl + 1;
        }
        if (pos === 0) {
          if (bytesRead < len || len === st.size - this.indexedSize) break; // a last line still being written
          chunk *= 2; // one line longer than the chunk
          continue;
        }
        this.indexedSize += pos;
      }
      this.indexedIno = st.ino;
    } finally {
      await fh.close();
    }
  }

  async get(base: string): Promise<MessageSummary | undefined> {
    await this.refresh();
    const at = this.index.get(base);
    if (!at) return undefined;
    try {
      const fh = await open(this.path, 'r');
      try {
        const buf = Buffer.allocUnsafe(at.length);
        await fh.read(buf, 0, at.length, at.offset);
        return JSON.parse(buf.toString('utf8')) as MessageSummary;
      } finally {
        await fh.close();
      }
    } catch (err) {
      this.log.warn('maildir: corrupt summary cache entry, recomputing', { file: this.path, error: err });
      this.index.delete(base);
      return undefined;
    }
  }

  /**
   * The summary of `items[pos]`: from memory if read ahead, else from the file, else built from the message
   * file together with the uncached messages after it when the caller walks the folder in order. Undefined
   * when the message file could not be read here (the caller then goes the slow way, which re-syncs).
   */
  async lookup<T>(
    items: readonly T[],
    pos: number,
    subject: (item: T) => SummarySubject,
    summarize: (source: Readable) => Promise<MessageSummary>,
  ): Promise<MessageSummary | undefined> {
    const target = subject(items[pos] as T);
    const early = this.take(target.base);
    if (early) return early;
    const pending = this.inflight.get(target.base);
    if (pending) {
      await pending;
      const done = this.take(target.base);
      if (done) return done;
    }
    const sequential = pos >= this.nextPos - this.window && pos <= this.nextPos + this.window;
    this.window = sequential ? Math.min(READ_AHEAD, Math.max(1, this.window * 2)) : 1;
    if (this.window === 1) {
      const cached = await this.get(target.base);
      if (cached) {
        this.nextPos = pos + 1;
        return cached;
      }
    } else await this.refresh();
    if (this.ready.size > 4 * READ_AHEAD) this.ready.clear(); // read ahead for a walk that stopped

    // The batch: this message and the next ones nobody has (or is building) in memory yet.
    const cached: SummarySubject[] = [];
    const missing: SummarySubject[] = [];
    let k = pos;
    for (; k < items.length && cached.length + missing.length < this.window; k++) {
      const s = k === pos ? target : subject(items[k] as T);
      if (k > pos && (this.inflight.has(s.base) || this.ready.has(s.base))) continue;
      (this.index.has(s.base) ? cached : missing).push(s);
    }
    this.nextPos = k;
    if (cached.length > 0) this.readCached(cached);
    if (missing.length > 0) {
      const work = this.build(missing, summarize);
      for (const s of missing) this.inflight.set(s.base, work);
      try {
        await work;
      } finally {
        for (const s of missing) if (this.inflight.get(s.base) === work) this.inflight.delete(s.base);
      }
    }
    return this.take(target.base);
  }

  /** Cached entries into `ready`: one read of the span holding them when it is dense enough, else one each. */
  private readCached(subjects: readonly SummarySubject[]): void {
    const at = subjects.map((s) => this.index.get(s.base)!);
    let lo = Infinity;
    let hi = 0;
    let total = 0;
    for (const a of at) {
      lo = Math.min(lo, a.offset);
      hi = Math.max(hi, a.offset + a.length);
      total += a.length;
    }
    let fd: number | undefined;
    try {
      fd = openSync(this.path, 'r');
      const dense = hi - lo <= SPAN_MAX && hi - lo <= 2 * total;
      const span = dense ? Buffer.allocUnsafe(hi - lo) : undefined;
      if (span) readSync(fd, span, 0, span.length, lo);
      subjects.forEach((s, i) => {
        const a = at[i]!;
        let text: string;
        if (span) text = span.toString('utf8', a.offset - lo, a.offset - lo + a.length);
        else {
          const buf = Buffer.allocUnsafe(a.length);
          readSync(fd!, buf, 0, a.length, a.offset);
          text = buf.toString('utf8');
        }
        try {
          this.ready.set(s.base, JSON.parse(text) as MessageSummary);
        } catch (err) {
          this.log.warn('maildir: corrupt summary cache entry, recomputing', { file: this.path, error: err });
          this.index.delete(s.base);
        }
      });
    } catch (err) {
      this.log.warn('maildir: cannot read summary cache', { file: this.path, error: err });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  private take(base: string): MessageSummary | undefined {
    const s = this.ready.get(base);
    if (s !== undefined) this.ready.delete(base);
    return s;
  }

  /** Summarises a batch and appends its lines in one write. */
  private async build(batch: readonly SummarySubject[], summarize: (source: Readable) => Promise<MessageSummary>): Promise<void> {
    const lines: string[] = [];
    for (let i = 0; i < batch.length; i++) {
      if (i > 0 && i % SYNC_CHUNK === 0) await new Promise((r) => setImmediate(r));
      const s = batch[i]!;
      let summary: MessageSummary;
      try {
        const source = s.size <= SYNC_READ_MAX ? readSmall(s.path, s.size) : await readFile(s.path);
        summary = await summarize(messageStream(source));
      } catch {
        continue; // renamed or removed meanwhile, or unparseable: left to the caller's own path
      }
      this.ready.set(s.base, summary);
      lines.push(`${s.base}\t${JSON.stringify(summary)}\n`);
    }
    await this.append(lines.join(''));
  }

  /** One O_APPEND write per entry: concurrent writers never interleave inside a line. */
  async put(base: string, summary: MessageSummary): Promise<void> {
    await this.append(`${base}\t${JSON.stringify(summary)}\n`);
  }

  /** Whole lines in one O_APPEND write: concurrent writers never interleave inside a line. */
  private async append(line: string): Promise<void> {
    if (line === '') return;
    try {
      const fh = await open(this.path, 'a', 0o600);
      try {
        await fh.write(line);
      } finally {
        await fh.close();
      }
    } catch (err) {
      this.log.warn('maildir: cannot write summary cache', { file: this.path, error: err });
    }
  }

  /** Rewrites the file with only live bases when most of it is dead (caller holds the uidlist lock). */
  async compact(live: ReadonlySet<string>): Promise<void> {
    await this.refresh();
    if (this.index.size < 1000 || this.index.size < live.size * 2) return;
    const fh = await open(this.path, 'r');
    const tmp = `${this.path}.tmp`;
    try {
      const out = await open(tmp, 'w', 0o600);
      try {
        for (const [base, at] of this.index) {
          if (!live.has(base)) continue;
          const buf = Buffer.allocUnsafe(at.length);
          await fh.read(buf, 0, at.length, at.offset);
          await out.write(`${base}\t${buf.toString('utf8')}\n`);
        }
      } finally {
        await out.close();
      }
      await rename(tmp, this.path);
    } finally {
      await fh.close();
    }
  }
}

/** A small file read synchronously: one read sized by the hint, a second only when the file is larger. */
function readSmall(path: string, hint: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(hint + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    if (n <= hint) return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
  return readFileSync(path);
}
