// Every FETCH data item rendered for fixtures and read back with imapflow's response parser.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseEnvelope } from 'imapflow/lib/tools.js';
import { fetchSetsSeen, renderFetch, sectionLabel, UnknownCteError } from '../../src/server/imap/fetch/items.js';
import { formatInternalDate } from '../../src/server/imap/fetch/internal-date.js';
import type { FetchItem } from '../../src/server/imap/protocol/ast.js';
import type { Value } from '../../src/server/imap/protocol/values.js';
import { MemoryFolder } from './memory-folder.js';
import { literalBytes, parseFetch, render } from './wire.js';

const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../../fixtures/mail/${name}`, import.meta.url)));
const attr = (name: Extract<FetchItem, { kind: 'attribute' }>['name']): FetchItem => ({ kind: 'attribute', name });

async function fetchOne(folder: MemoryFolder, uid: number, items: FetchItem[], recent = false): Promise<Value[]> {
  const message = folder.state().messages.find((m) => m.uid === uid)!;
  return renderFetch({ folder, message, recent }, items);
}

describe('FETCH items', () => {
  const folder = new MemoryFolder();
  const simple = folder.add(fixture('simple.eml'), { flags: ['\\Seen', '$Forwarded'], internalDate: Date.UTC(2026, 0, 5, 7, 8, 9), modseq: 42 });
  const alt = folder.add(fixture('alternative.eml'));
  const mixed = folder.add(fixture('mixed-attachment.eml'));
  const encoded = folder.add(fixture('encoded-words.eml'));
  const odd = folder.add('Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 a\r\n');

  it('UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ', async () => {
    const v = await fetchOne(folder, simple.uid, [attr('UID'), attr('FLAGS'), attr('INTERNALDATE'), attr('RFC822.SIZE'), attr('MODSEQ')], true);
    const text = await render(v);
    expect(text).toBe(
      `(UID 1 FLAGS (\\Seen $Forwarded \\Recent) INTERNALDATE "${formatInternalDate(simple.internalDate)}" RFC822.SIZE ${simple.size} MODSEQ (42))`,
    );
    const parsed = await parseFetch(v);
    expect(parsed.length).toBe(10);
  });

  it('INTERNALDATE is dd-Mon-yyyy hh:mm:ss +zzzz', () => {
    const ms = Date.UTC(2026, 0, 5, 7, 8, 9);
    expect(formatInternalDate(ms, 0)).toBe('05-Jan-2026 07:08:09 +0000');
    expect(formatInternalDate(ms, 60)).toBe('05-Jan-2026 08:08:09 +0100');
    expect(formatInternalDate(ms, -330)).toBe('05-Jan-2026 01:38:09 -0530');
    expect(formatInternalDate(Date.UTC(2026, 11, 31, 23, 30, 0), 60)).toBe('01-Jan-2027 00:30:00 +0100');
  });

  it('ENVELOPE parses as a client expects, Sender/Reply-To defaulting to From', async () => {
    const parsed = await parseFetch(await fetchOne(folder, simple.uid, [attr('ENVELOPE')]));
    const env = parseEnvelope(parsed[1] as never) as unknown as Record<string, unknown>;
    expect(env['subject']).toBe('Lunch on Friday?');
    expect(env['messageId']).toBe('<simple-1@example.org>');
    expect(env['from']).toEqual([{ name: 'Alice Example', address: 'alice@example.org' }]);
    expect(env['sender']).toEqual(env['from']);
    expect(env['replyTo']).toEqual(env['from']);
    expect(env['to']).toEqual([
      { name: 'Bob', address: 'bob@example.com' },
      { name: '', address: 'carol@example.net' },
    ]);
    expect(env['cc']).toEqual([{ name: 'Dave, the Third', address: 'dave@example.com' }]);
    expect(env['date']).toEqual(new Date('2026-11-23T08:29:05Z'));
  });

  it('ENVELOPE writes address lists back to back (RFC 9051 1*address), as Dovecot does', async () => {
    const e = await render((await fetchOne(folder, simple.uid, [attr('ENVELOPE')]))[1]!);
    expect(e).toBe(
      '("Mon, 23 Nov 2026 09:29:05 +0100" "Lunch on Friday?" (("Alice Example" NIL "alice" "example.org")) ' +
        '(("Alice Example" NIL "alice" "example.org")) (("Alice Example" NIL "alice" "example.org")) ' +
        '(("Bob" NIL "bob" "example.com")(NIL NIL "carol" "example.net")) (("Dave, the Third" NIL "dave" "example.com")) ' +
        'NIL NIL "<simple-1@example.org>")',
    );
  });

  it('non-ASCII header text goes out as a literal sized in UTF-8 bytes', async () => {
    const f = new MemoryFolder();
    const m = f.add(Buffer.from('Subject: caf\xe9\r\nFrom: "J\xe9r\xf4me" <j@example.fr>\r\n\r\nx\r\n', 'latin1'));
    const values = await renderFetch({ folder: f, message: m, recent: false }, [attr('ENVELOPE')]);
    const parsed = await parseFetch(values);
    const env = parseEnvelope(parsed[1] as never) as unknown as Record<string, unknown>;
    expect(env['subject']).toBe('café');
    expect(env['from']).toEqual([{ name: 'Jérôme', address: 'j@example.fr' }]);
  });

  it('ENVELOPE keeps encoded-words raw and groups as markers', async () => {
    const e = await render((await fetchOne(folder, encoded.uid, [attr('ENVELOPE')]))[1]!);
    expect(e).toContain('"=?ISO-8859-1?Q?Andr=E9?= Pirard" NIL "PIRARD" "vm1.ulg.ac.be"');
    const a = await render((await fetchOne(folder, alt.uid, [attr('ENVELOPE')]))[1]!);
    expect(a).toContain('((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL))');
  });

  it('BODY is BODYSTRUCTURE without extension data', async () => {
    const bs = await render((await fetchOne(folder, simple.uid, [attr('BODYSTRUCTURE')]))[1]!);
    const b = await render((await fetchOne(folder, simple.uid, [attr('BODY')]))[1]!);
    const lines = 5; // Hello Bob, / (empty) / are we … / "-- " / Alice
    expect(b).toMatch(new RegExp(`^\\("text" "plain" \\("charset" "us-ascii"\\) NIL NIL "7BIT" \\d+ ${lines}\\)$`));
    expect(bs).toBe(b.slice(0, -1) + ' NIL NIL NIL NIL)');
    const mixedBs = await render((await fetchOne(folder, mixed.uid, [attr('BODYSTRUCTURE')]))[1]!);
    expect(mixedBs).toContain(')("application" "pdf" ("name" "report.pdf") "<report@example.com>" "Quarterly report" "base64" ');
    expect(mixedBs).toContain('"Q2hlY2sgSW50ZWdyaXR5IQ==" ("attachment" ("filename" "report.pdf")) ("en" "de") "http://example.com/report.pdf")');
    expect(mixedBs).toMatch(/ "mixed" \("boundary" "----=_Part_0_12345"\) NIL NIL NIL\)$/);
  });

  it('an encoded message/rfc822 part keeps the message grammar (empty envelope and body)', async () => {
    const f = new MemoryFolder();
    const m = f.add(
      'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
        'U3ViamVjdDogeA0KDQp5DQo=\r\n--b--\r\n',
    );
    const v = await renderFetch({ folder: f, message: m, recent: false }, [attr('BODY')]);
    expect(await render(v[1]!)).toBe(
      '(("message" "rfc822" NIL NIL NIL "base64" 24 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0) 0) "mixed")',
    );
  });

  it('BODY[...] labels, partials and literals', async () => {
    const items: FetchItem[] = [
      { kind: 'section', peek: true, section: { part: [], text: 'HEADER.FIELDS', fields: ['Subject', 'X Odd'] } },
      { kind: 'section', peek: false, section: { part: [1] }, partial: { start: 2, length: 5 } },
      { kind: 'section', peek: true, section: { part: [] }, partial: { start: 0, length: 4 } },
    ];
    const v = await fetchOne(folder, simple.uid, items);
    const literals: Buffer[] = [];
    const text = await render(v, literals);
    expect(text.replaceAll('\0LITERAL\0', '')).toBe('(BODY[HEADER.FIELDS (Subject "X Odd")] {31}\r\n BODY[1]<2> {5}\r\n BODY[]<0> {4}\r\n)');
    const lits = literals.map((b) => b.toString());
    expect(lits).toEqual(['Subject: Lunch on\r\n Friday?\r\n\r\n', 'llo B', 'Retu']);
    expect(sectionLabel({ part: [1, 2], text: 'MIME' })).toBe('1.2.MIME');
  });

  it('RFC822, RFC822.HEADER, RFC822.TEXT', async () => {
    const raw = folder.bytes(simple.uid);
    const split = raw.indexOf('\r\n\r\n') + 4;
    const v = await fetchOne(folder, simple.uid, [attr('RFC822.HEADER'), attr('RFC822.TEXT'), attr('RFC822')]);
    expect((await literalBytes(v)).map((b) => b.toString())).toEqual([
      raw.subarray(0, split).toString(),
      raw.subarray(split).toString(),
      raw.toString(),
    ]);
  });

  it('BINARY decodes base64 and quoted-printable; BINARY.SIZE is the decoded size', async () => {
    const v = await fetchOne(folder, alt.uid, [
      { kind: 'binary', peek: true, part: [1] },
      { kind: 'binary', peek: true, part: [2] },
      { kind: 'binary-size', part: [2] },
      { kind: 'binary', peek: true, part: [1], partial: { start: 0, length: 4 } },
    ]);
    const lits = (await literalBytes(v)).map((b) => b.toString('utf8'));
    expect(lits[0]).toBe('Grüße aus München, liebe Kundin!\r\nZweite Zeile.');
    expect(lits[1]).toBe('<html><body><p>Grüße aus München!</p></body></html>\n');
    expect(v[5]).toBe(Buffer.byteLength(lits[1]!));
    expect(await render(v[6]!)).toBe('BINARY[1]<0>');
    expect(lits[2]).toBe('Grü');
  });

  it('BINARY on an unknown transfer encoding throws UnknownCteError', async () => {
    await expect(fetchOne(folder, odd.uid, [{ kind: 'binary', peek: true, part: [1] }])).rejects.toBeInstanceOf(UnknownCteError);
  });

  it('which items set \\Seen, and FLAGS added after an implicit \\Seen', async () => {
    expect(fetchSetsSeen([attr('RFC822.HEADER'), { kind: 'section', peek: true, section: { part: [] } }])).toBe(false);
    expect(fetchSetsSeen([attr('RFC822')])).toBe(true);
    expect(fetchSetsSeen([attr('RFC822.TEXT')])).toBe(true);
    expect(fetchSetsSeen([{ kind: 'section', peek: false, section: { part: [1] } }])).toBe(true);
    expect(fetchSetsSeen([{ kind: 'binary', peek: false, part: [1] }])).toBe(true);
    const message = folder.state().messages.find((m) => m.uid === mixed.uid)!;
    const v = await renderFetch({ folder, message: { ...message, flags: ['\\Seen'] }, recent: false }, [attr('UID')], { addFlags: true });
    expect(await render(v)).toBe(`(UID ${mixed.uid} FLAGS (\\Seen))`);
  });

  it('top-level HEADER and HEADER.FIELDS come from the message start, without the summary', async () => {
    const f = new MemoryFolder();
    const m = f.add(fixture('mixed-attachment.eml'));
    const items: FetchItem[] = [
      attr('UID'),
      attr('RFC822.SIZE'),
      { kind: 'section', peek: true, section: { part: [], text: 'HEADER.FIELDS', fields: ['From', 'Subject', 'Content-Type'] } },
    ];
    const lits = await literalBytes(await renderFetch({ folder: f, message: m, recent: false }, items));
    expect(lits[0]!.toString()).toBe('From: Bob <bob@example.com>\r\nSubject: The report\r\nContent-Type: multipart/mixed;\r\n boundary="----=_Part_0_12345"\r\n\r\n');
    expect(f.summaries).toBe(0);
  });

  it('a header longer than the first read falls back to the summary and stays exact', async () => {
    const f = new MemoryFolder();
    const long = `X-Long: ${'y'.repeat(40_000)}\r\nSubject: after the long one\r\n\r\nbody\r\n`;
    const m = f.add(long);
    const v = await renderFetch({ folder: f, message: m, recent: false }, [
      attr('RFC822.HEADER'),
      { kind: 'section', peek: true, section: { part: [], text: 'HEADER.FIELDS.NOT', fields: ['X-Long'] } },
    ]);
    const lits = (await literalBytes(v)).map((b) => b.toString());
    expect(lits).toEqual([long.slice(0, long.indexOf('body')), 'Subject: after the long one\r\n\r\n']);
    const headerless = f.add('no header here\r\nat all\r\n');
    const h = await renderFetch({ folder: f, message: headerless, recent: false }, [attr('RFC822.HEADER')]);
    expect(await render(h)).toBe('(RFC822.HEADER "")');
  });

  it('a fetch of flags and sizes reads neither body nor summary', async () => {
    const before = { reads: folder.reads, summaries: folder.summaries };
    await fetchOne(folder, mixed.uid, [attr('UID'), attr('FLAGS'), attr('RFC822.SIZE'), attr('INTERNALDATE')]);
    expect({ reads: folder.reads, summaries: folder.summaries }).toEqual(before);
  });
});
