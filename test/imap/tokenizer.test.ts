import { describe, expect, it } from 'vitest';
import { CommandFramer, type Frame } from '../../src/server/imap/protocol/tokenizer.js';

const limits = { maxLineBytes: 200, maxLiteralBytes: 1000, maxCommandBytes: 2000 };

function frames(input: Buffer, chunk: number, lim = limits): Frame[] {
  const f = new CommandFramer(lim);
  const out: Frame[] = [];
  for (let i = 0; i < input.length; i += chunk) {
    f.push(input.subarray(i, i + chunk));
    for (let fr = f.next(); fr; fr = f.next()) out.push(fr);
  }
  return out;
}

const describeFrame = (f: Frame): string =>
  f.type === 'command' ? `command:${f.data.toString('latin1')}` : f.type === 'continue' ? 'continue' : `${f.type}:${'fatal' in f ? f.fatal : ''}`;

describe('CommandFramer', () => {
  const cases: [string, string, string[]][] = [
    ['simple lines', 'a1 NOOP\r\nb2 CAPABILITY\r\n', ['command:a1 NOOP', 'command:b2 CAPABILITY']],
    ['bare LF accepted', 'a1 NOOP\n', ['command:a1 NOOP']],
    ['sync literal asks to continue', 'a1 LOGIN {5}\r\nalice {3}\r\nabc\r\n', ['continue', 'continue', 'command:a1 LOGIN {5}\r\nalice {3}\r\nabc']],
    ['LITERAL+ does not', 'a1 APPEND INBOX {4+}\r\nab\r\n\r\n', ['command:a1 APPEND INBOX {4+}\r\nab\r\n']],
    ['literal with CRLF inside', 'a1 X {6+}\r\n\r\n\r\n\r\n\r\n', ['command:a1 X {6+}\r\n\r\n\r\n\r\n']],
    ['zero-length synchronizing literal still waits for +', 'a1 X {0}\r\n\r\n', ['continue', 'command:a1 X {0}\r\n']],
    ['literal8', 'a1 APPEND INBOX ~{2+}\r\n\x00\x01\r\n', ['command:a1 APPEND INBOX ~{2+}\r\n\x00\x01']],
    ['brace not at end is no literal', 'a1 X {5} y\r\n', ['command:a1 X {5} y']],
    ['empty line', '\r\n', ['command:']],
  ];
  for (const [name, input, expected] of cases) {
    it(`${name}, fed byte by byte and whole`, () => {
      const buf = Buffer.from(input, 'latin1');
      expect(frames(buf, 1).map(describeFrame)).toEqual(expected);
      expect(frames(buf, buf.length).map(describeFrame)).toEqual(expected);
      expect(frames(buf, 3).map(describeFrame)).toEqual(expected);
    });
  }

  it('returns need-more on partial input', () => {
    const f = new CommandFramer(limits);
    f.push(Buffer.from('a1 NO'));
    expect(f.next()).toBeUndefined();
    f.push(Buffer.from('OP\r'));
    expect(f.next()).toBeUndefined();
    f.push(Buffer.from('\n'));
    expect(f.next()).toMatchObject({ type: 'command' });
  });

  it('rejects an over-long line and recovers at the next line', () => {
    const input = Buffer.from('a1 ' + 'x'.repeat(500) + '\r\na2 NOOP\r\n');
    for (const chunk of [1, 7, input.length]) {
      expect(frames(input, chunk).map(describeFrame)).toEqual(['line-too-long:', 'command:a2 NOOP']);
    }
  });

  it('refuses a too-large synchronizing literal without waiting for it, and goes on', () => {
    const input = Buffer.from('a1 APPEND INBOX {5000}\r\na2 NOOP\r\n');
    expect(frames(input, 1).map(describeFrame)).toEqual(['literal-too-large:false', 'command:a2 NOOP']);
  });

  it('treats a too-large non-synchronizing literal as fatal', () => {
    expect(frames(Buffer.from('a1 APPEND INBOX {5000+}\r\n'), 4).map(describeFrame)).toEqual(['literal-too-large:true']);
  });

  it('bounds the whole command size across literals', () => {
    const lim = { maxLineBytes: 200, maxLiteralBytes: 1000, maxCommandBytes: 1500 };
    const input = Buffer.from(`a1 X {900+}\r\n${'y'.repeat(900)} {900}\r\n`);
    expect(frames(input, 50, lim).map(describeFrame)).toEqual(['literal-too-large:false']);
  });
});
