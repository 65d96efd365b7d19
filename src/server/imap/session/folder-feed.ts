// One change-feed subscription per open folder, shared by every session that has it selected. A folder change
// is looked at once, however many sessions watch: the state diff is computed once, new messages are claimed
// as \Recent once (for one session, RFC 3501 §2.3.2), and for sessions in IDLE that are up to date the
// change becomes precomputed response bytes written to each socket (`* n EXISTS` / `* n RECENT` for new mail,
// `* n FETCH (UID FLAGS)` for flag changes, `* n EXPUNGE` or `* VANISHED` for removals, then `* n RECENT` when
// they took \Recent messages from the session), with no per-session
// promise or timer. Anything else (a mixed change, a session that is behind, holds its own changes, or must
// first hear of new keywords) goes through the session's own reconciliation (view.ts), one at a time.
import type { Folder, FolderState, MessageInfo } from '../../../maildir/types.js';
import { formatUidSet } from './sequence.js';
import type { MailboxView } from './view.js';

/** What the feed needs from a session (session.ts implements it). */
export interface FeedSession {
  readonly idling: boolean;
  readonly isClosed: boolean;
  /** The view this session has selected now, if any. */
  feedView(): MailboxView | undefined;
  /** Writes protocol lines we produced, now if nothing else is queued. */
  writeUntagged(line: Buffer): void;
  /** Full reconciliation of the selected view, then a flush (IDLE push). */
  pushUpdates(): void;
  /** Flag updates carry MODSEQ (CONDSTORE active or QRESYNC enabled). */
  wantsModseq(): boolean;
  /** Removals are announced as VANISHED (QRESYNC enabled). */
  wantsVanished(): boolean;
}

/** A message list the way a session saw it: only uid, flags and modseq matter for what it was told. */
function sameState(a: readonly MessageInfo[], b: readonly MessageInfo[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameMessage(a[i]!, b[i]!)) return false;
  return true;
}

function sameMessage(a: MessageInfo, b: MessageInfo): boolean {
  if (a === b) return true;
  if (a.uid !== b.uid || a.modseq !== b.modseq || a.flags.length !== b.flags.length) return false;
  for (let i = 0; i < a.flags.length; i++) if (a.flags[i] !== b.flags[i]) return false;
  return true;
}

/** How the folder changed since the feed last looked, when it is one simple kind of change. */
type Diff =
  /** Messages above every known UID were added; nothing else changed. */
  | { readonly kind: 'append'; readonly keywords: readonly string[] }
  /** The same messages, some with other flags or MODSEQ (their indices, ascending). */
  | { readonly kind: 'flags'; readonly changed: readonly number[]; readonly keywords: readonly string[] }
  /** Some messages removed, the rest unchanged (indices in the old list, ascending, and their UIDs). */
  | { readonly kind: 'expunge'; readonly removed: readonly number[]; readonly uids: readonly number[] };

function keywordsOf(messages: Iterable<MessageInfo>): string[] {
  const out = new Set<string>();
  for (const m of messages) for (const f of m.flags) if (!f.startsWith('\\')) out.add(f);
  return [...out];
}

function diffOf(prev: readonly MessageInfo[], next: readonly MessageInfo[]): Diff | undefined {
  if (next.length > prev.length) {
    for (let i = 0; i < prev.length; i++) if (!sameMessage(prev[i]!, next[i]!)) return undefined;
    const top = prev.length ? prev[prev.length - 1]!.uid : 0;
    if (next[prev.length]!.uid <= top) return undefined;
    return { kind: 'append', keywords: keywordsOf(next.slice(prev.length)) };
  }
  if (next.length === prev.length) {
    const changed: number[] = [];
    for (let i = 0; i < prev.length; i++) {
      if (prev[i]!.uid !== next[i]!.uid) return undefined;
      if (!sameMessage(prev[i]!, next[i]!)) changed.push(i);
    }
    return changed.length === 0 ? undefined : { kind: 'flags', changed, keywords: keywordsOf(changed.map((i) => next[i]!)) };
  }
  const removed: number[] = [];
  const uids: number[] = [];
  let j = 0;
  for (let i = 0; i < prev.length; i++) {
    const n = next[j];
    if (n !== undefined && n.uid === prev[i]!.uid) {
      if (!sameMessage(prev[i]!, n)) return undefined;
      j++;
    } else {
      removed.push(i);
      uids.push(prev[i]!.uid);
    }
  }
  return j === next.length ? { kind: 'expunge', removed, uids } : undefined;
}

/**
 * The response bytes of a change for one variant of session (shared by every session of that variant).
 * For new mail the variant is the session's \Recent count, or -1 for a session without \Recent (IMAP4rev2:
 * EXISTS alone). `recent`: for an expunge that took \Recent messages from the session, its new `* n RECENT` count.
 */
function render(diff: Diff, next: readonly MessageInfo[], variant: number, recent?: number): Buffer {
  let text = '';
  if (diff.kind === 'append') text = variant < 0 ? `* ${next.length} EXISTS\r\n` : `* ${next.length} EXISTS\r\n* ${variant} RECENT\r\n`;
  else if (diff.kind === 'flags') {
    for (const i of diff.changed) {
      const m = next[i]!;
      text += `* ${i + 1} FETCH (UID ${m.uid} FLAGS (${m.flags.join(' ')})${variant ? ` MODSEQ (${m.modseq})` : ''})\r\n`;
    }
  } else if (variant) text = `* VANISHED ${formatUidSet(diff.uids)}\r\n`;
  // Highest first: each EXPUNGE renumbers only the messages above it.
  else for (let k = diff.removed.length - 1; k >= 0; k--) text += `* ${diff.removed[k]! + 1} EXPUNGE\r\n`;
  if (recent !== undefined) text += `* ${recent} RECENT\r\n`;
  return Buffer.from(text, 'latin1');
}

