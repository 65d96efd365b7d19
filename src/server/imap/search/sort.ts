// RFC 5256 SORT (and RFC 5957 DISPLAYFROM/DISPLAYTO). Keys come from MessageInfo and the search field cache
// (filled from the store's summary on first use, so repeated sorts of a large mailbox stay in memory);
// strings compare with i;ascii-casemap, display names with a Unicode case fold; ties fall back to the next
// criterion and finally to sequence number order, as the RFC requires.
import type { Folder, MessageInfo } from '../../../maildir/types.js';
import type { MessageSummary } from '../../../mime/types.js';
import type { SortCriterion } from '../protocol/ast.js';
import { cachedFields, rememberWithSort, type SearchFields } from './field-cache.js';

export interface SortContext {
  readonly folder: Folder;
  /** The session's view: sequence number n is messages[n - 1]. */
  readonly messages: readonly MessageInfo[];
}

/** The sent date for SORT DATE and THREAD: the Date header, or INTERNALDATE when it is missing or bad. */
export function sentDateOf(info: MessageInfo, s: Pick<MessageSummary, 'sentDate'>): number {
  return s.sentDate ?? info.internalDate;
}

type KeyValue = number | string;

function keyOf(key: SortCriterion['key'], info: MessageInfo, f: SearchFields | undefined): KeyValue {
  switch (key) {
    case 'ARRIVAL':
      return info.internalDate;
    case 'SIZE':
      return info.size;
    case 'DATE':
      return sentDateOf(info, f!);
    case 'CC':
      return f!.sort!.cc;
    case 'FROM':
      return f!.sort!.from;
    case 'TO':
      return f!.sort!.to;
    case 'SUBJECT':
      return f!.sort!.subject;
    case 'DISPLAYFROM':
      return f!.sort!.displayFrom;
    case 'DISPLAYTO':
      return f!.sort!.displayTo;
  }
}

function compare(a: KeyValue, b: KeyValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Sorts the given sequence numbers (e.g. a SEARCH result) by the criteria; returns sequence numbers. */
export async function sortMessages(ctx: SortContext, criteria: readonly SortCriterion[], seqs: readonly number[]): Promise<number[]> {
  const needSummary = criteria.some((c) => c.key !== 'ARRIVAL' && c.key !== 'SIZE');
  const rows: { seq: number; keys: KeyValue[] }[] = [];
  for (const seq of seqs) {
    const info = ctx.messages[seq - 1];
    if (!info) continue;
    let f: SearchFields | undefined;
    if (needSummary) {
      f = cachedFields(ctx.folder, info.uid);
      if (f?.sort === undefined) f = rememberWithSort(ctx.folder, info.uid, await ctx.folder.summary(info.uid));
    }
    rows.push({ seq, keys: criteria.map((c) => keyOf(c.key, info, f)) });
  }
  rows.sort((a, b) => {
    for (let i = 0; i < criteria.length; i++) {
      const d = compare(a.keys[i]!, b.keys[i]!);
      if (d !== 0) return criteria[i]!.reverse ? -d : d;
    }
    return a.seq - b.seq;
  });
  return rows.map((r) => r.seq);
}
