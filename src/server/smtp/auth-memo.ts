// SPF and DMARC results, kept for a few seconds. Both are pure functions of their inputs and of DNS answers,
// and the DNS answers are themselves cached (dns-cache.ts), so a burst of mail from one sender (a list, a
// newsletter, a busy correspondent) gets the same result for every message: remembering it skips mailauth's
// evaluation (record parsing, IP matching, public-suffix lookups, result formatting) for all but the first.
// A changed record is therefore seen at most the DNS cache time plus this time later. Results that say the
// check itself failed (temperror) are never kept, and concurrent identical checks share one evaluation.
import type { DMARCResult, SPFResult } from 'mailauth';

export interface MemoOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

export const defaultAuthMemo: MemoOptions = { ttlMs: 10_000, maxEntries: 5_000 };

interface Entry<V> {
  expires: number;
  readonly value: Promise<V>;
}

/** A promise per key, dropped after `ttlMs`, or at once when `keep` says its value must not be reused. */
export class TimedMemo<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly now: () => number;

  constructor(
    private readonly opts: MemoOptions,
    private readonly keep: (value: V) => boolean,
  ) {
    this.now = opts.now ?? Date.now;
  }

  get(key: string, compute: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    if (hit) this.entries.delete(key);
    // Until it settles the entry does not expire, so concurrent callers share it.
    const entry: Entry<V> = { expires: Infinity, value: compute() };
    this.entries.set(key, entry);
    while (this.entries.size > this.opts.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    const forget = (): void => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    entry.value.then((v) => {
      if (this.keep(v)) entry.expires = this.now() + this.opts.ttlMs;
      else forget();
    }, forget);
    return entry.value;
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface AuthMemo {
  /** Keyed by everything mailauth's spf() reads: IP, HELO, envelope sender and this server's name. */
  readonly spf: TimedMemo<SPFResult | undefined>;
  /** Keyed by the From domain, the passing SPF/DKIM domains and the ARC result. */
  readonly dmarc: TimedMemo<DMARCResult | false>;
}

export function createAuthMemo(opts: MemoOptions = defaultAuthMemo): AuthMemo {
  return {
    spf: new TimedMemo<SPFResult | undefined>(opts, (r) => r !== undefined && r.status.result !== 'temperror'),
    dmarc: new TimedMemo<DMARCResult | false>(opts, (r) => r === false || r.status.result !== 'temperror'),
  };
}
