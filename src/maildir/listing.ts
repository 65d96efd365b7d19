// Listing new/ and cur/ without re-reading an unchanged directory. A listing is reused only while the
// directory's mtime and inode are unchanged *and* the mtime was already older than the clock's coarse
// granularity when we looked: a rename in the same tick as the previous one would otherwise go unseen.
import { readdir, stat } from 'node:fs/promises';
import { storeErrorFromErrno } from '../errors.js';
import { isMessageName } from './filename.js';

const TRUST_AFTER_MS = 50;

/** A listing result, and whether it was re-read from disk just now. */
export class DirListing {
  names: readonly string[] = [];
  private stamp = '';
  private trusted = false;

  constructor(readonly path: string) {}

  /** True when the directory may have changed since the last list(). */
  async changed(): Promise<boolean> {
    if (!this.trusted) return true;
    try {
      const st = await stat(this.path);
      return `${st.ino}:${st.mtimeMs}` !== this.stamp;
    } catch {
      return true;
    }
  }

  /** Returns the current names; `reused` tells whether the cached list was still valid. */
  async list(): Promise<{ names: readonly string[]; reused: boolean }> {
    let st;
    try {
      st = await stat(this.path);
    } catch (err) {
      throw storeErrorFromErrno(err, 'folder');
    }
    const stamp = `${st.ino}:${st.mtimeMs}`;
    if (this.trusted && stamp === this.stamp) return { names: this.names, reused: true };
    const trusted = Date.now() - st.mtimeMs > TRUST_AFTER_MS;
    let entries: string[];
    try {
      entries = await readdir(this.path);
    } catch (err) {
      throw storeErrorFromErrno(err, 'folder');
    }
    const names: string[] = [];
    for (const n of entries) if (isMessageName(n)) names.push(n);
    this.names = names;
    this.stamp = stamp;
    this.trusted = trusted;
    return { names, reused: false };
  }

  invalidate(): void {
    this.trusted = false;
  }

  /** The directory's identity now, and whether it is old enough to be trusted as unchanged later. */
  async currentStamp(): Promise<{ stamp: string; trusted: boolean } | undefined> {
    try {
      const st = await stat(this.path);
      return { stamp: `${st.ino}:${st.mtimeMs}`, trusted: Date.now() - st.mtimeMs > TRUST_AFTER_MS };
    } catch {
      return undefined;
    }
  }

  /** The stamp of the listing held, when it is one we may reuse. */
  get trustedStamp(): string | undefined {
    return this.trusted ? this.stamp : undefined;
  }

  /** Takes a listing known by other means (rebuilt from the caches) for a stamp seen just now. */
  adopt(names: readonly string[], stamp: string): void {
    this.names = names;
    this.stamp = stamp;
    this.trusted = true;
  }
}
