// Group commit: callers that arrive while a flush is running share the next one. This is what lets eight
// concurrent deliveries cost one uidlist fsync and one directory fsync instead of eight each.
import { closeSync, openSync } from 'node:fs';
import { fsyncFd } from './fd-sync.js';

export class GroupCommit<T, R> {
  private queue: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private running = false;

  constructor(private readonly flush: (items: T[]) => Promise<R[]>) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        const results = await this.flush(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(results[i] as R));
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.running = false;
  }
}

/** fsync of one directory, now. Opening and closing a directory take microseconds: only the fsync waits in the pool. */
export async function fsyncDirNow(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync of a directory, coalesced: one fsync covers every rename that happened before it started. */
const dirSyncers = new Map<string, GroupCommit<null, void>>();

export function fsyncDir(dir: string): Promise<void> {
  let g = dirSyncers.get(dir);
  if (!g) {
    g = new GroupCommit<null, void>(async (items) => {
      await fsyncDirNow(dir);
      return items.map(() => undefined);
    });
    dirSyncers.set(dir, g);
    if (dirSyncers.size > 4096) dirSyncers.delete(dirSyncers.keys().next().value as string);
  }
  return g.submit(null);
}
