// LF -> CRLF canonicalisation: whole buffers and streams split at every possible point, including between
// a CR and its LF.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CrlfTransform, crlfSize, toCrlf } from '../../src/mime/canonical.js';

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
});
