// One change-feed subscription per open folder, shared by every session that has it selected. A folder change
// is looked at once, however many sessions watch: the state diff is computed once, new messages are claimed
// as \Recent once (for one session, RFC 3501 §2.3.2), and the common case (new mail reaching sessions in IDLE
// that are up to date) becomes one precomputed `* n EXISTS` / `* n RECENT` buffer written to each socket, with
// no per-session promise or timer. Anything else (flag changes, expunges, a session that is behind or holds
// its own changes) goes through the session's own reconciliation (view.ts), one session at a time.
import type { Folder, FolderState, MessageInfo } from '../../../maildir/types.js';
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

/**
 * `next` is `prev` plus messages above prev's highest UID, nothing else changed: the UIDs added and the
 * keywords they carry. undefined otherwise.
 */
function pureAppend(prev: readonly MessageInfo[], next: readonly MessageInfo[]): { keywords: Set<string> } | undefined {
  if (next.length <= prev.length) return undefined;
  for (let i = 0; i < prev.length; i++) if (!sameMessage(prev[i]!, next[i]!)) return undefined;
  const top = prev.length ? prev[prev.length - 1]!.uid : 0;
  if (next[prev.length]!.uid <= top) return undefined;
  const keywords = new Set<string>();
  for (let i = prev.length; i < next.length; i++) for (const f of next[i]!.flags) if (!f.startsWith('\\')) keywords.add(f);
  return { keywords };
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
    const append = pureAppend(prev, state.messages);
    if (append && idlers.length > 0) {
      // \Recent goes to exactly one session: claimed once here, for the first idler that may take it.
      const taker = idlers.find(([, v]) => !v.readOnly);
      if (taker) {
        try {
          taker[1].addRecent(await this.folder.claimRecent());
        } catch (err) {
          this.onError(err); // the push goes out all the same, without \Recent
        }
        state = this.folder.state();
        idlers = this.idlers(); // some may have left IDLE meanwhile
      }
    }
    this.prev = state.messages;
    if (idlers.length === 0) return;
    const fresh = append !== undefined && pureAppend(prev, state.messages) !== undefined;
    /** View arrays already compared with `prev` in this run (sessions selected together share one). */
    const upToDate = new Map<readonly MessageInfo[], boolean>();
    const lines = new Map<number, Buffer>();
    const keywords = append ? [...append.keywords] : [];
    for (const [session, view] of idlers) {
      let current = fresh && view.messages === view.seen && view.ghosts.size === 0;
      if (current) {
        let known = upToDate.get(view.seen);
        if (known === undefined) upToDate.set(view.seen, (known = sameState(view.seen, prev)));
        current = known && keywords.every((k) => view.keywords.has(k));
      }
      if (!current) {
        session.pushUpdates();
        continue;
      }
      view.messages = state.messages;
      view.seen = state.messages;
      view.uidNext = state.uidNext;
      const recent = view.recent.size;
      let line = lines.get(recent);
      if (!line) lines.set(recent, (line = Buffer.from(`* ${state.messages.length} EXISTS\r\n* ${recent} RECENT\r\n`, 'latin1')));
      session.writeUntagged(line);
    }
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
