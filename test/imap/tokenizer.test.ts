import { describe, expect, it } from 'vitest';
import { Parser } from '../../src/server/imap/protocol/parser.js';
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

describe('CommandFramer with a literal spill', () => {
  /** A sink that keeps what it is given, to compare with what was sent. */
  function memorySpill(taken: string[], aborted: string[], discarded: string[] = []) {
    return (firstLine: Buffer, size: number) => {
      if (!firstLine.toString('latin1').includes('APPEND') || size < 4) return undefined;
      const chunks: Buffer[] = [];
      const name = `spill${taken.length + aborted.length}`;
      return {
        write: (c: Buffer) => void chunks.push(Buffer.from(c)),
        finish: () => {
          const all = Buffer.concat(chunks);
          taken.push(all.toString('latin1'));
          return { path: name, size: all.length, hasNul: all.includes(0), failed: false, discard: () => void discarded.push(name) };
        },
        abort: () => void aborted.push(name),
      };
    };
  }

  it('takes a large APPEND literal out of the command, says where it was, and the parser hands out its file', () => {
    const taken: string[] = [];
    const f = new CommandFramer(limits, memorySpill(taken, []));
    const input = Buffer.from('a1 APPEND INBOX (\\Seen) {10}\r\n0123456789\r\na2 LOGIN {2}\r\nab x\r\n');
    const out: Frame[] = [];
    for (let i = 0; i < input.length; i += 3) {
      f.push(input.subarray(i, i + 3));
      for (let fr = f.next(); fr; fr = f.next()) out.push(fr);
    }
    const cmds = out.filter((x) => x.type === 'command');
    expect(cmds.map((c) => c.data.toString('latin1'))).toEqual(['a1 APPEND INBOX (\\Seen) {10}\r\n', 'a2 LOGIN {2}\r\nab x']);
    expect(taken).toEqual(['0123456789']);
    const first = cmds[0]!;
    expect(first.spilled?.map((s) => s.at)).toEqual([first.data.length]);
    expect(cmds[1]!.spilled).toBeUndefined();
    const p = new Parser(first.data, { utf8: false, spilled: first.spilled });
    p.tag();
    p.sp();
    p.keyword();
    p.sp();
    p.mailbox();
    p.sp();
    p.flagList();
    p.sp();
    const lit = p.messageLiteral();
    expect(lit.file?.path).toBe('spill0');
    expect(lit.file?.size).toBe(10);
    p.end();
  });

  it('discards the spilled literals of a command that is dropped (literal over the command limit)', () => {
    const taken: string[] = [];
    const aborted: string[] = [];
    const discarded: string[] = [];
    const f = new CommandFramer({ maxLineBytes: 200, maxLiteralBytes: 1000, maxCommandBytes: 1000 }, memorySpill(taken, aborted, discarded));
    f.push(Buffer.from('a1 APPEND INBOX {600+}\r\n' + 'x'.repeat(600) + ' {600+}\r\n'));
    const out: Frame[] = [];
    for (let fr = f.next(); fr; fr = f.next()) out.push(fr);
    expect(out.map((x) => x.type)).toEqual(['literal-too-large']);
    expect(taken).toEqual(['x'.repeat(600)]);
    // The finished first literal is discarded with the command; nothing is left open.
    expect(discarded).toEqual(['spill0']);
    expect(aborted).toEqual([]);
  });
});