export class FolderFeed {
  private readonly watchers = new Map<FeedSession, MailboxView>();
  private unsubscribe: (() => void) | undefined;
  /** The folder's message list when the feed last ran; views reconciled with it are "up to date". */
  private prev: readonly MessageInfo[];
  private scheduled = false;
  private running = false;
  private again = false;

  constructor(
    readonly folder: Folder,
    private readonly onEmpty: () => void,
    private readonly onError: (err: unknown) => void,
  ) {
    this.prev = folder.state().messages;
  }

  add(session: FeedSession, view: MailboxView): () => void {
    this.watchers.set(session, view);
    this.unsubscribe ??= this.folder.subscribe(() => this.schedule());
    return () => {
      if (this.watchers.get(session) !== view) return;
      this.watchers.delete(session);
      if (this.watchers.size > 0) return;
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      this.onEmpty();
    };
  }

  get size(): number {
    return this.watchers.size;
  }

  private schedule(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.running = true;
      this.run()
        .catch(this.onError)
        .finally(() => {
          this.running = false;
          if (this.again) {
            this.again = false;
            this.schedule();
          }
        });
    });
  }

  /** Sessions in IDLE on this very view. */
  private idlers(): Array<[FeedSession, MailboxView]> {
    const out: Array<[FeedSession, MailboxView]> = [];
    for (const [s, v] of this.watchers) if (s.idling && !s.isClosed && s.feedView() === v) out.push([s, v]);
    return out;
  }

  private async run(): Promise<void> {
    const prev = this.prev;
    let idlers = this.idlers();
    let state: FolderState = this.folder.state();
    let diff = diffOf(prev, state.messages);
    if (diff?.kind === 'append' && idlers.length > 0) {
      // \Recent goes to exactly one session: claimed once here, for the first idler that may take it.
      // Read-only idlers see it too, without taking it; they look first, before the claim takes it.
      // IMAP4rev2 sessions have no \Recent: they neither take it nor see it.
      const taker = idlers.find(([, v]) => !v.readOnly && !v.noRecent);
      const peekers = idlers.filter(([, v]) => v.readOnly && !v.noRecent);
      if (taker || peekers.length > 0) {
        try {
          if (peekers.length > 0 && this.folder.peekRecent) {
            const seen = await this.folder.peekRecent();
            for (const [, v] of peekers) v.addRecent(seen);
          }
          if (taker) taker[1].addRecent(await this.folder.claimRecent());
        } catch (err) {
          this.onError(err); // the push goes out all the same, without \Recent
        }
        state = this.folder.state();
        idlers = this.idlers(); // some may have left IDLE meanwhile
        diff = diffOf(prev, state.messages);
      }
    }
    this.prev = state.messages;
    if (idlers.length === 0) return;
    /** View arrays already compared with `prev` in this run (sessions selected together share one). */
    const upToDate = new Map<readonly MessageInfo[], boolean>();
    const rendered = new Map<string, Buffer>();
    for (const [session, view] of idlers) {
      if (!diff || !this.canShare(diff, view, prev, upToDate, state.messages)) {
        session.pushUpdates();
        continue;
      }
      view.messages = state.messages;
      view.seen = state.messages;
      view.uidNext = state.uidNext;
      let variant: number;
      /** Set when expunges took \Recent messages from this session: the new count follows them. */
      let recent: number | undefined;
      if (diff.kind === 'append') variant = view.noRecent ? -1 : view.recent.size;
      else if (diff.kind === 'flags') variant = session.wantsModseq() ? 1 : 0;
      else {
        const before = view.recent.size;
        view.forgetRecent(diff.uids);
        if (view.recent.size !== before) recent = view.recent.size;
        variant = session.wantsVanished() ? 1 : 0;
      }
      const key = recent === undefined ? `${variant}` : `${variant} ${recent}`;
      let bytes = rendered.get(key);
      if (!bytes) rendered.set(key, (bytes = render(diff, state.messages, variant, recent)));
      session.writeUntagged(bytes);
    }
  }

  /** The view was told exactly `prev`, and the shared bytes say all it must hear now. */
  private canShare(diff: Diff, view: MailboxView, prev: readonly MessageInfo[], upToDate: Map<readonly MessageInfo[], boolean>, next: readonly MessageInfo[]): boolean {
    if (view.messages !== view.seen || view.ghosts.size > 0) return false;
    let known = upToDate.get(view.seen);
    if (known === undefined) upToDate.set(view.seen, (known = sameState(view.seen, prev)));
    if (!known) return false;
    if (diff.kind === 'expunge') return true;
    // New keywords need `* FLAGS` first; a flag update of a message \Recent here shows \Recent too.
    if (!diff.keywords.every((k) => view.keywords.has(k))) return false;
    return diff.kind === 'append' || !diff.changed.some((i) => view.recent.has(next[i]!.uid));
  }
}

const feeds = new WeakMap<Folder, FolderFeed>();

/** The feed of a folder object, created on first use and forgotten when its last session leaves. */
export function feedFor(folder: Folder, onError: (err: unknown) => void): FolderFeed {
  let feed = feeds.get(folder);
  if (!feed) {
    feed = new FolderFeed(folder, () => feeds.delete(folder), onError);
    feeds.set(folder, feed);
  }
  return feed;
}
