// SEARCH as a table: every key of RFC 3501/9051 (plus MODSEQ, OLDER/YOUNGER, `$`) over six messages, then
// the cost order (cheap keys first, bodies read only when needed) and the 100,000-message SUBJECT budget.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isSearchCharset, searchMessages, type SearchContext } from '../../src/server/imap/search/evaluate.js';
import type { SearchKey, SequenceSet } from '../../src/server/imap/protocol/ast.js';
import { summarizeBuffer } from '../../src/mime/summarize.js';
import { MemoryFolder } from '../imap-fetch/memory-folder.js';

const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../../fixtures/mail/${name}`, import.meta.url)));
const day = (d: number): number => Date.UTC(2026, 10, d, 10, 0, 0);

const folder = new MemoryFolder();
folder.add(fixture('simple.eml'), { flags: ['\\Seen'], internalDate: day(20), modseq: 1 });
folder.add(fixture('alternative.eml'), { flags: ['\\Answered', '\\Flagged'], internalDate: day(21), modseq: 2 });
folder.add(fixture('mixed-attachment.eml'), { flags: ['\\Deleted', '$Work'], internalDate: day(22), modseq: 3 });
folder.add(fixture('encoded-words.eml'), { flags: ['\\Draft'], internalDate: day(23), modseq: 4 });
folder.add(fixture('non-utf8.eml'), { internalDate: day(24), modseq: 5 });
folder.add(
  'From: Zed <zed@example.org>\r\nTo: list@example.org\r\nBcc: Secret Person <secret@example.com>\r\n' +
    'Subject: Re: Fwd: [list] Lunch on Friday?\r\nX-Priority: 1 (Highest)\r\n\r\nsee you there\r\n',
  { internalDate: day(25), modseq: 6 },
);
const messages = folder.state().messages;

const ctx: SearchContext = {
  folder,
  messages,
  isRecent: (uid) => uid === 6,
  saved: new Set([2]),
  now: () => day(25) + 3600_000,
  zoneOffset: () => 0,
};

const set = (spec: string): SequenceSet => ({
  kind: 'set',
  ranges: spec.split(',').map((r) => {
    const [a, b] = r.split(':');
    const n = (x: string): number | '*' => (x === '*' ? '*' : Number(x));
    return { start: n(a!), end: n(b ?? a!) };
  }),
});
const flag = (key: Extract<SearchKey, { kind: 'flag' }>['key']): SearchKey => ({ kind: 'flag', key });
const text = (key: Extract<SearchKey, { kind: 'text' }>['key'], value: string): SearchKey => ({ kind: 'text', key, value });
const date = (key: Extract<SearchKey, { kind: 'date' }>['key'], d: number, month = 11): SearchKey => ({
  kind: 'date',
  key,
  date: { year: 2026, month, day: d },
});

describe('SEARCH keys', () => {
  const sizes = messages.map((m) => m.size);
  const seqsWhere = (f: (m: (typeof messages)[number]) => boolean): number[] =>
    messages.flatMap((m, i) => (f(m) ? [i + 1] : []));
  const rows: [string, SearchKey, number[]][] = [
    ['ALL', flag('ALL'), [1, 2, 3, 4, 5, 6]],
    ['SEEN', flag('SEEN'), [1]],
    ['UNSEEN', flag('UNSEEN'), [2, 3, 4, 5, 6]],
    ['ANSWERED', flag('ANSWERED'), [2]],
    ['UNANSWERED', flag('UNANSWERED'), [1, 3, 4, 5, 6]],
    ['FLAGGED', flag('FLAGGED'), [2]],
    ['UNFLAGGED', flag('UNFLAGGED'), [1, 3, 4, 5, 6]],
    ['DELETED', flag('DELETED'), [3]],
    ['UNDELETED', flag('UNDELETED'), [1, 2, 4, 5, 6]],
    ['DRAFT', flag('DRAFT'), [4]],
    ['UNDRAFT', flag('UNDRAFT'), [1, 2, 3, 5, 6]],
    ['RECENT', flag('RECENT'), [6]],
    ['OLD', flag('OLD'), [1, 2, 3, 4, 5]],
    ['NEW', flag('NEW'), [6]],
    ['KEYWORD $Work', { kind: 'keyword', flag: '$Work', negate: false }, [3]],
    ['UNKEYWORD $work', { kind: 'keyword', flag: '$work', negate: true }, [1, 2, 4, 5, 6]],
    ['LARGER size(1)', { kind: 'size', larger: true, size: sizes[0]! }, seqsWhere((m) => m.size > sizes[0]!)],
    ['SMALLER size(1)', { kind: 'size', larger: false, size: sizes[0]! }, seqsWhere((m) => m.size < sizes[0]!)],
    ['BEFORE 22-Nov', date('BEFORE', 22), [1, 2]],
    ['ON 22-Nov', date('ON', 22), [3]],
    ['SINCE 23-Nov', date('SINCE', 23), [4, 5, 6]],
    ['SENTBEFORE 24-Nov (header day, own zone)', date('SENTBEFORE', 24), [1]],
    ['SENTON 24-Nov', date('SENTON', 24), [2]],
    ['SENTSINCE 29-Nov', date('SENTSINCE', 29), [4, 5]],
    ['SENTON 25-Nov without Date falls back to INTERNALDATE', date('SENTON', 25), [3, 6]],
    ['SUBJECT decoded, case-insensitive', text('SUBJECT', 'MÜNCHEN'), [2]],
    ['SUBJECT lunch', text('SUBJECT', 'lunch'), [1, 6]],
    ['SUBJECT in decomposed form (NFD) matches composed text', text('SUBJECT', 'mu\u0308nchen'), [2]],
    ['FROM decoded name', text('FROM', 'andré'), [4]],
    ['FROM domain', text('FROM', 'SHOP.example'), [2]],
    ['TO', text('TO', 'carol'), [1]],
    ['CC decoded', text('CC', 'järnefors'), [4]],
    ['CC address', text('CC', 'dave@example.com'), [1]],
    ['BCC', text('BCC', 'secret person'), [6]],
    ['HEADER present', { kind: 'header', field: 'X-Priority', value: '' }, [6]],
    ['HEADER value', { kind: 'header', field: 'x-priority', value: 'highest' }, [6]],
    ['HEADER decoded', { kind: 'header', field: 'Subject', value: 'grüße' }, [2]],
    ['HEADER In-Reply-To', { kind: 'header', field: 'In-Reply-To', value: 'simple-1' }, [3]],
    ['BODY quoted-printable utf-8', text('BODY', 'LIEBE kundin'), [2]],
    ['BODY base64 html', text('BODY', 'grüße aus münchen!'), [2]],
    ['BODY quoted-printable latin-1', text('BODY', 'järnefors says'), [4]],
    ['BODY 8bit latin-1', text('BODY', 'crème brûlée'), [5]],
    ['BODY does not match headers', text('BODY', 'friday'), []],
    ['TEXT matches headers and body', text('TEXT', 'simple-1@example.org'), [1, 3]],
    ['TEXT body', text('TEXT', 'quarterly report attached'), [3]],
    ['UID range', { kind: 'uid', set: set('2:3') }, [2, 3]],
    ['UID n:*', { kind: 'uid', set: set('5:*') }, [5, 6]],
    ['UID beyond the last still matches *', { kind: 'uid', set: set('100:*') }, [6]],
    ['sequence set', { kind: 'seq', set: set('2,4') }, [2, 4]],
    ['sequence *:5', { kind: 'seq', set: set('*:5') }, [5, 6]],
    ['$ saved result', { kind: 'seq', set: { kind: 'saved' } }, [2]],
    ['NOT', { kind: 'not', key: flag('SEEN') }, [2, 3, 4, 5, 6]],
    ['OR', { kind: 'or', left: flag('SEEN'), right: flag('DRAFT') }, [1, 4]],
    ['AND group', { kind: 'and', keys: [text('SUBJECT', 'lunch'), flag('UNSEEN')] }, [6]],
    ['MODSEQ', { kind: 'modseq', modseq: 5 }, [5, 6]],
    ['YOUNGER', { kind: 'within', older: false, seconds: 2 * 3600 }, [6]],
    ['OLDER', { kind: 'within', older: true, seconds: 86400 * 4 + 7200 }, [1]],
    ['nested NOT OR', { kind: 'not', key: { kind: 'or', left: flag('DELETED'), right: text('BODY', 'bob') } }, [2, 4, 5, 6]],
  ];
  for (const [name, key, expected] of rows) {
    it(name, async () => {
      expect(await searchMessages(ctx, key)).toEqual(expected);
    });
  }

  it('accepts the CHARSETs it can decode', () => {
    expect(isSearchCharset(undefined)).toBe(true);
    expect(isSearchCharset('utf-8')).toBe(true);
    expect(isSearchCharset('US-ASCII')).toBe(true);
    expect(isSearchCharset('KOI8-R')).toBe(false);
  });
});

describe('SEARCH cost order', () => {
  it('evaluates cheap keys first and reads bodies only for survivors', async () => {
    const before = folder.reads;
    const summaries = folder.summaries;
    expect(await searchMessages(ctx, { kind: 'and', keys: [text('BODY', 'hello'), flag('SEEN')] })).toEqual([1]);
    expect(folder.reads - before).toBe(1);
    expect(folder.summaries - summaries).toBe(1);
  });

  it('SUBJECT, FROM and flags never read a body', async () => {
    const before = folder.reads;
    await searchMessages(ctx, { kind: 'or', left: text('SUBJECT', 'x'), right: text('FROM', 'y') });
    await searchMessages(ctx, flag('UNSEEN'));
    expect(folder.reads).toBe(before);
  });

  it('a second SUBJECT/FROM search is answered from memory; a new UIDVALIDITY starts over', async () => {
    const f = new MemoryFolder();
    f.add('Subject: alpha\r\nFrom: a@example.org\r\n\r\nx\r\n');
    f.add('Subject: beta\r\nFrom: b@example.org\r\n\r\nx\r\n');
    const c: SearchContext = { folder: f, messages: f.state().messages, isRecent: () => false };
    expect(await searchMessages(c, text('SUBJECT', 'ALPHA'))).toEqual([1]);
    const after = f.summaries;
    expect(await searchMessages(c, text('FROM', 'b@example'))).toEqual([2]);
    expect(await searchMessages(c, { kind: 'or', left: text('SUBJECT', 'beta'), right: date('SENTON', 1) })).toEqual([2]);
    expect(f.summaries).toBe(after);
    f.uidValidity = 2;
    expect(await searchMessages(c, text('SUBJECT', 'beta'))).toEqual([2]);
    expect(f.summaries).toBe(after + 2);
  });

  it('a message expunged elsewhere mid-search does not match and does not fail the search', async () => {
    const f = new MemoryFolder();
    f.add('Subject: one\r\n\r\nhello\r\n');
    const gone = f.add('Subject: two\r\n\r\nhello\r\n');
    f.add('Subject: three\r\n\r\nhello\r\n');
    f.vanish(gone.uid);
    const c: SearchContext = { folder: f, messages: f.state().messages, isRecent: () => false };
    expect(await searchMessages(c, text('BODY', 'hello'))).toEqual([1, 3]);
  });

  it('SUBJECT over 100,000 messages in under a second', async () => {
    const big = new MemoryFolder();
    const a = Buffer.from('Subject: weekly report\r\nFrom: a@example.org\r\n\r\nbody\r\n');
    const b = Buffer.from('Subject: =?UTF-8?Q?Caf=C3=A9?= menu\r\nFrom: b@example.org\r\n\r\nbody\r\n');
    const sa = summarizeBuffer(a);
    const sb = summarizeBuffer(b);
    for (let i = 0; i < 100_000; i++) big.addWithSummary(i % 100 === 0 ? b : a, i % 100 === 0 ? sb : sa);
    const bigCtx: SearchContext = { folder: big, messages: big.state().messages, isRecent: () => false };
    // the first search fills the in-memory field cache from the (here in-memory) summaries
    const t0 = performance.now();
    const first = await searchMessages(bigCtx, text('SUBJECT', 'café'));
    const firstMs = performance.now() - t0;
    const t1 = performance.now();
    const hits = await searchMessages(bigCtx, text('SUBJECT', 'café'));
    const ms = performance.now() - t1;
    expect(first).toEqual(hits);
    expect(hits.length).toBe(1000);
    expect(firstMs).toBeLessThan(5000);
    expect(ms).toBeLessThan(1000);
  });
});
