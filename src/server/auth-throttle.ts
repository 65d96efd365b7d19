// Failed-login throttling per client IP, shared by IMAP and SMTP submission: after `maxFailures` failures
// within a minute the IP is locked out for `lockoutSeconds`; a success clears its count. Memory stays bounded:
// entries expire and the table is pruned as it grows.

export interface AuthThrottleOptions {
  /** Failures allowed per minute before lockout (limits.authFailuresPerMinute). */
  readonly maxFailures: number;
  /** Lockout length (limits.authLockoutSeconds). */
  readonly lockoutSeconds: number;
  readonly now?: () => number;
}

interface Entry {
  failures: number[];
  lockedUntil: number;
}

const WINDOW_MS = 60_000;
const MAX_ENTRIES = 100_000;

export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private opts: AuthThrottleOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** New limits after a config reload; counts are kept. */
  configure(opts: Omit<AuthThrottleOptions, 'now'>): void {
    this.opts = { ...opts, now: this.now };
  }

  /** Seconds until this IP may try again, or 0. */
  lockedFor(ip: string): number {
    const e = this.entries.get(ip);
    if (!e) return 0;
    const left = e.lockedUntil - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  isLocked(ip: string): boolean {
    return this.lockedFor(ip) > 0;
  }

  failure(ip: string): void {
    const now = this.now();
    let e = this.entries.get(ip);
    if (!e) {
      if (this.entries.size >= MAX_ENTRIES) this.prune(now);
      e = { failures: [], lockedUntil: 0 };
      this.entries.set(ip, e);
    }
    e.failures = e.failures.filter((t) => now - t < WINDOW_MS);
    e.failures.push(now);
    if (this.opts.maxFailures > 0 && e.failures.length >= this.opts.maxFailures) {
      e.lockedUntil = now + this.opts.lockoutSeconds * 1000;
      e.failures = [];
    }
  }

  success(ip: string): void {
    const e = this.entries.get(ip);
    if (e && e.lockedUntil <= this.now()) this.entries.delete(ip);
  }

  private prune(now: number): void {
    for (const [ip, e] of this.entries) {
      if (e.lockedUntil <= now && e.failures.every((t) => now - t >= WINDOW_MS)) this.entries.delete(ip);
    }
  }
}
