// Turning sequence sets (message numbers or UIDs) into positions in a session's view, and UID lists back
// into compact sets for responses (APPENDUID, COPYUID, VANISHED, ESEARCH).
import type { SequenceSet } from '../protocol/ast.js';
import type { MailboxView } from './view.js';

export class SequenceError extends Error {
  override readonly name = 'SequenceError';
}

/**
 * Positions (0-based, ascending, distinct) selected by `set`. Message numbers beyond EXISTS are an error
 * (RFC 9051 §9 seq-number); UIDs that do not exist are simply skipped, and `n:*` always includes the last
 * message (RFC 9051 §6.4.8).
 */
export function resolveSet(view: MailboxView, set: SequenceSet, byUid: boolean): number[] {
  const ranges =
    set.kind === 'saved'
      ? view.savedResult.map((u) => ({ start: u, end: u }))
      : set.ranges;
  const byUidSaved = set.kind === 'saved' ? true : byUid;
  const n = view.messages.length;
  const picked: number[] = [];
  if (byUidSaved) {
    const maxUid = n ? view.messages[n - 1]!.uid : 0;
    for (const r of ranges) {
      let a = r.start === '*' ? maxUid : r.start;
      let b = r.end === '*' ? maxUid : r.end;
      if (a > b) [a, b] = [b, a];
      for (let i = view.lowerBound(a); i < n && view.messages[i]!.uid <= b; i++) picked.push(i);
    }
  } else {
    for (const r of ranges) {
      let a = r.start === '*' ? n : r.start;
      let b = r.end === '*' ? n : r.end;
      if (a > b) [a, b] = [b, a];
      if (b > n || a < 1) throw new SequenceError(n === 0 ? 'No messages in the mailbox' : 'Invalid message sequence number');
      for (let i = a - 1; i < b; i++) picked.push(i);
    }
  }
  if (ranges.length <= 1) return picked;
  picked.sort((x, y) => x - y);
  return picked.filter((v, i) => i === 0 || picked[i - 1] !== v);
}

/** `1:3,7,9:10` from any list of numbers. */
export function formatUidSet(nums: readonly number[]): string {
  const sorted = [...nums].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]! <= sorted[j]! + 1) j++;
    parts.push(sorted[i] === sorted[j] ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Like formatUidSet but keeps the given order (COPYUID pairs source and destination sets by position). */
export function formatOrderedSet(nums: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < nums.length; ) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j]! + 1) j++;
    parts.push(i === j ? String(nums[i]) : `${nums[i]}:${nums[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
