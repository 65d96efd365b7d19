// The in-memory record of one message: the public MessageInfo plus where its file is. Kept small on purpose
// (a 100,000-message folder holds 100,000 of these): flag arrays are shared between messages with the same
// flag letters, there are no per-message closures, and the file's base stays in the uidlist's table until
// someone asks for it.
import type { Flag, FolderChange, MessageInfo } from './types.js';
import type { BaseTable } from './base-table.js';

export class MaildirMessage implements MessageInfo {
  constructor(
    readonly uid: number,
    readonly flags: readonly Flag[],
    readonly modseq: number,
    readonly size: number,
    readonly internalDate: number,
    /** Where the uidlist key (file name up to ':') is: a table and a position that never change. */
    readonly baseTable: BaseTable,
    readonly basePos: number,
    /** Flag letters of the file name ('' in new/). */
    readonly info: string,
    readonly inNew: boolean,
    /** The file name when it is not the usual `<base>` (new/) or `<base>:2,<info>` (cur/). */
    readonly rawName?: string | undefined,
  ) {}

  /** The uidlist key: the file name up to ':'. */
  get base(): string {
    return this.baseTable.at(this.basePos);
  }

  /** The same message with other flags (a flag change or a move new/ -> cur/). */
  withFlags(flags: readonly Flag[], modseq: number, info: string, inNew: boolean): MaildirMessage {
    return new MaildirMessage(this.uid, flags, modseq, this.size, this.internalDate, this.baseTable, this.basePos, info, inNew);
  }

  /** File name inside new/ or cur/, built on demand so 100,000 messages do not hold 100,000 names. */
  get file(): string {
    return this.rawName ?? (this.inNew ? this.base : `${this.base}:2,${this.info}`);
  }
}

/** Index of `uid` in an array sorted by UID, or -1. */
export function findUid(messages: readonly MessageInfo[], uid: number): number {
  let lo = 0;
  let hi = messages.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const u = (messages[mid] as MessageInfo).uid;
    if (u === uid) return mid;
    if (u < uid) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The changes that turn `before` into `after` (both sorted by UID), in the order IMAP reports them. */
export function diffStates(before: readonly MessageInfo[], after: readonly MessageInfo[]): FolderChange[] {
  const expunged: number[] = [];
  const added: MessageInfo[] = [];
  const flags: MessageInfo[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const a = before[i];
    const b = after[j];
    if (b === undefined || (a !== undefined && a.uid < b.uid)) {
      expunged.push((a as MessageInfo).uid);
      i++;
    } else if (a === undefined || b.uid < a.uid) {
      added.push(b);
      j++;
    } else {
      if (a !== b && (a.modseq !== b.modseq || !sameFlags(a.flags, b.flags))) flags.push(b);
      i++;
      j++;
    }
  }
  const out: FolderChange[] = [];
  if (expunged.length > 0) out.push({ type: 'expunged', uids: expunged });
  if (added.length > 0) out.push({ type: 'added', messages: added });
  if (flags.length > 0) out.push({ type: 'flags', messages: flags });
  return out;
}

function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((f, i) => f === b[i]));
}
