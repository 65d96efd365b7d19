// RFC 5256: base-subject extraction, SORT by every key, THREAD=ORDEREDSUBJECT and THREAD=REFERENCES with the
// RFC's response format.
import { describe, expect, it } from 'vitest';
import { baseSubject } from '../../src/server/imap/search/base-subject.js';
import { sortMessages } from '../../src/server/imap/search/sort.js';
import { formatThreads, mapThreadIds, threadMessages } from '../../src/server/imap/search/thread.js';
import type { SortCriterion } from '../../src/server/imap/protocol/ast.js';
import { MemoryFolder } from '../imap-fetch/memory-folder.js';

describe('base subject (RFC 5256 §2.1)', () => {
  const rows: [string, string, boolean][] = [
    ['hello', 'hello', false],
    ['Re: hello', 'hello', true],
    ['RE: re: Fwd: hello', 'hello', true],
    ['Fw: hello', 'hello', true],
    ['Re[2]: hello', 'hello', true],
    ['[list] Re: hello', 'hello', true],
    ['Re: [list] hello', 'hello', true],
    ['[list] hello', 'hello', false],
    ['[only a blob]', '[only a blob]', false],
    ['hello (fwd)', 'hello', true],
    ['[Fwd: hello]', 'hello', true],
    ['[fwd: Re: hello (fwd)]', 'hello', true],
    ['  lots \t of   space  ', 'lots of space', false],
    ['=?UTF-8?Q?Re=3A_caf=C3=A9?=', 'café', true],
    ['Reply: not a leader', 'Reply: not a leader', false],
    ['', '', false],
  ];
  for (const [input, base, isReply] of rows) {
    it(JSON.stringify(input), () => {
      expect(baseSubject(input)).toEqual({ base, isReply });
    });
  }
});

function mail(h: Record<string, string>, body = 'x'): string {
  return Object.entries(h)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('') + `\r\n${body}\r\n`;
}

