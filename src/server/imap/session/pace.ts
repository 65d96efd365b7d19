// The per-session command rate (`limits.imap_commands_per_second`, SPEC §10). A client over the rate is slowed
// down, not refused: its next command waits until the bucket has a token again. Clients handle a slow server
// well and NO/BAD for a correct command badly; a runaway or hostile client just gets its fair share.
// A token bucket holding one second of commands: a burst (a client's pipelined opening, mbsync's batches)
// passes at full speed, a sustained flood runs at the rate.

export class CommandPace {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perSecond;
    this.at = now();
  }

  /** Milliseconds the next command must wait (0: run it now); takes its token. */
  take(): number {
    const t = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((t - this.at) * this.perSecond) / 1000);
    this.at = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.perSecond);
  }
}
