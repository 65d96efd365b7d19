// BODY[section] resolution as a table: each row names a section of a fixture and the exact bytes expected.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toCrlf } from '../../src/mime/canonical.js';
import { summarizeBuffer } from '../../src/mime/summarize.js';
import { applyPartial, filterHeader, resolveSection } from '../../src/server/imap/fetch/sections.js';
import type { Section } from '../../src/server/imap/protocol/ast.js';

const load = (name: string): Buffer => toCrlf(readFileSync(fileURLToPath(new URL(`../../fixtures/mail/${name}`, import.meta.url))));

function bytesOf(buf: Buffer, section: Section): string {
  const data = resolveSection(summarizeBuffer(buf).body, section);
  if (data.kind === 'range') return buf.subarray(data.start, data.end).toString('latin1');
  return filterHeader(buf.subarray(data.start, data.end), data.names, data.not).toString('latin1');
}

const sec = (spec: string, fields?: string[]): Section => {
  const m = /^([\d.]*?)\.?(HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME)?$/.exec(spec)!;
  return { part: m[1] ? m[1].split('.').map(Number) : [], text: m[2] as Section['text'], fields };
};

describe('section resolution', () => {
  const nested = load('nested.eml');
  const fwd = load('rfc822-attached.eml');
  const simple = load('simple.eml');
  const headerEnd = nested.indexOf('\r\n\r\n') + 4;

  const rows: [string, Buffer, Section, string | ((s: string) => void)][] = [
    ['[] is the whole message', nested, sec(''), nested.toString('latin1')],
    ['[HEADER] ends with the blank line', nested, sec('HEADER'), nested.subarray(0, headerEnd).toString('latin1')],
    ['[TEXT] is the body', nested, sec('TEXT'), nested.subarray(headerEnd).toString('latin1')],
    ['[1.1] nested text', nested, sec('1.1'), 'plain body'],
    ['[1.2.1] innermost html', nested, sec('1.2.1'), '<p>html body <img src="cid:img1"></p>'],
    ['[1.2.2.MIME] part header', nested, sec('1.2.2.MIME'), 'Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <img1>\r\n\r\n'],
    ['[2] attachment text', nested, sec('2'), 'some notes'],
    ['[3] does not exist: empty', nested, sec('3'), ''],
    ['[1.2.9] does not exist: empty', nested, sec('1.2.9'), ''],
    ['[2.1] below a leaf: empty', nested, sec('2.1'), ''],
    ['[2.HEADER] of a non-message part: empty', nested, sec('2.HEADER'), ''],
    ['[1] of a single-part message is its body', simple, sec('1'), simple.subarray(simple.indexOf('\r\n\r\n') + 4).toString('latin1')],
    ['[2.HEADER] of message/rfc822', fwd, sec('2.HEADER'), (s) => expect(s).toMatch(/^From: Bob <bob@example.com>\r\n[\s\S]*boundary="in"\r\n\r\n$/)],
    ['[2.TEXT] of message/rfc822', fwd, sec('2.TEXT'), (s) => expect(s).toMatch(/^--in\r\n[\s\S]*--in--$/)],
    ['[2.1] inside message/rfc822', fwd, sec('2.1'), 'inner plain'],
    ['[2.2.MIME] inside message/rfc822', fwd, sec('2.2.MIME'), 'Content-Type: text/html\r\n\r\n'],
    ['[3.1] body of a non-multipart encapsulated message', fwd, sec('3.1'), 'just text'],
    ['[3] whole encapsulated message', fwd, sec('3'), 'Subject: simple inner\r\nFrom: x@example.com\r\n\r\njust text'],
    [
      '[HEADER.FIELDS (SUBJECT FROM)] keeps folding and order',
      simple,
      sec('HEADER.FIELDS', ['subject', 'FROM']),
      'From: Alice Example <alice@example.org>\r\nSubject: Lunch on\r\n Friday?\r\n\r\n',
    ],
    ['[HEADER.FIELDS (X-NONE)] is just the blank line', simple, sec('HEADER.FIELDS', ['X-None']), '\r\n'],
    [
      '[HEADER.FIELDS.NOT] drops the named fields',
      fwd,
      sec('3.HEADER.FIELDS.NOT', ['Subject']),
      'From: x@example.com\r\n\r\n',
    ],
  ];
  for (const [name, buf, section, expected] of rows) {
    it(name, () => {
      const got = bytesOf(buf, section);
      if (typeof expected === 'string') expect(got).toBe(expected);
      else expected(got);
    });
  }

  it('a top-level message/rfc822 holding a digest: parts, MIME headers, padding after boundaries', () => {
    const msg = toCrlf(
      Buffer.from(
        'From: outer@example.org\nContent-Type: message/rfc822\n\n' +
          'From: inner@example.org\nSubject: digest\nContent-Type: multipart/digest; boundary="d"\n\n' +
          'preamble\n\n--d \n\nFrom: one@example.com\nSubject: one\n\nfirst\n\n' +
          '--d\t\nX-Part: two\n\nFrom: two@example.com\n\nsecond\n\n--d--\n\nepilogue\n',
      ),
    );
    const inner = msg.subarray(msg.indexOf('From: inner')).toString('latin1');
    expect(bytesOf(msg, sec('TEXT'))).toBe(inner);
    expect(bytesOf(msg, sec('1'))).toBe(inner);
    expect(bytesOf(msg, sec('1.HEADER'))).toBe('From: inner@example.org\r\nSubject: digest\r\nContent-Type: multipart/digest; boundary="d"\r\n\r\n');
    expect(bytesOf(msg, sec('1.TEXT'))).toBe(inner.slice(inner.indexOf('preamble')));
    expect(bytesOf(msg, sec('1.1'))).toBe('From: one@example.com\r\nSubject: one\r\n\r\nfirst\r\n');
    expect(bytesOf(msg, sec('1.1.MIME'))).toBe('\r\n');
    expect(bytesOf(msg, sec('1.1.HEADER'))).toBe('From: one@example.com\r\nSubject: one\r\n\r\n');
    expect(bytesOf(msg, sec('1.1.TEXT'))).toBe('first\r\n');
    expect(bytesOf(msg, sec('1.2.MIME'))).toBe('X-Part: two\r\n\r\n');
    expect(bytesOf(msg, sec('1.2.TEXT'))).toBe('second\r\n');
    expect(bytesOf(msg, sec('1.2.1'))).toBe('second\r\n');
    expect(bytesOf(msg, sec('1.HEADER.FIELDS.NOT', ['content-type', 'FROM']))).toBe('Subject: digest\r\n\r\n');
  });

  it('headerless and empty messages resolve without throwing', () => {
    const headerless = load('headerless.eml');
    expect(bytesOf(headerless, sec('HEADER'))).toBe('');
    expect(bytesOf(headerless, sec('TEXT'))).toBe(headerless.toString('latin1'));
    expect(bytesOf(headerless, sec('1'))).toBe(headerless.toString('latin1'));
    const empty = Buffer.alloc(0);
    for (const s of ['', 'HEADER', 'TEXT', '1', '1.MIME', '2']) expect(bytesOf(empty, sec(s))).toBe('');
  });

  it('applies partials the way RFC 9051 §6.4.5 says', () => {
    expect(applyPartial(10, undefined)).toEqual({ from: 0, to: 10 });
    expect(applyPartial(10, { start: 2, length: 3 })).toEqual({ from: 2, to: 5 });
    expect(applyPartial(10, { start: 8, length: 5 })).toEqual({ from: 8, to: 10 });
    expect(applyPartial(10, { start: 20, length: 5 })).toEqual({ from: 10, to: 10 });
  });
});
