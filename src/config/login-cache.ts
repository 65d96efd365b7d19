// Verified logins, remembered in memory for a short time so a mail client's reconnects do not each pay a full
// scrypt (about 128 MiB and a few hundred ms of CPU at ln=17, run on the libuv pool that file I/O shares).
// Invariants:
//  - no password or password-equivalent is kept: an entry is keyed by HMAC-SHA256(login, stored hash, password)
//    under a random key that exists only in this process's memory, so a memory dump yields no offline oracle
//    that is cheaper than attacking the stored scrypt hash itself;
//  - the stored hash is part of the key: changing a password in the config (a new PHC string) misses the cache
//    at once, old entries simply expire;
//  - a wrong password is remembered too (shorter), so a client retrying a stale password does not burn CPU on
//    every attempt; a different wrong password always pays the full verification;
//  - bounded: at most MAX_ENTRIES, oldest evicted first.
import { createHmac, randomBytes } from 'node:crypto';

/** How long a verified password is trusted without re-running scrypt (Dovecot's optional auth cache: 1 h). */
export const LOGIN_CACHE_SUCCESS_MS = 15 * 60 * 1000;
/** How long a wrong password is remembered as wrong. */
export const LOGIN_CACHE_FAILURE_MS = 5 * 60 * 1000;
const MAX_ENTRIES = 10_000;

export class LoginCache {
  private readonly key = randomBytes(32);
  /** Entry -> [verdict, expiry]; Map order is insertion order, so the first entry is the oldest. */
  private readonly entries = new Map<string, { readonly ok: boolean; readonly until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The remembered verdict for this login, stored hash and password, or undefined when not (or no longer) known. */
  get(login: string, phc: string, password: string): boolean | undefined {
    const id = this.id(login, phc, password);
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (e.until <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return e.ok;
  }

  set(login: string, phc: string, password: string, ok: boolean): void {
    const id = this.id(login, phc, password);
    this.entries.delete(id);
    this.entries.set(id, { ok, until: this.now() + (ok ? LOGIN_CACHE_SUCCESS_MS : LOGIN_CACHE_FAILURE_MS) });
    while (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private id(login: string, phc: string, password: string): string {
    // Length-prefixed fields: no two different triples share an HMAC input.
    const h = createHmac('sha256', this.key);
    for (const part of [login, phc, password.normalize('NFC')]) {
      const b = Buffer.from(part, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      h.update(len).update(b);
    }
    return h.digest('base64');
  }
}
