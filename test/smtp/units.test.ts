// Small pieces with sharp edges: SRS round trips and refusals, DATA spooling (bare LF across chunk boundaries,
// the size cap, header capture, memory or file), the per-IP windows, and the DNS cache.
import { readdir, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Srs } from '../../src/server/srs.js';
import { MEMORY_BUDGET_BYTES, spoolMemory, spoolMessage, SpoolTooBig } from '../../src/server/smtp/spool.js';
import { IpRateLimiter } from '../../src/server/smtp/rate-limit.js';
import { fromAddresses } from '../../src/server/smtp/headers.js';
import { cachingResolver } from '../../src/server/smtp/dns-cache.js';
import { rfc5322Date } from '../../src/server/smtp/trace.js';
import { tempDir } from '../support/tmp.js';

describe('SRS', () => {
  const day = 86_400_000;
  it('rewrites and reverses, refusing forged hashes and stale stamps', () => {
    let now = 20_000 * day;
    const srs = new Srs('secret', () => now);
    const a = srs.forward('Alice@Example.org', 'example.com');
    expect(a).toMatch(/^SRS0=[^=]{4}=[A-Z2-7]{2}=Example\.org=Alice@example\.com$/);
    expect(srs.reverse(a)).toBe('Alice@Example.org');
    expect(srs.forward('bob@example.com', 'example.com')).toBe('bob@example.com');
    expect(srs.forward('', 'example.com')).toBe('');
    expect(new Srs('other', () => now).reverse(a)).toBeUndefined();
    expect(srs.reverse(a.replace('Alice', 'Mallory'))).toBeUndefined();
    expect(srs.reverse('plain@example.com')).toBeUndefined();
    now += 30 * day;
    expect(srs.reverse(a)).toBeUndefined();
  });
});