describe('SORT', () => {
  const folder = new MemoryFolder();
  const t = (d: number): number => Date.UTC(2026, 0, d);
  folder.add(mail({ From: 'carol@example.org', To: 'zed@example.org', Cc: 'b@x', Subject: 'Re: beta', Date: 'Mon, 5 Jan 2026 10:00:00 +0000' }, 'xx'), { internalDate: t(9) });
  folder.add(mail({ From: 'Alice <alice@example.org>', To: 'yan@example.org', Subject: 'alpha', Date: 'Sun, 4 Jan 2026 10:00:00 +0000' }, 'x'.repeat(500)), { internalDate: t(8) });
  folder.add(mail({ From: 'BOB@example.org', To: 'xi@example.org', Cc: 'a@x', Subject: '[list] Gamma' }), { internalDate: t(2) });
  folder.add(mail({ From: 'bob@example.org', To: 'Zed <ann@example.org>', Subject: 'Fwd: ALPHA', Date: 'garbage' }, 'x'.repeat(50)), { internalDate: t(1) });
  const ctx = { folder, messages: folder.state().messages };
  const all = [1, 2, 3, 4];
  const sort = (...c: SortCriterion[]): Promise<number[]> => sortMessages(ctx, c, all);
  const k = (key: SortCriterion['key'], reverse = false): SortCriterion => ({ key, reverse });

  it('ARRIVAL and REVERSE ARRIVAL', async () => {
    expect(await sort(k('ARRIVAL'))).toEqual([4, 3, 2, 1]);
    expect(await sort(k('ARRIVAL', true))).toEqual([1, 2, 3, 4]);
  });
  it('DATE falls back to INTERNALDATE when the Date header is missing or bad', async () => {
    expect(await sort(k('DATE'))).toEqual([4, 3, 2, 1]);
  });
  it('SUBJECT by base subject, ties by sequence number', async () => {
    expect(await sort(k('SUBJECT'))).toEqual([2, 4, 1, 3]);
  });
  it('FROM by mailbox, case-insensitive, then next key', async () => {
    expect(await sort(k('FROM'), k('SIZE', true))).toEqual([2, 4, 3, 1]);
  });
  it('TO, CC (missing sorts first), SIZE', async () => {
    expect(await sort(k('TO'))).toEqual([4, 3, 2, 1]);
    expect(await sort(k('CC'))).toEqual([2, 4, 3, 1]);
    const bySize = ctx.messages.map((m, i) => [m.size, i + 1] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(await sort(k('SIZE'))).toEqual(bySize.map(([, seq]) => seq));
    expect(bySize[3]![1]).toBe(2);
  });
  it('DISPLAYFROM and DISPLAYTO (RFC 5957)', async () => {
    expect(await sort(k('DISPLAYFROM'))).toEqual([2, 3, 4, 1]);
    expect(await sort(k('DISPLAYTO'))).toEqual([3, 2, 4, 1]);
  });
  it('a repeated SORT is answered from memory', async () => {
    await sort(k('DATE'), k('SUBJECT'));
    const before = folder.summaries;
    expect(await sort(k('FROM'), k('DISPLAYTO', true))).toEqual([2, 4, 3, 1]);
    expect(folder.summaries).toBe(before);
  });

  it('sorts only the given subset', async () => {
    expect(await sortMessages(ctx, [k('ARRIVAL')], [1, 3])).toEqual([3, 1]);
  });
});

describe('THREAD', () => {
  const folder = new MemoryFolder();
  const d = (n: number): string => `Thu, ${n} Jan 2026 10:00:00 +0000`;
  folder.add(mail({ 'Message-ID': '<a@x>', Subject: 'Topic A', Date: d(1) })); // 1
  folder.add(mail({ 'Message-ID': '<b@x>', 'In-Reply-To': '<a@x>', Subject: 'Re: Topic A', Date: d(2) })); // 2
  folder.add(mail({ 'Message-ID': '<c@x>', References: '<a@x> <b@x>', Subject: 'Re: Topic A', Date: d(3) })); // 3
  folder.add(mail({ 'Message-ID': '<d@x>', References: '<lost@x>', Subject: 'Orphan', Date: d(4) })); // 4
  folder.add(mail({ 'Message-ID': '<e@x>', References: '<gone@x>', Subject: 'Split', Date: d(5) })); // 5
  folder.add(mail({ 'Message-ID': '<f@x>', References: '<gone@x>', Subject: 'Re: Split', Date: d(6) })); // 6
  folder.add(mail({ 'Message-ID': '<g@x>', Subject: 'Re: Lunch', Date: d(8) })); // 7
  folder.add(mail({ 'Message-ID': '<h@x>', Subject: 'lunch', Date: d(7) })); // 8
  folder.add(mail({ 'Message-ID': '<b@x>', References: '<a@x>', Subject: 'duplicate id', Date: d(9) })); // 9
  folder.add(mail({ 'Message-ID': '<i@x>', 'In-Reply-To': '<c@x>', Subject: 'Re: Topic A', Date: d(2) })); // 10
  const ctx = { folder, messages: folder.state().messages };
  const all = ctx.messages.map((_, i) => i + 1);

  it('ORDEREDSUBJECT groups by base subject under the earliest message', async () => {
    const threads = await threadMessages(ctx, 'ORDEREDSUBJECT', all);
    expect(formatThreads(threads)).toBe('(1 (2)(10)(3))(4)(5 6)(8 7)(9)');
  });

  it('REFERENCES follows References / In-Reply-To, keeps dummies at the root, merges by subject', async () => {
    const threads = await threadMessages(ctx, 'REFERENCES', all);
    expect(formatThreads(threads)).toBe('(1 (2 3 10)(9))(4)((5)(6))(8 7)');
  });

  it('UID THREAD maps sequence numbers', async () => {
    const threads = await threadMessages(ctx, 'ORDEREDSUBJECT', [1, 2]);
    expect(formatThreads(mapThreadIds(threads, (n) => n * 10))).toBe('(10 20)');
  });
});
