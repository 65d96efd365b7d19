// The inactivity timeout (RFC 9051 §5.4: at least 30 minutes) for many sessions with one interval timer per
// timeout length rather than a timer object per session: thousands of idle connections then cost a number
// each. A session expires within a tenth of the timeout after it was due.

export interface Sweepable {
  /** Date.now() of the last input. */
  readonly lastActive: number;
  expire(): void;
}

class IdleSweeper {
  private readonly sessions = new Set<Sweepable>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  add(s: Sweepable): void {
    this.sessions.add(s);
    if (this.timer) return;
    const period = Math.min(60_000, Math.max(50, Math.floor(this.timeoutMs / 10)));
    this.timer = setInterval(() => this.sweep(), period);
    this.timer.unref();
  }

  delete(s: Sweepable): void {
    this.sessions.delete(s);
    if (this.sessions.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    const due = Date.now() - this.timeoutMs;
    for (const s of this.sessions) if (s.lastActive <= due) s.expire();
  }
}

const sweepers = new Map<number, IdleSweeper>();

/** The sweeper for one timeout length (shared by every listener using it). */
export function idleSweeper(timeoutMs: number): { add(s: Sweepable): void; delete(s: Sweepable): void } {
  let s = sweepers.get(timeoutMs);
  if (!s) sweepers.set(timeoutMs, (s = new IdleSweeper(timeoutMs)));
  return s;
}
