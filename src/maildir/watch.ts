// Change detection across processes: fs.watch on the folder directory (uidlist, modseq log), new/ and cur/
// for speed, plus a poll for file systems that send no notifications (NFS, some containers). Events are
// debounced; the callback only triggers a sync, whose cheap stat() check decides whether anything changed.
import { watch, type FSWatcher } from 'node:fs';

const DEBOUNCE_MS = 25;

export class FolderWatcher {
  private readonly watchers: FSWatcher[] = [];
  private readonly timer: NodeJS.Timeout;
  private pending: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    paths: readonly string[],
    pollMs: number,
    private readonly onChange: () => void,
    notifications = true,
  ) {
    for (const p of notifications ? paths : []) {
      try {
        const w = watch(p, { persistent: false }, () => this.kick());
        w.on('error', () => w.close());
        this.watchers.push(w);
      } catch {
        // No notifications here: the poll below still sees every change.
      }
    }
    this.timer = setInterval(() => this.onChange(), pollMs);
    this.timer.unref();
  }

  private kick(): void {
    if (this.closed || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      if (!this.closed) this.onChange();
    }, DEBOUNCE_MS);
    this.pending.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    for (const w of this.watchers) w.close();
  }
}
