// Sender Rewriting Scheme (SRS0, as Postfix's postsrsd and Exim do it) for forwarded mail: the envelope sender
// becomes an address of our domain, so SPF holds at the next hop and bounces come back to us, where `reverse`
// turns them into the original sender again. The hash (HMAC-SHA1, 4 base64 chars) and the day stamp stop
// anyone from using us as an open bounce relay; stamps older than 21 days are refused.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile, mkdir, rename, open } from 'node:fs/promises';
import { dirname } from 'node:path';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const MAX_AGE_DAYS = 21;

export class Srs {
  constructor(
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** `alice@example.org` forwarded by `example.com` -> `SRS0=HHHH=TT=example.org=alice@example.com`. */
  forward(sender: string, forwardDomain: string): string {
    if (sender === '') return '';
    const at = sender.lastIndexOf('@');
    if (at <= 0) return sender;
    const local = sender.slice(0, at);
    const domain = sender.slice(at + 1);
    if (domain.toLowerCase() === forwardDomain.toLowerCase()) return sender;
    // Already rewritten once: keep the original part (SRS1 chains are not worth their complexity here).
    if (/^SRS0=/i.test(local)) return sender;
    const stamp = this.stamp(Math.floor(this.now() / 86_400_000));
    return `SRS0=${this.hash(stamp, domain, local)}=${stamp}=${domain}=${local}@${forwardDomain}`;
  }

  /** The original sender of an SRS0 address we made, or undefined (not SRS, bad hash, or expired). */
  reverse(address: string): string | undefined {
    const at = address.lastIndexOf('@');
    const local = at > 0 ? address.slice(0, at) : address;
    const m = /^SRS0[=+-](?<hash>[^=]{4})=(?<stamp>[A-Z2-7]{2})=(?<domain>[^=]+)=(?<orig>.+)$/i.exec(local)?.groups;
    if (!m) return undefined;
    const { hash = '', stamp = '', domain = '', orig = '' } = m;
    const expected = Buffer.from(this.hash(stamp.toUpperCase(), domain, orig));
    const given = Buffer.from(hash);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const today = Math.floor(this.now() / 86_400_000) % 1024;
    const then = B32.indexOf(stamp[0]!.toUpperCase()) * 32 + B32.indexOf(stamp[1]!.toUpperCase());
    if ((today - then + 1024) % 1024 > MAX_AGE_DAYS) return undefined;
    return `${orig}@${domain}`;
  }

  private stamp(day: number): string {
    const d = day % 1024;
    return B32[Math.floor(d / 32)]! + B32[d % 32]!;
  }

  private hash(stamp: string, domain: string, local: string): string {
    return createHmac('sha1', this.secret).update(`${stamp}${domain.toLowerCase()}${local.toLowerCase()}`).digest('base64').slice(0, 4);
  }
}

/** The configured secret, else the one kept in `file` (created on first use, mode 0600). */
export async function loadSrsSecret(configured: string | undefined, file: string): Promise<string> {
  if (configured) return configured;
  try {
    const s = (await readFile(file, 'utf8')).trim();
    if (s) return s;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(24).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, secret + '\n', { mode: 0o600 });
  const fh = await open(tmp, 'r');
  await fh.sync();
  await fh.close();
  await rename(tmp, file);
  return (await readFile(file, 'utf8')).trim();
}
