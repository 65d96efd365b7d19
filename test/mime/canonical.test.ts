// LF -> CRLF canonicalisation: whole buffers and streams split at every possible point, including between
// a CR and its LF.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { concatCrlf, CrlfTransform, crlfSize, markCrlf, toCrlf } from '../../src/mime/canonical.js';
import { spoolMessage } from '../../src/server/smtp/spool.js';

async function viaStream(chunks: Buffer[]): Promise<{ out: Buffer; bytes: number }> {
  const t = new CrlfTransform();
  const parts: Buffer[] = [];
  Readable.from(chunks).pipe(t);
  for await (const c of t) parts.push(c as Buffer);
  return { out: Buffer.concat(parts), bytes: t.bytes };
}

describe('canonical CRLF', () => {
  const cases: [string, string][] = [
    ['a\nb\n', 'a\r\nb\r\n'],
    ['a\r\nb\r\n', 'a\r\nb\r\n'],
    ['\n\n', '\r\n\r\n'],
    ['mixed\r\nand\nbare\rcr\n', 'mixed\r\nand\r\nbare\rcr\r\n'],
    ['', ''],
    ['no newline', 'no newline'],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), async () => {
      const buf = Buffer.from(input, 'latin1');
      expect(toCrlf(buf).toString('latin1')).toBe(expected);
      expect(crlfSize(buf)).toBe(expected.length);
      for (let cut = 0; cut <= buf.length; cut++) {
        const { out, bytes } = await viaStream([buf.subarray(0, cut), buf.subarray(cut)]);
        expect(out.toString('latin1')).toBe(expected);
        expect(bytes).toBe(expected.length);
      }
    });
  }

  it('returns the same buffer when nothing changes', () => {
    const buf = Buffer.from('a\r\nb\r\n');
    expect(toCrlf(buf)).toBe(buf);
  });

  it('keeps 8-bit bytes', () => {
    const buf = Buffer.from([0xff, 0x0a, 0x00, 0xe9, 0x0a]);
    expect([...toCrlf(buf)]).toEqual([0xff, 0x0d, 0x0a, 0x00, 0xe9, 0x0d, 0x0a]);
  });

  it('trusts the received form: a spooled message and our CRLF header lines in front of it are not scanned again', async () => {
    const spooled = await spoolMessage(Readable.from([Buffer.from('Subject: a\nX: b\r\n\nbody\nend\n')]), '/nonexistent', 1_000_000);
    const data = spooled.body.data!;
    expect(data.toString()).toBe('Subject: a\r\nX: b\r\n\r\nbody\r\nend\r\n');
    const stored = concatCrlf('Received: from x\r\n\tby y\r\n', data);
    expect(toCrlf(stored)).toBe(stored);
    expect(stored.toString()).toBe('Received: from x\r\n\tby y\r\nSubject: a\r\nX: b\r\n\r\nbody\r\nend\r\n');
    // That the joined buffer is trusted shows with a (contract-breaking) marked body holding a bare LF.
    expect(toCrlf(concatCrlf('X: 1\r\n', markCrlf(Buffer.from('a\nb')))).toString()).toBe('X: 1\r\na\nb');
    // A prefix with a bare LF, or a body nobody vouched for, is converted as before.
    expect(toCrlf(concatCrlf('X-Bad: 1\n', data)).toString()).toBe('X-Bad: 1\r\nSubject: a\r\nX: b\r\n\r\nbody\r\nend\r\n');
    expect(toCrlf(concatCrlf('X: 1\r\n', Buffer.from('a\nb'))).toString()).toBe('X: 1\r\na\r\nb');
    await spooled.discard();
  });

  it('returns a buffer marked CRLF as it is, without looking for bare LFs', () => {
    const b = markCrlf(Buffer.from('a\nb\r\n'));
    expect(toCrlf(b)).toBe(b);
    expect(toCrlf(Buffer.from('a\nb\r\n')).toString()).toBe('a\r\nb\r\n');
  });
});
