// One session's view of its selected folder. Invariants (RFC 9051 §7.5.1, RFC 3501 §7.4.1):
//  - `messages[i]` is message sequence number i+1 exactly as the client last learned it; numbers change only
//    through the EXPUNGE / VANISHED / EXISTS responses that refresh() returns, in the order it returns them.
//  - A message removed by anyone stays here as a "ghost" until a refresh that may announce expunges (never
//    while a FETCH, STORE or SEARCH by sequence number runs), so numbers never shift under a command.
//  - New messages (UID above every known UID) are appended and announced with EXISTS (and RECENT).
//  - Flag changes made by others are announced as FETCH (FLAGS); our own STORE results are applied through
//    applyOwn() so they are not announced twice.
//  - Memory: while a view agrees with its folder (no ghosts, no own changes pending), `messages` IS the folder
//    state's immutable array, shared by every session on that folder; a private copy is made only when the
//    view must differ, and dropped again as soon as it agrees once more.
import type { Folder, FolderState, MessageInfo } from '../../../maildir/types.js';
import { atom, Raw, type Value } from '../protocol/values.js';
import { formatUidSet } from './sequence.js';

export interface RefreshOptions {
  /** EXPUNGE / VANISHED may be sent now. */
  readonly allowExpunge: boolean;
  /** QRESYNC enabled: VANISHED instead of EXPUNGE, UID and MODSEQ in flag updates (RFC 7162 §3.2.10). */
  readonly qresync: boolean;
  /** CONDSTORE enabled: MODSEQ in flag updates. */
  readonly condstore: boolean;
}

export class MailboxView {
  /** Sequence-number order; may contain ghosts (expunged but not yet announced). Never mutated in place. */
  messages: readonly MessageInfo[];
  /** UIDs of ghosts. The sets below stay unallocated while empty (thousands of idle views have none). */
  private ghostSet: Set<number> | undefined;
  private recentSet: Set<number> | undefined;
  private keywordSet: Set<string> | undefined;
  /** SEARCHRES saved result (RFC 5182), as UIDs; reset on SELECT. */
  savedResult: readonly number[] = NONE;
  /** The folder state array this view was last reconciled with (identity check makes idle refreshes free). */
  seen: readonly MessageInfo[];
  uidNext: number;
  /** Unsubscribes from the folder's change feed (set once the session subscribed). */
  unsubscribe: () => void = () => {};
  /**
   * The session enabled IMAP4rev2, which has no \Recent (RFC 9051 Appendix E): it takes none, so IMAP4rev1
   * sessions on the folder still see new mail as \Recent, and it is told of none (no RECENT, no \Recent flag).
   */
  noRecent = false;

  constructor(
    readonly folder: Folder,
    /** The name as the client gave it (Unicode). */
    readonly name: string,
    readonly readOnly: boolean,
    state: FolderState,
  ) {
    this.messages = state.messages;
    this.seen = state.messages;
    this.uidNext = state.uidNext;
    for (const m of this.messages) this.noteKeywords(m);
  }

  /** UIDs of ghosts (expunged, not yet announced). */
  get ghosts(): ReadonlySet<number> {
    return this.ghostSet ?? NO_UIDS;
  }

  /** UIDs that are \Recent for this session. */
  get recent(): ReadonlySet<number> {
    return this.recentSet ?? NO_UIDS;
  }

  /** Keywords announced in FLAGS / PERMANENTFLAGS. */
  get keywords(): ReadonlySet<string> {
    return this.keywordSet ?? NO_KEYWORDS;
  }

  /** This session holds \Recent for these (claimed by it). */
  addRecent(uids: Iterable<number>): void {
    if (this.noRecent) return;
    for (const u of uids) (this.recentSet ??= new Set()).add(u);
  }

  /** From now on the session has no \Recent (IMAP4rev2 enabled while this view is selected). */
  dropRecent(): void {
    this.noRecent = true;
    this.recentSet = undefined;
  }

  /** These were expunged and announced: this session no longer holds \Recent for them. */
  forgetRecent(uids: Iterable<number>): void {
    if (this.recentSet) for (const u of uids) this.recentSet.delete(u);
  }

  private noteKeywords(m: MessageInfo): void {
    for (const f of m.flags) if (!f.startsWith('\\')) (this.keywordSet ??= new Set()).add(f);
  }

  get exists(): number {
    return this.messages.length;
  }

