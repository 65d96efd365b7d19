// Address lists (RFC 5322 incl. groups, quoted names, routes, comments), structured values with RFC 2231
// continuations, and the envelope and decoded fields of a summary.
import { describe, expect, it } from 'vitest';
import { parseAddressList } from '../../src/mime/address.js';
import { parseStructured } from '../../src/mime/params.js';
import { summarizeBuffer } from '../../src/mime/summarize.js';

const a = (name: string | null, mailbox: string | null, host: string | null, adl: string | null = null) => ({ name, adl, mailbox, host });

describe('address lists', () => {
  const rows: [string, ReturnType<typeof parseAddressList>][] = [
    ['alice@example.org', [a(null, 'alice', 'example.org')]],
    ['Alice <alice@example.org>', [a('Alice', 'alice', 'example.org')]],
    ['"Doe, John" <john@example.org>, bob@example.com', [a('Doe, John', 'john', 'example.org'), a(null, 'bob', 'example.com')]],
    ['"quote \\" inside" <q@x.y>', [a('quote " inside', 'q', 'x.y')]],
    ['=?UTF-8?Q?Andr=C3=A9?= <andre@example.org>', [a('=?UTF-8?Q?Andr=C3=A9?=', 'andre', 'example.org')]],
    ['bob@example.com (Bob Smith)', [a('Bob Smith', 'bob', 'example.com')]],
    ['Team: a@x.y, B <b@x.y>;, c@x.y', [a(null, 'Team', null), a(null, 'a', 'x.y'), a('B', 'b', 'x.y'), a(null, null, null), a(null, 'c', 'x.y')]],
    ['undisclosed-recipients:;', [a(null, 'undisclosed-recipients', null), a(null, null, null)]],
    ['<@relay.example:user@example.org>', [a(null, 'user', 'example.org', '@relay.example')]],
    ['"john doe"@example.org', [a(null, '"john doe"', 'example.org')]],
    ['Mr. Smith <smith@example.org>', [a('Mr. Smith', 'smith', 'example.org')]],
    ['broken <no-close@example.org', [a('broken', 'no-close', 'example.org')]],
    ['just-a-name', [a(null, 'just-a-name', '')]],
    ['', null],
    [' , ,', null],
  ];
  for (const [input, expected] of rows) {
    it(JSON.stringify(input), () => {
      expect(parseAddressList(input)).toEqual(expected);
    });
  }
});

describe('structured values and RFC 2231', () => {
  const rows: [string, string, Record<string, string>][] = [
    ['text/plain; charset="utf-8"; format=flowed', 'text/plain', { charset: 'utf-8', format: 'flowed' }],
    ['TEXT/HTML ; CHARSET = us-ascii (comment)', 'TEXT/HTML', { charset: 'us-ascii' }],
    ['attachment; filename="a;b.txt"', 'attachment', { filename: 'a;b.txt' }],
    ['attachment; filename=my file.pdf', 'attachment', { filename: 'my file.pdf' }],
    ["attachment; filename*=utf-8''%E2%82%AC.txt", 'attachment', { 'filename*': "utf-8''%E2%82%AC.txt" }],
    ['x/y; title*0="very "; title*1="long"', 'x/y', { title: 'very long' }],
    ["x/y; t*1*=%20b; t*0*=us-ascii'en'a", 'x/y', { 't*': "us-ascii'en'a%20b" }],
    ["x/y; t*0=plain; t*1*=%E2%82%AC; t*2=a b", 'x/y', { 't*': "''plain%E2%82%ACa%20b" }],
    ['x/y; a=1; a=2; b', 'x/y', { a: '1' }],
    ['', '', {}],
  ];
  for (const [input, value, params] of rows) {
    it(JSON.stringify(input), () => {
      expect(parseStructured(input)).toEqual({ value, params });
    });
  }
});

describe('summary fields', () => {
  it('decodes subject and From, keeps the envelope raw, parses the date', () => {
    const s = summarizeBuffer(
      Buffer.from(
        'From: =?ISO-8859-1?Q?Andr=E9?= <a@example.org>\r\nSubject: =?UTF-8?B?w6l0w6k=?=\r\n  and more\r\n' +
          'Date: Mon, 23 Nov 2026 09:29:05 +0100 (CET)\r\nMessage-ID:  <id@x>  \r\nReferences: <a@x>\r\n <b@x>\r\n\r\nbody',
      ),
    );
    expect(s.decodedSubject).toBe('été  and more'); // unfolding removes only the CRLF
    expect(s.decodedFrom).toBe('André <a@example.org>');
    expect(s.envelope.subject).toBe('=?UTF-8?B?w6l0w6k=?=  and more');
    expect(s.messageId).toBe('<id@x>');
    expect(s.references).toBe('<a@x> <b@x>');
    expect(s.sentDate).toBe(Date.UTC(2026, 10, 23, 8, 29, 5));
    expect(s.envelope.sender).toBeNull();
  });

  it('unparseable dates are null; two-digit years are read', () => {
    const date = (d: string) => summarizeBuffer(Buffer.from(`Date: ${d}\r\n\r\n`)).sentDate;
    expect(date('yesterday-ish')).toBeNull();
    expect(date('23 Nov 26 09:29 GMT')).toBe(Date.UTC(2026, 10, 23, 9, 29, 0));
  });

  it('defaults: text/plain us-ascii 7BIT; message/rfc822 inside multipart/digest', () => {
    const s = summarizeBuffer(Buffer.from('Subject: x\r\n\r\nhello\r\n'));
    expect(s.body).toMatchObject({ type: 'text', subtype: 'plain', params: { charset: 'us-ascii' }, encoding: '7BIT', size: 7, lines: 1 });
  });
});
