// RFC 5256 SORT (and RFC 5957 DISPLAYFROM/DISPLAYTO). Keys come from MessageInfo and the cached summary;
// strings compare with i;ascii-casemap, display names with a Unicode case fold; ties fall back to the next
// criterion and finally to sequence number order, as the RFC requires.
import type { Folder, MessageInfo } from '../../../maildir/types.js';
import type { Address, MessageSummary } from '../../../mime/types.js';
import { decodeHeaderText } from '../../../mime/summarize.js';
import type { SortCriterion } from '../protocol/ast.js';
import { baseSubject, casemap } from './base-subject.js';

export interface SortContext {
  readonly folder: Folder;
  /** The session's view: sequence number n is messages[n - 1]. */
  readonly messages: readonly MessageInfo[];
}

function firstMailbox(list: readonly Address[] | null): string {
  const a = list?.find((x) => x.host !== null);
  return a?.mailbox ?? '';
}

/** RFC 5957: the display name if there is one, else the address. */
function displayName(list: readonly Address[] | null): string {
  const a = list?.find((x) => x.host !== null);
  if (!a) return '';
  const name = a.name ? decodeHeaderText(a.name).trim() : '';
  return name !== '' ? name : `${a.mailbox ?? ''}@${a.host ?? ''}`;
}

/** The sent date for SORT DATE and THREAD: the Date header, or INTERNALDATE when it is missing or bad. */
export function sentDateOf(info: MessageInfo, s: MessageSummary): number {
  return s.sentDate ?? info.internalDate;
}

type KeyValue = number | string;

function keyOf(key: SortCriterion['key'], info: MessageInfo, s: MessageSummary | undefined): KeyValue {
  switch (key) {
    case 'ARRIVAL':
      return info.internalDate;
    case 'SIZE':
      return info.size;
    case 'DATE':
      return sentDateOf(info, s!);
    case 'CC':
      return casemap(firstMailbox(s!.envelope.cc));
    case 'FROM':
      return casemap(firstMailbox(s!.envelope.from));
    case 'TO':
      return casemap(firstMailbox(s!.envelope.to));
    case 'SUBJECT':
      return casemap(baseSubject(s!.decodedSubject, true).base);
    case 'DISPLAYFROM':
      return displayName(s!.envelope.from).toLowerCase();
    case 'DISPLAYTO':
      return displayName(s!.envelope.to).toLowerCase();
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
    const s = needSummary ? await ctx.folder.summary(info.uid) : undefined;
    rows.push({ seq, keys: criteria.map((c) => keyOf(c.key, info, s)) });
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