  /** Index (0-based) of a UID, or -1. Binary search: `messages` is ascending by UID. */
  indexOfUid(uid: number): number {
    let lo = 0;
    let hi = this.messages.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const u = this.messages[mid]!.uid;
      if (u === uid) return mid;
      if (u < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** First index whose UID is >= uid. */
  lowerBound(uid: number): number {
    let lo = 0;
    let hi = this.messages.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.messages[mid]!.uid < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Flags as FETCH shows them: stored flags plus \Recent when this session holds it. */
  flagValues(m: MessageInfo): Value[] {
    const out: Value[] = m.flags.map((f) => atom(f));
    if (this.recent.has(m.uid)) out.push(atom('\\Recent'));
    return out;
  }

  /**
   * Our own STORE changed these: take their new state without announcing it as someone else's change.
   * Returns the `* FLAGS` / PERMANENTFLAGS responses to send first when new keywords appeared.
   */
  applyOwn(updated: readonly MessageInfo[]): Value[][] {
    const before = this.keywords.size;
    let own: MessageInfo[] | undefined;
    for (const m of updated) {
      const i = this.indexOfUid(m.uid);
      if (i >= 0 && !this.ghosts.has(m.uid) && this.messages[i] !== m) {
        own ??= this.messages.slice();
        own[i] = m;
      }
      this.noteKeywords(m);
    }
    if (own) this.messages = own;
    return this.keywords.size !== before ? this.flagsResponses() : [];
  }

  /** Reconciles with the folder's state; returns the untagged responses that announce the difference. */
  async refresh(state: FolderState, opts: RefreshOptions): Promise<Value[][]> {
    const out: Value[][] = [];
    if (state.messages !== this.seen) this.merge(state, out, opts);
    if (opts.allowExpunge && this.ghosts.size > 0) this.announceExpunges(out, opts.qresync);
    return out;
  }

  private merge(state: FolderState, out: Value[][], opts: RefreshOptions): void {
    const next = state.messages;
    this.seen = next;
    this.uidNext = state.uidNext;
    const merged: MessageInfo[] = [];
    const changed = new Set<number>();
    let j = 0;
    for (const v of this.messages) {
      while (j < next.length && next[j]!.uid < v.uid) j++;
      const n = j < next.length && next[j]!.uid === v.uid ? next[j] : undefined;
      if (n && !this.ghosts.has(v.uid)) {
        if (n !== v && (n.modseq !== v.modseq || !sameFlags(n.flags, v.flags))) changed.add(n.uid);
        merged.push(n);
        j++;
      } else {
        (this.ghostSet ??= new Set()).add(v.uid);
        merged.push(v);
      }
    }
    const maxUid = this.messages.length ? this.messages[this.messages.length - 1]!.uid : 0;
    let added = 0;
    for (; j < next.length; j++) {
      if (next[j]!.uid > maxUid) {
        merged.push(next[j]!);
        added++;
      }
    }
    // Nothing held back and nothing skipped: the merge is the folder's array itself, so share it.
    this.messages = this.ghosts.size === 0 && merged.length === next.length ? next : merged;
    const before = this.keywords.size;
    for (let i = merged.length - added; i < merged.length; i++) this.noteKeywords(merged[i]!);
    for (const uid of changed) this.noteKeywords(this.messages[this.indexOfUid(uid)]!);
    if (this.keywords.size !== before) out.push(...this.flagsResponses());
    if (added > 0) out.push([merged.length, atom('EXISTS')]);
    if (changed.size > 0) {
      this.messages.forEach((m, i) => {
        if (!changed.has(m.uid)) return;
        const items: Value[] = [atom('UID'), m.uid, atom('FLAGS'), this.flagValues(m)];
        if (opts.condstore || opts.qresync) items.push(atom('MODSEQ'), [m.modseq]);
        out.push([i + 1, atom('FETCH'), items]);
      });
    }
  }

  /**
   * Takes \Recent for newly arrived messages (the caller then sends `* n RECENT`). A read-only session sees
   * them as \Recent without taking them: the next session sees them too (RFC 3501 §2.3.2, §6.3.2).
   */
  async claimRecent(): Promise<boolean> {
    if (this.noRecent) return false;
    // Only messages this session has been told of (EXISTS): one that arrived since is claimed with its EXISTS.
    const upTo = this.messages.length > 0 ? this.messages[this.messages.length - 1]!.uid : 0;
    if (upTo === 0) return false;
    const uids = this.readOnly ? ((await this.folder.peekRecent?.(upTo)) ?? []) : await this.folder.claimRecent(upTo);
    let any = false;
    for (const u of uids) {
      if (!this.recent.has(u)) any = true;
      (this.recentSet ??= new Set()).add(u);
    }
    return any;
  }

  private announceExpunges(out: Value[][], qresync: boolean): void {
    if (qresync) {
      out.push([atom('VANISHED'), new Raw(formatUidSet([...this.ghosts]))]);
    } else {
      // Highest first: each EXPUNGE renumbers only the messages above it, so the numbers we send stay valid.
      for (let i = this.messages.length - 1; i >= 0; i--) if (this.ghosts.has(this.messages[i]!.uid)) out.push([i + 1, atom('EXPUNGE')]);
    }
    const kept = this.messages.filter((m) => !this.ghosts.has(m.uid));
    this.messages = sameMessages(kept, this.seen) ? this.seen : kept;
    for (const u of this.ghosts) this.recentSet?.delete(u);
    this.ghostSet = undefined;
  }

  /** `* FLAGS` and `* OK [PERMANENTFLAGS]` for the current keyword set. */
  flagsResponses(): Value[][] {
    const names = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft', ...this.keywords];
    const perm = this.readOnly ? '' : [...names, '\\*'].join(' ');
    return [
      [atom('FLAGS'), names.map((n) => atom(n))],
      [atom('OK'), new Raw(`[PERMANENTFLAGS (${perm})]`), atom(this.readOnly ? 'No permanent flags permitted' : 'Flags permitted')],
    ];
  }
}

const NONE: readonly number[] = Object.freeze([]);
const NO_UIDS: ReadonlySet<number> = new Set();
const NO_KEYWORDS: ReadonlySet<string> = new Set();

function sameMessages(a: readonly MessageInfo[], b: readonly MessageInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
