// When to try a queue entry again: exponential back-off from `baseMs`, capped, until `maxAgeMs` after the entry
// was created (5 days by default, as Postfix's maximal_queue_lifetime). Tests pass millisecond-sized values.

export interface RetryPolicy {
  readonly baseMs: number;
  readonly maxDelayMs: number;
  readonly maxAgeMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  baseMs: 5 * 60_000,
  maxDelayMs: 4 * 3_600_000,
  maxAgeMs: 5 * 86_400_000,
};

/** Delay after the `attempts`-th failed attempt (1-based). */
export function retryDelay(policy: RetryPolicy, attempts: number): number {
  return Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
}

export function expired(policy: RetryPolicy, created: number, now: number): boolean {
  return now - created >= policy.maxAgeMs;
}
