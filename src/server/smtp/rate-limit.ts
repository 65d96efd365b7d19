// Per-client-IP limits for the SMTP listeners: concurrent connections, and commands and messages per minute
// (fixed one-minute windows). State is in memory: a restart forgets it, which only ever errs on the lenient side.
import { IpConnectionCap } from '../connection-cap.js';

export interface RateLimits {
  readonly connectionsPerIp: number;
  readonly commandsPerMinute: number;
  readonly messagesPerMinute: number;
}

interface Window {
  start: number;
  count: number;
}

/** Counts per key in fixed windows of `windowMs` (a key's window starts at its first hit). */
export class FixedWindows {
  private readonly windows = new Map<string, Window>();
  private sweepAt = 0;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one for `key`; false (and nothing counted) when it already has `max` in its window. 0 = no limit. */
  hit(key: string, max: number): boolean {
    if (max <= 0) return true;
    const now = this.now();
    this.sweep(now);
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) this.windows.set(key, (w = { start: now, count: 0 }));
    if (w.count >= max) return false;
    w.count++;
    return true;
  }

  /** Drops expired windows now and then, so many keys (a scan of many IPs) do not grow the map forever. */
  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + this.windowMs;
    for (const [key, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(key);
  }
}

export class IpRateLimiter {
  private readonly connections = new IpConnectionCap(() => this.limits().connectionsPerIp);
  private readonly commands: FixedWindows;
  private readonly messages: FixedWindows;

  constructor(
    private readonly limits: () => RateLimits,
    now: () => number = Date.now,
  ) {
    this.commands = new FixedWindows(60_000, now);
    this.messages = new FixedWindows(60_000, now);
  }

  /** Counts a new connection; false (and nothing counted) when the IP already has the maximum open. */
  openConnection(ip: string): boolean {
    return this.connections.take(ip);
  }

  closeConnection(ip: string): void {
    this.connections.give(ip);
  }

  /** Counts one command; false when the IP is over its per-minute budget. */
  command(ip: string): boolean {
    return this.commands.hit(ip, this.limits().commandsPerMinute);
  }

  /** Counts one message (a DATA); false when the IP is over its per-minute budget. */
  message(ip: string): boolean {
    return this.messages.hit(ip, this.limits().messagesPerMinute);
  }
}
