// Concurrent connections per client IP, one count shared by the listeners of a protocol: IMAP's implicit-TLS
// and STARTTLS ports (`limits.imap_connections_per_ip`), SMTP's MX and submission ports (through
// smtp/rate-limit.ts). One address cannot hold every slot and the memory behind them. A refused connection
// was never counted, so only counted ones are given back when they close.

export class IpConnectionCap {
  private readonly open = new Map<string, number>();

  /** `max()` is read at every connection, so a config reload applies to the next one; 0 means no limit. */
  constructor(private readonly max: () => number) {}

  /** Counts a new connection; false (and nothing counted) when the IP has the maximum open already. */
  take(ip: string): boolean {
    const n = this.open.get(ip) ?? 0;
    const max = this.max();
    if (max > 0 && n >= max) return false;
    this.open.set(ip, n + 1);
    return true;
  }

  give(ip: string): void {
    const n = (this.open.get(ip) ?? 1) - 1;
    if (n <= 0) this.open.delete(ip);
    else this.open.set(ip, n);
  }

  /** Connections open from `ip` now. */
  count(ip: string): number {
    return this.open.get(ip) ?? 0;
  }
}