describe('spoolMessage', () => {
  const chunks = (): Buffer[] => ['From: A <a@x.test>\n', 'Subject: hi\r', '\nTo: b@y.test\n\nline1\nline2\r', '\n'].map((c) => Buffer.from(c));
  const crlf = 'From: A <a@x.test>\r\nSubject: hi\r\nTo: b@y.test\r\n\r\nline1\r\nline2\r\n';

  it('turns bare LF into CRLF even when CR and LF arrive in different chunks, and captures the header', async () => {
    const dir = await tempDir();
    const s = await spoolMessage(Readable.from(chunks()), dir, 1000);
    // Small: kept in memory, no file written.
    expect(s.body.path).toBeUndefined();
    expect(s.body.data?.toString()).toBe(crlf);
    expect(s.size).toBe(crlf.length);
    expect(s.headers.map((h) => h.name)).toEqual(['From', 'Subject', 'To']);
    expect(fromAddresses(s.headers)).toEqual(['a@x.test']);
    expect(await readdir(dir).catch(() => [])).toEqual([]);
    await s.discard();
  });

  it('normalises bare LF wherever chunks are cut (random cuts against a reference)', async () => {
    const dir = await tempDir();
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let round = 0; round < 50; round++) {
      const text = 'Subject: x\r\n\r\n' + Array.from({ length: 200 }, () => 'ab\r\n'[rand(4)]).join('');
      const cuts: Buffer[] = [];
      for (let at = 0; at < text.length; ) {
        const n = 1 + rand(9);
        cuts.push(Buffer.from(text.slice(at, at + n)));
        at += n;
      }
      const s = await spoolMessage(Readable.from(cuts), dir, 10_000, { memoryBytes: round % 2 ? 64 : undefined });
      const got = s.body.data ?? (await readFile(s.body.path!));
      expect(got.toString()).toBe(text.replace(/(?<!\r)\n/g, '\r\n'));
      await s.discard();
    }
  });

  it('spills to a file past the memory threshold (everything received so far included), removed by discard', async () => {
    const dir = await tempDir();
    const s = await spoolMessage(Readable.from(chunks()), dir, 1000, { memoryBytes: 30 });
    expect(s.body.data).toBeUndefined();
    expect((await readFile(s.body.path!)).toString()).toBe(crlf);
    expect(s.size).toBe(crlf.length);
    expect(s.headers.map((h) => h.name)).toEqual(['From', 'Subject', 'To']);
    await s.discard();
    expect(await readdir(dir)).toEqual([]);
  });

  it('spills to a file when the process-wide memory budget is used up, and gives bytes back on discard', async () => {
    const dir = await tempDir();
    const start = spoolMemory.held;
    const kept = await spoolMessage(Readable.from(chunks()), dir, 1000);
    expect(spoolMemory.held).toBe(start + crlf.length);
    spoolMemory.held = MEMORY_BUDGET_BYTES - 10;
    try {
      const spilled = await spoolMessage(Readable.from(chunks()), dir, 1000);
      expect(spilled.body.path).toBeDefined();
      expect((await readFile(spilled.body.path!)).toString()).toBe(crlf);
      expect(spoolMemory.held).toBe(MEMORY_BUDGET_BYTES - 10);
      await spilled.discard();
    } finally {
      spoolMemory.held = start + crlf.length;
    }
    await kept.discard();
    await kept.discard();
    expect(spoolMemory.held).toBe(start);
  });

  it('writes a file for every message with memoryBytes 0, even an empty one', async () => {
    const dir = await tempDir();
    const s = await spoolMessage(Readable.from([]), dir, 1000, { memoryBytes: 0 });
    expect((await readFile(s.body.path!)).length).toBe(0);
    await s.discard();
  });

  it('stops at the cap and leaves no file, in memory or spilled', async () => {
    const dir = await tempDir();
    const big = (): Readable => Readable.from([Buffer.alloc(600, 'a'), Buffer.alloc(600, 'b')]);
    await expect(spoolMessage(big(), dir, 1000)).rejects.toBeInstanceOf(SpoolTooBig);
    await expect(spoolMessage(big(), dir, 1000, { memoryBytes: 100 })).rejects.toBeInstanceOf(SpoolTooBig);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('IpRateLimiter', () => {
  it('counts per IP in one-minute windows', () => {
    let now = 0;
    const l = new IpRateLimiter(() => ({ connectionsPerIp: 1, commandsPerMinute: 2, messagesPerMinute: 1 }), () => now);
    expect(l.openConnection('1.1.1.1')).toBe(true);
    expect(l.openConnection('1.1.1.1')).toBe(false);
    expect(l.openConnection('2.2.2.2')).toBe(true);
    l.closeConnection('1.1.1.1');
    expect(l.openConnection('1.1.1.1')).toBe(true);
    expect([l.command('1.1.1.1'), l.command('1.1.1.1'), l.command('1.1.1.1')]).toEqual([true, true, false]);
    expect([l.message('1.1.1.1'), l.message('1.1.1.1')]).toEqual([true, false]);
    now += 60_000;
    expect([l.command('1.1.1.1'), l.message('1.1.1.1')]).toEqual([true, true]);
  });
});

describe('cachingResolver', () => {
  it('answers repeated questions from the cache until the TTL, negative replies included, but not failures', async () => {
    let now = 0;
    const asked: string[] = [];
    let servfail = true;
    const inner = async (name: string, type: string): Promise<string[][]> => {
      asked.push(`${type} ${name}`);
      await new Promise((r) => setTimeout(r, 5));
      if (name === 'flaky.test' && servfail) throw Object.assign(new Error('queryTxt ESERVFAIL'), { code: 'ESERVFAIL' });
      if (name === 'x.test') return [['v=spf1 -all']];
      throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    };
    const r = cachingResolver(inner, { ttlMs: 1000, maxEntries: 2, now: () => now });
    // Concurrent identical questions share one lookup.
    expect(await Promise.all([r('x.test', 'TXT'), r('X.test', 'TXT')])).toEqual([[['v=spf1 -all']], [['v=spf1 -all']]]);
    const first = (await r('x.test', 'TXT')) as string[][];
    first[0]!.push('changed by a caller');
    expect(await r('x.test', 'TXT')).toEqual([['v=spf1 -all']]);
    await expect(r('none.test', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(r('none.test', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(r('flaky.test', 'TXT')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    servfail = false;
    await expect(r('flaky.test', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(asked).toEqual(['TXT x.test', 'TXT none.test', 'TXT flaky.test', 'TXT flaky.test']);
    now += 1001;
    await r('x.test', 'TXT');
    expect(asked.at(-1)).toBe('TXT x.test');
    expect(asked).toHaveLength(5);
  });
});

describe('rfc5322Date', () => {
  it('formats the date of each second, also when a second is asked for again or out of order', () => {
    const t = Date.UTC(2026, 10, 23, 10, 0, 0);
    expect(rfc5322Date(new Date(t))).toBe('Mon, 23 Nov 2026 10:00:00 +0000');
    expect(rfc5322Date(new Date(t + 999))).toBe('Mon, 23 Nov 2026 10:00:00 +0000');
    expect(rfc5322Date(new Date(t + 1000))).toBe('Mon, 23 Nov 2026 10:00:01 +0000');
    expect(rfc5322Date(new Date(t - 86_400_000))).toBe('Sun, 22 Nov 2026 10:00:00 +0000');
    expect(rfc5322Date(new Date(t + 1500))).toBe('Mon, 23 Nov 2026 10:00:01 +0000');
  });
});
