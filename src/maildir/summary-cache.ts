// `everlock-summaries`: parsed envelope and body structure per message, computed once by the MIME summarizer
// and appended as `<base>\t<json>` lines. On first use the file is indexed (base -> offset, length) without
// keeping the JSON in memory; a lookup is one positioned read. Corrupt or missing entries are recomputed;
// a corrupt file is never fatal. Lines for expunged messages are dropped when the file is rewritten.
import { open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { MessageSummary } from '../mime/types.js';

export const SUMMARY_FILE = 'everlock-summaries';

export class SummaryCache {
  readonly path: string;
  private index = new Map<string, { offset: number; length: number }>();
  private indexedIno = -1;
  private indexedSize = 0;

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

  /** One O_APPEND write per entry: concurrent writers never interleave inside a line. */
  async put(base: string, summary: MessageSummary): Promise<void> {
    const line = `${base}\t${JSON.stringify(summary)}\n`;
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
