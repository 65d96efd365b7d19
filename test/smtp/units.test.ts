// Small pieces with sharp edges: SRS round trips and refusals, DATA spooling (bare LF across chunk boundaries,
// the size cap, header capture), and the per-IP windows.
import { readdir, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Srs } from '../../src/server/srs.js';
import { spoolMessage, SpoolTooBig } from '../../src/server/smtp/spool.js';
import { IpRateLimiter } from '../../src/server/smtp/rate-limit.js';
import { fromAddresses } from '../../src/server/smtp/headers.js';
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
