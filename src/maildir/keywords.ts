// dovecot-keywords: one `<index> <keyword>` line per keyword; index 0 is the letter 'a' in file names, up to
// 25 ('z'). Written by temp + rename while holding the uidlist lock, so indexes are never reassigned; read
// without a lock whenever the file's size or mtime changes.
import { open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, storeErrorFromErrno } from '../errors.js';

export const KEYWORDS = 'dovecot-keywords';
export const MAX_KEYWORDS = 26;

export function parseKeywords(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+) (\S+)$/.exec(line.trim());
    if (!m) continue;
    const i = Number(m[1]);
    if (i < MAX_KEYWORDS) out[i] = m[2] as string;
  }
  return out;
}

export function formatKeywords(list: readonly (string | undefined)[]): string {
  return list.map((k, i) => (k === undefined ? '' : `${i} ${k}\n`)).join('');
}

export class Keywords {
  readonly path: string;
  list: (string | undefined)[] = [];
  private stamp = '';
  /** Bumped when the list changes: flag arrays derived from letters must be recomputed. */
  generation = 0;

  constructor(dir: string) {
    this.path = join(dir, KEYWORDS);
  }

  async refresh(): Promise<boolean> {
    let st;
    try {
      st = await stat(this.path);
    } catch {
      if (this.stamp === '') return false;
      this.stamp = '';
      this.list = [];
      this.generation++;
      return true;
    }
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (stamp === this.stamp) return false;
    const fh = await open(this.path, 'r');
    try {
      this.list = parseKeywords(await fh.readFile('utf8'));
    } finally {
      await fh.close();
    }
    this.stamp = stamp;
    this.generation++;
    return true;
  }

  /** Index for a keyword (IMAP keywords compare case-insensitively), or -1. */
  indexOf(keyword: string): number {
    const lower = keyword.toLowerCase();
    return this.list.findIndex((k) => k !== undefined && k.toLowerCase() === lower);
  }

  /** Adds missing keywords (caller holds the uidlist lock and has refreshed). */
  async ensure(keywords: readonly string[]): Promise<void> {
    const missing = keywords.filter((k) => this.indexOf(k) === -1);
    if (missing.length === 0) return;
    const next = [...this.list];
    for (const k of new Set(missing)) {
      let slot = next.findIndex((x) => x === undefined);
      if (slot === -1) slot = next.length;
      if (slot >= MAX_KEYWORDS) throw new StoreError('limit', 'too many keywords in this folder (26 at most)');
      next[slot] = k;
    }
    const tmp = `${this.path}.tmp`;
    try {
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(formatKeywords(next));
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      throw storeErrorFromErrno(err, 'keywords');
    }
    await this.refresh();
  }
}
