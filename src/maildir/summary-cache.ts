// `everlock-summaries`: parsed envelope and body structure per message, computed once by the MIME summarizer
// and appended as `<base>\t<json>` lines. On first use the file is indexed (base -> offset, length) without
// keeping the JSON in memory; a lookup is one positioned read. Corrupt or missing entries are recomputed;
// a corrupt file is never fatal. Lines for expunged messages are dropped when the file is rewritten.
//
// Building summaries reads ahead: a miss right after the previous batch (a SEARCH or FETCH walking the folder)
// summarises the next messages too, doubling the batch up to READ_AHEAD, with files read in parallel and the
// new lines appended in one write. An isolated miss reads just its own message.
import { open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Logger } from '../log.js';
import type { MessageSummary } from '../mime/types.js';

export const SUMMARY_FILE = 'everlock-summaries';

/** Largest read-ahead batch, and files read at once within one. */
const READ_AHEAD = 256;
const PARALLEL_READS = 16;

/** Where a message's summary is cached (its base) and its file. */
export interface SummarySubject {
  readonly base: string;
  readonly path: string;
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
    const fh = await open(this.path, 'r');
    try {
      const len = st.size - this.indexedSize;
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(buf, 0, len, this.indexedSize);
      let pos = 0;
      for (;;) {
        const nl = buf.indexOf(10, pos);
        if (nl === -1 || nl >= bytesRead) break;
        const tab = buf.indexOf(9, pos);
        if (tab !== -1 && tab < nl) {
          this.index.set(buf.toString('latin1', pos, tab), { offset: this.indexedSize + tab + 1, length: nl - tab - 1 });
        }
        pos = nl + 1;
      }
      this.indexedSize += pos;
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
    const cached = await this.get(target.base);
    if (cached) return cached;

    const sequential = pos >= this.nextPos - this.window && pos <= this.nextPos + this.window;
    this.window = sequential ? Math.min(READ_AHEAD, Math.max(1, this.window * 2)) : 1;
    const batch: SummarySubject[] = [target];
    let k = pos + 1;
    for (; k < items.length && batch.length < this.window; k++) {
      const s = subject(items[k] as T);
      if (!this.index.has(s.base) && !this.inflight.has(s.base) && !this.ready.has(s.base)) batch.push(s);
    }
    this.nextPos = k;
    if (this.ready.size > 4 * READ_AHEAD) this.ready.clear(); // read ahead for a walk that stopped
    const work = this.build(batch, summarize);
    for (const s of batch) this.inflight.set(s.base, work);
    try {
      await work;
    } finally {
      for (const s of batch) if (this.inflight.get(s.base) === work) this.inflight.delete(s.base);
    }
    return this.take(target.base);
  }

  private take(base: string): MessageSummary | undefined {
    const s = this.ready.get(base);
    if (s !== undefined) this.ready.delete(base);
    return s;
  }

  /** Summarises a batch (files read in parallel) and appends its lines in one write. */
  private async build(batch: readonly SummarySubject[], summarize: (source: Readable) => Promise<MessageSummary>): Promise<void> {
    const lines: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batch.length) {
        const s = batch[next++]!;
        let summary: MessageSummary;
        try {
          summary = await summarize(Readable.from([await readFile(s.path)]));
        } catch {
          continue; // renamed or removed meanwhile, or unparseable: left to the caller's own path
        }
        this.ready.set(s.base, summary);
        lines.push(`${s.base}\t${JSON.stringify(summary)}\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, batch.length) }, worker));
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
