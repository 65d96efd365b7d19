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

export class IpRateLimiter {
  private readonly connections = new IpConnectionCap(() => this.limits().connectionsPerIp);
  private readonly commands = new Map<string, Window>();
  private readonly messages = new Map<string, Window>();
  private sweepAt = 0;

  constructor(
    private readonly limits: () => RateLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a new connection; false (and nothing counted) when the IP already has the maximum open. */
  openConnection(ip: string): boolean {
    return this.connections.take(ip);
  }

  closeConnection(ip: string): void {
    this.connections.give(ip);
  }

  /** Counts one command; false when the IP is over its per-minute budget. */
  command(ip: string): boolean {
    return this.hit(this.commands, ip, this.limits().commandsPerMinute);
  }

  /** Counts one message (a DATA); false when the IP is over its per-minute budget. */
  message(ip: string): boolean {
    return this.hit(this.messages, ip, this.limits().messagesPerMinute);
  }

  private hit(map: Map<string, Window>, ip: string, max: number): boolean {
    if (max <= 0) return true;
    const now = this.now();
    this.sweep(now);
    let w = map.get(ip);
    if (!w || now - w.start >= 60_000) map.set(ip, (w = { start: now, count: 0 }));
    if (w.count >= max) return false;
    w.count++;
    return true;
  }

  /** Drops expired windows now and then so a scan of many IPs does not grow the maps forever. */
  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + 60_000;
    for (const map of [this.commands, this.messages]) for (const [ip, w] of map) if (now - w.start >= 60_000) map.delete(ip);
  }
}
