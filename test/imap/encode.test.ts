import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeLine } from '../../src/server/imap/protocol/encode.js';
import { atom, Literal, MailboxName, nstr, str } from '../../src/server/imap/protocol/values.js';

const text = (chunks: ReturnType<typeof encodeLine>): string => chunks.map((c) => (Buffer.isBuffer(c) ? c.toString('utf8') : '<stream>')).join('');

describe('encoder', () => {
  it('quotes safe strings and escapes quotes and backslashes', () => {
    expect(text(encodeLine({ utf8: false }, '* ', [atom('X'), str('a "b" \\c'), null, 5, [nstr(null), str('')]]))).toBe('* X "a \\"b\\" \\\\c" NIL 5 (NIL "")\r\n');
  });
  it('sends CR, LF, 8-bit and long strings as literals', () => {
    expect(text(encodeLine({ utf8: false }, '* ', [str('a\r\nb')]))).toBe('* {4}\r\na\r\nb\r\n');
    expect(text(encodeLine({ utf8: false }, '* ', [str('café')]))).toBe('* {5}\r\ncafé\r\n');
    expect(text(encodeLine({ utf8: true }, '* ', [str('café')]))).toBe('* "café"\r\n');
    expect(text(encodeLine({ utf8: false }, '* ', [str('x'.repeat(2000))]))).toMatch(/^\* \{2000\}\r\nx+\r\n$/);
  });
  it('encodes mailbox names per session', () => {
    expect(text(encodeLine({ utf8: false }, '* ', [new MailboxName('Entwürfe')]))).toBe('* Entw&APw-rfe\r\n');
    expect(text(encodeLine({ utf8: true }, '* ', [new MailboxName('Entwürfe')]))).toBe('* "Entwürfe"\r\n');
    expect(text(encodeLine({ utf8: false }, '* ', [new MailboxName('a b'), new MailboxName('nil'), new MailboxName('x]')]))).toBe('* "a b" "nil" "x]"\r\n');
  });
  it('keeps streamed literals as streams', () => {
    const chunks = encodeLine({ utf8: false }, '* 1 FETCH ', [[atom('BODY[]'), new Literal(Readable.from([Buffer.from('abc')]), 3), atom('UID'), 4]]);
    expect(text(chunks)).toBe('* 1 FETCH (BODY[] {3}\r\n<stream> UID 4)\r\n');
    expect(text(encodeLine({ utf8: false }, '* ', [new Literal(Buffer.from([0, 1]), 2, true)]))).toBe('* ~{2}\r\n\x00\x01\r\n');
  });
});
