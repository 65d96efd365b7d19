// Password hashes as PHC strings `$scrypt$ln=17,r=8,p=1$<salt>$<hash>` (base64 without padding), computed with
// node:crypto's scrypt. The parameters travel in the string, so a later change of cost keeps old hashes valid;
// verification compares in constant time. Plaintext passwords never leave this module's callers' memory.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const SCRYPT_LN = 17;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

export interface PhcScrypt {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const B64 = /^[A-Za-z0-9+/]+$/;

/** Parses a scrypt PHC string, or returns a reason it is malformed. */
export function parsePhc(phc: string): { ok: true; value: PhcScrypt } | { ok: false; problem: string } {
  const parts = phc.split('$');
  if (parts.length !== 5 || parts[0] !== '' || parts[1] !== 'scrypt') return { ok: false, problem: 'password must be a PHC string $scrypt$ln=17,r=8,p=1$<salt>$<hash>' };
  const params = new Map<string, number>();
  for (const kv of (parts[2] ?? '').split(',')) {
    const m = /^(ln|r|p)=(\d{1,3})$/.exec(kv);
    if (!m || params.has(m[1] ?? '')) return { ok: false, problem: `malformed scrypt parameters "${parts[2]}"` };
    params.set(m[1] ?? '', Number(m[2]));
  }
  const ln = params.get('ln');
  const r = params.get('r');
  const p = params.get('p');
  if (ln === undefined || r === undefined || p === undefined) return { ok: false, problem: `scrypt parameters need ln, r and p, got "${parts[2]}"` };
  if (ln < 1 || ln > 22 || r < 1 || r > 32 || p < 1 || p > 16) return { ok: false, problem: `scrypt parameters out of range "${parts[2]}"` };
  const [salt, hash] = [parts[3] ?? '', parts[4] ?? ''];
  if (!B64.test(salt) || !B64.test(hash)) return { ok: false, problem: 'salt and hash must be base64 without padding' };
  const value = { ln, r, p, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
  if (value.salt.length < 8 || value.hash.length < 16) return { ok: false, problem: 'salt or hash too short' };
  return { ok: true, value };
}

function derive(pw: string, salt: Buffer, keylen: number, ln: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** ln;
  const opts: ScryptOptions = { N, r, p, maxmem: 128 * N * r * p + 32 * 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(pw.normalize('NFC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

function b64(buf: Buffer): string {
  return buf.toString('base64').replace(/=+$/, '');
}

/** Hashes `pw` with scrypt (ln=17, r=8, p=1 unless `ln` is given, e.g. for tests). */
export async function hashPassword(pw: string, ln = SCRYPT_LN): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(pw, salt, KEY_BYTES, ln, R, P);
  return `$scrypt$ln=${ln},r=${R},p=${P}$${b64(salt)}$${b64(key)}`;
}

/** True when `pw` matches; false for a wrong password or a malformed PHC string. Constant time in the hash. */
export async function verifyPassword(phc: string, pw: string): Promise<boolean> {
  const parsed = parsePhc(phc);
  if (!parsed.ok) return false;
  const { ln, r, p, salt, hash } = parsed.value;
  await verifySlots.acquire();
  try {
    const key = await derive(pw, salt, hash.length, ln, r, p);
    return timingSafeEqual(key, hash);
  } finally {
    verifySlots.release();
  }
}

/**
 * At most this many verifications run at once: two, or half the libuv pool when it is smaller. scrypt runs on
 * the libuv thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise; `everlock` sets 8), which file
 * I/O shares, so a burst of logins must not take every thread; and at ln=17 each one holds 128 MiB, so the
 * cap is also a memory bound (256 MiB) whatever the pool size. Further logins wait their turn in arrival order.
 */
export const MAX_CONCURRENT_VERIFY = Math.max(1, Math.min(2, Math.floor((Number(process.env.UV_THREADPOOL_SIZE) || 4) / 2)));

class Slots {
  readonly size: number;
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(size: number) {
    this.size = size;
    this.free = size;
  }
  get running(): number {
    return this.size - this.free;
  }
  get queued(): number {
    return this.waiting.length;
  }
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

const verifySlots = new Slots(MAX_CONCURRENT_VERIFY);

/** Verifications running and waiting now (tests, diagnostics). */
export function verifyLoad(): { running: number; waiting: number } {
  return { running: verifySlots.running, waiting: verifySlots.queued };
}
