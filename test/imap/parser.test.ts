import { describe, expect, it } from 'vitest';
import { ParseError, Parser } from '../../src/server/imap/protocol/parser.js';

const P = (s: string, utf8 = false): Parser => new Parser(Buffer.from(s, 'utf8'), { utf8 });

describe('Parser', () => {
  it('reads tags, atoms, quoted strings, literals and astrings', () => {
    const p = P('a1 LOGIN "al\\"ice" {3}\r\nx y atom]x');
    expect(p.tag()).toBe('a1');
    p.sp();
    expect(p.keyword()).toBe('LOGIN');
    p.sp();
    expect(p.astring()).toBe('al"ice');
    p.sp();
    expect(p.astring()).toBe('x y');
    p.sp();
    expect(p.astring()).toBe('atom]x');
    p.end();
  });

  const mailboxes: [string, boolean, string][] = [
    ['inbox', false, 'INBOX'],
    ['"InBoX"', false, 'INBOX'],
    ['Entw&APw-rfe', false, 'Entwürfe'],
    ['Entwürfe', true, 'Entwürfe'],
    ['"a b/c"', false, 'a b/c'],
  ];
  for (const [input, utf8, expected] of mailboxes) {
    it(`mailbox ${input}`, () => expect(P(input, utf8).mailbox()).toBe(expected));
  }

  it('parses sequence sets', () => {
    expect(P('1:3,5,*,7:*').sequenceSet()).toEqual({
      kind: 'set',
      ranges: [
        { start: 1, end: 3 },
        { start: 5, end: 5 },
        { start: '*', end: '*' },
        { start: 7, end: '*' },
      ],
    });
    expect(P('$').sequenceSet()).toEqual({ kind: 'saved' });
    for (const bad of ['0', '1:0', ',1', 'a', '1,', '4294967296']) expect(() => P(bad).sequenceSet(), bad).toThrow(ParseError);
  });

  it('parses fetch items, macros, sections and partials', () => {
    expect(P('FAST').fetchItems().map((i) => (i.kind === 'attribute' ? i.name : i.kind))).toEqual(['FLAGS', 'INTERNALDATE', 'RFC822.SIZE']);
    const items = P('(UID BODY.PEEK[1.2.HEADER.FIELDS (From "To")]<0.100> BODY[] BINARY[1] BINARY.SIZE[2] BODY[3.MIME] body[text] MODSEQ)').fetchItems();
    expect(items).toEqual([
      { kind: 'attribute', name: 'UID' },
      { kind: 'section', peek: true, section: { part: [1, 2], text: 'HEADER.FIELDS', fields: ['From', 'To'] }, partial: { start: 0, length: 100 } },
      { kind: 'section', peek: false, section: { part: [] }, partial: undefined },
      { kind: 'binary', peek: false, part: [1], partial: undefined },
      { kind: 'binary-size', part: [2] },
      { kind: 'section', peek: false, section: { part: [3], text: 'MIME' }, partial: undefined },
      { kind: 'section', peek: false, section: { part: [], text: 'TEXT' }, partial: undefined },
      { kind: 'attribute', name: 'MODSEQ' },
    ]);
    for (const bad of ['BODY[MIME]', 'BODY[0]', 'BODY[1.]', 'FOO', '()', 'BODY[]<1>', 'BODY[HEADER.FIELDS ()]', 'BODY[']) {
      expect(() => P(bad).fetchItems(), bad).toThrow(ParseError);
    }
  });

  it('parses search programs', () => {
    const p = P(' RETURN (MIN COUNT) CHARSET UTF-8 OR FROM "bob" NOT SEEN (LARGER 10 UID 1:*) SINCE 1-Feb-2024 HEADER X-Y "z" 2,4 MODSEQ 5');
    expect(p.searchProgram(true)).toEqual({
      charset: 'UTF-8',
      returnOptions: ['MIN', 'COUNT'],
      key: {
        kind: 'and',
        keys: [
          { kind: 'or', left: { kind: 'text', key: 'FROM', value: 'bob' }, right: { kind: 'not', key: { kind: 'flag', key: 'SEEN' } } },
          { kind: 'and', keys: [{ kind: 'size', larger: true, size: 10 }, { kind: 'uid', set: { kind: 'set', ranges: [{ start: 1, end: '*' }] } }] },
          { kind: 'date', key: 'SINCE', date: { year: 2024, month: 2, day: 1 } },
          { kind: 'header', field: 'X-Y', value: 'z' },
          { kind: 'seq', set: { kind: 'set', ranges: [{ start: 2, end: 2 }, { start: 4, end: 4 }] } },
          { kind: 'modseq', modseq: 5 },
        ],
      },
    });
    for (const bad of [' ', ' FOO', ' SINCE 31-Foo-2024', ' OR SEEN', ' NOT', ' ()', ' LARGER x', ' ' + '('.repeat(100) + 'ALL' + ')'.repeat(100)]) {
      expect(() => P(bad).searchProgram(true), bad).toThrow(ParseError);
    }
  });

  it('parses APPEND date-time and flags', () => {
    expect(P('"17-Jul-1996 02:44:25 -0700"').dateTime()).toBe(Date.UTC(1996, 6, 17, 9, 44, 25));
    expect(P('" 7-Jul-1996 02:44:25 +0000"').dateTime()).toBe(Date.UTC(1996, 6, 7, 2, 44, 25));
    expect(P('(\\seen $Forwarded \\DRAFT)').flagList()).toEqual(['\\Seen', '$Forwarded', '\\Draft']);
    expect(() => P('(\\Recent)').flagList()).toThrow(/Invalid system flag/);
    expect(() => P('"32-Jul-1996 02:44:25 -0700"').dateTime()).toThrow(ParseError);
  });

  it('rejects bad quoting and short literals', () => {
    for (const bad of ['"abc', '"a\\b"', '{5}\r\nab', '{x}\r\n']) expect(() => P(bad).astring(), bad).toThrow(ParseError);
  });
});
