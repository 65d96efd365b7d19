// summarizeMessage never throws: random bytes, mutated fixtures, truncations and hostile nesting all yield a
// structure whose offsets stay inside the message and nest properly, and which renders as BODYSTRUCTURE.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { summarizeBuffer } from '../../src/mime/summarize.js';
import type { BodyPart } from '../../src/mime/types.js';
import { bodyStructureValue } from '../../src/server/imap/fetch/bodystructure.js';
import { envelopeValue } from '../../src/server/imap/fetch/envelope.js';
import { resolveSection } from '../../src/server/imap/fetch/sections.js';
import { parseAddressList } from '../../src/mime/address.js';
import { parseStructured } from '../../src/mime/params.js';
import { baseSubject } from '../../src/server/imap/search/base-subject.js';

const dir = fileURLToPath(new URL('../../fixtures/mail/', import.meta.url));
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.eml'))
  .map((f) => readFileSync(dir + f));

/** Small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function check(part: BodyPart, lo: number, hi: number, depth = 0): void {
  expect(part.headerStart).toBeGreaterThanOrEqual(lo);
  expect(part.bodyStart).toBeGreaterThanOrEqual(part.headerStart);
  expect(part.bodyEnd).toBeGreaterThanOrEqual(part.bodyStart);
  expect(part.bodyEnd).toBeLessThanOrEqual(hi);
  expect(part.size).toBe(part.bodyEnd - part.bodyStart);
  for (const c of part.children ?? []) check(c, part.bodyStart, part.bodyEnd, depth + 1);
  if (part.message) check(part.message.body, part.bodyStart, part.bodyEnd, depth + 1);
}

function exercise(buf: Buffer): void {
  const s = summarizeBuffer(buf);
  check(s.body, 0, Math.max(buf.length, s.body.bodyEnd));
  bodyStructureValue(s.body, true);
  envelopeValue(s.envelope);
  for (const part of [[], [1], [2], [1, 1], [2, 1], [1, 2, 1], [9]]) {
    const r = resolveSection(s.body, { part });
    expect(r.kind === 'range' && r.end >= r.start).toBe(true);
  }
}

describe('robustness', () => {
  it('random bytes', () => {
    const rand = rng(1);
    const alphabet = Buffer.from('\r\n\r\n--:; =?"<>@,()abcXYZ\t\x00\xff-boundary', 'latin1');
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(rand() * 400);
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = rand() < 0.7 ? alphabet[Math.floor(rand() * alphabet.length)]! : Math.floor(rand() * 256);
      exercise(buf);
    }
  });

  it('header value parsers terminate on any input', () => {
    const rand = rng(3);
    const alphabet = '()<>@,;:\\".[]=*\'% \tabc\r\nRe:Fwd[fwd:(fwd)';
    for (let i = 0; i < 20_000; i++) {
      let str = '';
      const len = Math.floor(rand() * 40);
      for (let j = 0; j < len; j++) str += alphabet[Math.floor(rand() * alphabet.length)];
      parseAddressList(str);
      parseStructured(str);
      baseSubject(str, true);
    }
  });

  it('mutated and truncated fixtures', () => {
    const rand = rng(2);
    for (let i = 0; i < 3000; i++) {
      const base = fixtures[i % fixtures.length]!;
      const buf = Buffer.from(base);
      const edits = 1 + Math.floor(rand() * 5);
      for (let e = 0; e < edits && buf.length > 0; e++) buf[Math.floor(rand() * buf.length)] = Math.floor(rand() * 256);
      exercise(buf.subarray(0, Math.floor(rand() * (buf.length + 1))));
    }
  });

  it('hostile nesting does not overflow the stack', () => {
    let msg = '';
    for (let d = 0; d < 5000; d++) msg += `Content-Type: multipart/mixed; boundary=b${d}\r\n\r\n--b${d}\r\n`;
    msg += '\r\nleaf\r\n';
    exercise(Buffer.from(msg));
    exercise(Buffer.from('Content-Type: message/rfc822\r\n\r\n'.repeat(5000)));
  });

  it('a multipart without boundary or parts still has a valid structure', () => {
    for (const m of ['Content-Type: multipart/mixed\r\n\r\nno boundary\r\n', 'Content-Type: multipart/mixed; boundary=x\r\n\r\nno parts\r\n']) {
      const s = summarizeBuffer(Buffer.from(m));
      const text = (bodyStructureValue(s.body, false) as { value: string }).value;
      expect(text).toMatch(/^\(/);
      expect(text).not.toContain('(())');
    }
  });

  it('summarises a 20 MB message quickly', () => {
    const part = 'x'.repeat(76) + '\r\n';
    const big = Buffer.from(
      'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n' + part.repeat(260_000) + '\r\n--b--\r\n',
    );
    const t0 = performance.now();
    const s = summarizeBuffer(big);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(s.body.children?.[0]?.lines).toBe(260_000);
  });
});
