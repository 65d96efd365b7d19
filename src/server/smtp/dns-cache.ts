// A short-lived cache in front of the resolver used for inbound SPF/DKIM/DMARC/ARC. Mail from one domain tends
// to arrive in bursts, and every message asks the same questions (the SPF record, _dmarc, the DKIM key), so
// without it each message pays for the same lookups again. Answers and "no such name"/"no data" replies are
// kept for a fixed time (node:dns does not report TTLs for TXT), so a changed record is seen at most that much
// later; timeouts and server failures are never cached. Concurrent identical questions share one lookup.
import type { DnsResolve } from './verify.js';

export interface DnsCacheOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

export const defaultDnsCache: DnsCacheOptions = { ttlMs: 60_000, maxEntries: 10_000 };

type Answer = Awaited<ReturnType<DnsResolve>>;

interface Entry {
  readonly expires: number;
  readonly answer?: Answer;
  /** Set for a cached negative reply: the error code to answer with. */
  readonly miss?: { readonly code: string; readonly message: string };
}

const NEGATIVE = new Set(['ENOTFOUND', 'ENODATA']);

/** The error a cached negative reply is answered with; built without a stack trace (nobody reads it). */
function missError(miss: { code: string; message: string }): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return Object.assign(new Error(miss.message), { code: miss.code });
  } finally {
    Error.stackTraceLimit = limit;
  }
}


export function cachingResolver(inner: DnsResolve, opts: DnsCacheOptions = defaultDnsCache): DnsResolve {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<Entry>>();

  const remember = (key: string, e: Entry): void => {
    entries.delete(key);
    entries.set(key, e);
    // Oldest insertion first: drop from the front when full.
    while (entries.size > opts.maxEntries) entries.delete(entries.keys().next().value as string);
  };

  const lookup = async (name: string, rrtype: string, key: string): Promise<Entry> => {
    try {
      const answer = await inner(name, rrtype);
      const e: Entry = { expires: now() + opts.ttlMs, answer };
      remember(key, e);
      return e;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined || !NEGATIVE.has(code)) throw err;
      const e: Entry = { expires: now() + opts.ttlMs, miss: { code, message: (err as Error).message } };
      remember(key, e);
      return e;
    }
  };

  const answer = (e: Entry): Answer => {
    if (e.miss) throw missError(e.miss);
    // Callers may modify what they get: each gets its own copy.
    return structuredClone(e.answer!);
  };

  // Not an async function: a hit settles without the extra promise and microtask hops of one.
  return (name, rrtype) => {
    const key = `${rrtype} ${name.toLowerCase()}`;
    const hit = entries.get(key);
    if (hit && hit.expires > now()) return hit.miss ? Promise.reject(missError(hit.miss)) : Promise.resolve(structuredClone(hit.answer!));
    if (hit) entries.delete(key);
    let p = pending.get(key);
    if (!p) {
      p = lookup(name, rrtype, key).finally(() => pending.delete(key));
      pending.set(key, p);
    }
    return p.then(answer);
  };
}
