// One open Maildir folder, shared by every session of this process (ref-counted by the store).
// Invariants (pinned by test/maildir/contract.test.ts, concurrency.test.ts, crash.test.ts, cur-stamp.test.ts):
// - The state is built from three sources read in this order: the new/ and cur/ listings, the uidlist, the
//   modseq log (reconcile.ts joins them). A message is visible once it has a UID and a modseq record; flags
//   come from its file name. While cur/ keeps the stamp of a listing that matched the logs exactly, a new
//   process rebuilds that listing from the logs instead of reading it (dir-stamp.ts); nothing is ever
//   recorded on the strength of a rebuilt listing.
// - Readers do not lock. A listing that cannot be explained (a known file missing without an expunge record,
//   one base under two names, a file without UID, flags nobody logged) is re-done under the uidlist lock,
//   where every everlock writer is quiescent, and whatever is still unexplained is recorded then: new UIDs,
//   modseq bumps for foreign flag changes, expunge records for foreign deletions.
// - Every mutation (UID assignment, flag rename, expunge) happens under the uidlist lock and is logged with
//   a new MODSEQ before the lock is released, so all processes agree on MODSEQs.
// - Flag changes are renames from the name we last saw: if another process renamed the file first, ours
//   fails with ENOENT, we re-read and apply our change on top of theirs, so no flag change is lost.
// - \Recent is handed out by claimRecent(): files still in new/ (the rename to cur/ decides who gets one) and
//   UIDs at or above the folder's watermark (recent-mark.ts), which moves only under the uidlist lock.
import { statSync } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from '../log.js';
import type { MessageSummary } from '../mime/types.js';
import { StoreError, storeErrorFromErrno } from '../errors.js';
import type {
  AppendOptions,
  ByteRange,
  CopyResult,
  Flag,
  FlagOperation,
  Folder,
  FolderChange,
  FolderState,
  MessageSource,
  StoreResult,
} from './types.js';
import { FolderLock } from './dotlock.js';
import { Uidlist } from './uidlist.js';
import { ModseqLog, type NewRecord } from './modseq.js';
import { Keywords } from './keywords.js';
import { DirListing } from './listing.js';
import { curName, flagsToInfo, infoToFlags, isSystemFlag, normalizeFlag, sizeField, splitName } from './filename.js';
import { MaildirMessage, diffStates, findUid } from './message.js';
import { crlfSizeOfFile, streamMessage } from './read.js';
import { SummaryCache } from './summary-cache.js';
import { cleanStaleTmp, cloneTmp, commitPlacements, discardTmp, writeTmp, type Placement, type TmpFile } from './deliver.js';
import { GroupCommit, fsyncDirNow } from './group-commit.js';
import { readCurStamp, writeCurStamp } from './dir-stamp.js';
import { curPositionsFromLogs, reconcile, type Pending } from './reconcile.js';
import { FolderWatcher } from './watch.js';
import { readIndexSnapshot, writeIndexSnapshot, type IndexImage } from './index-snapshot.js';
import { readRecentMark, writeRecentMark } from './recent-mark.js';

export interface FolderDeps {
  readonly log: Logger;
  readonly fsync: boolean;
  readonly watch: boolean | 'poll';
  readonly pollMs: number;
  readonly summarize: (s: Readable) => Promise<MessageSummary>;
  /** Opens a sibling folder of the same mailbox (for copy/move); the caller releases it. */
  readonly openSibling: (name: string) => Promise<MaildirFolder>;
  /** Adds a delta to the mailbox's maildirsize. */
  readonly quota: (bytes: number, messages: number) => Promise<void>;
  /** Throws over-quota when `bytes` more would not fit. */
  readonly checkQuota: (bytes: number) => Promise<void>;
  readonly onIdle: (folder: MaildirFolder) => void;
}

/** A file renamed into new/ or cur/ that needs a UID (and its directory synced). */
export interface Arrival {
  readonly sub: 'new' | 'cur';
  readonly base: string;
  readonly info: string;
  readonly date: number;
  readonly vsize: number;
}

const NEED_LOCK = Symbol('need-lock');
/** How long the uidlist lock is kept after a batch for the next one (deliveries come every few ms under load). */
const UIDLIST_LOCK_LINGER_MS = 10;
const STAT_PARALLEL = 64;
const RECORD_CHUNK = 4000;
/** The index snapshot is rewritten once this many lines (or a tenth of the folder) were parsed as text. */
const SNAPSHOT_LINES = 2000;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export class MaildirFolder implements Folder {
  refs = 0;
  private current: FolderState = { uidValidity: 0, uidNext: 1, highestModSeq: 1, messages: [] };
  private opened = false;
  private dirty = true;
  /** The cur/ listing held was rebuilt from the caches (dir-stamp.ts), not read. */
  private curSynthesized = false;
  private tmpCleaned = 0;
  /** The index snapshot, read once, on the first sync (alongside the new/ listing). */
  private snapshot: Promise<IndexImage | undefined> | undefined;
  private snapshotUsed = false;
  /** The cur/ stamp this process last wrote. */
  private curStampWritten: string | undefined;
  private readonly lock: FolderLock;
  private readonly uidlist: Uidlist;
  private readonly modseq: ModseqLog;
  private readonly keywords: Keywords;
  private readonly newDir: DirListing;
  private readonly curDir: DirListing;
  private readonly summaries: SummaryCache;
  private readonly listeners = new Set<(c: FolderChange) => void>();
  private watcher: FolderWatcher | undefined;
  private flagCache = new Map<string, readonly Flag[]>();
  private flagCacheGen = -1;
  private readonly assigner: GroupCommit<Arrival, number>;
  private readonly newPrefix: string;
  private readonly curPrefix: string;
  /**
   * A lower bound of the \Recent watermark (recent-mark.ts) for a UIDVALIDITY: the mark only rises, so while
   * every UID is below it and new/ is empty there is nothing to claim, and no file or lock is touched.
   */
  private recentFloor = { uidValidity: 0, uid: 0 };

  constructor(
    readonly name: string,
    readonly dir: string,
    private readonly deps: FolderDeps,
  ) {
    // Lingering (dotlock.ts): a stream of deliveries takes the uidlist lock once, not once per batch.
    this.lock = new FolderLock(join(dir, 'dovecot-uidlist.lock'), { lingerMs: UIDLIST_LOCK_LINGER_MS });
    this.uidlist = new Uidlist(dir, deps.log);
    this.modseq = new ModseqLog(dir, deps.log);
    this.keywords = new Keywords(dir);
    this.newDir = new DirListing(join(dir, 'new'));
    this.curDir = new DirListing(join(dir, 'cur'));
    this.summaries = new SummaryCache(dir, deps.log);
    this.assigner = new GroupCommit((items) => this.lock.run(() => this.assignLocked(items)));
    this.newPrefix = join(dir, 'new') + sep;
    this.curPrefix = join(dir, 'cur') + sep;
  }

  state(): FolderState {
    return this.current;
  }

  sync(): Promise<FolderState> {
    if (Date.now() - this.tmpCleaned > 3600_000) {
      this.tmpCleaned = Date.now();
      void cleanStaleTmp(this.dir).then((n) => {
        if (n > 0) this.deps.log.info('maildir: removed stale tmp files', { folder: this.dir, files: n });
      });
    }
    return this.lock.exclusive(async () => {
      if (!this.dirty && this.opened && !(await this.anythingChanged())) return this.current;
      let r = await this.scan(false);
      if (r === NEED_LOCK) r = await this.lock.withFile(() => this.scan(true));
      this.apply(r as MaildirMessage[]);
      return this.current;
    });
  }

  /** Inside withFile: brings the state up to date, recording whatever needs recording. */
  private async syncLocked(): Promise<void> {
    if (!this.dirty && this.opened && !(await this.anythingChanged())) return;
    this.apply((await this.scan(true)) as MaildirMessage[]);
  }

  private async anythingChanged(): Promise<boolean> {
    const checks = await Promise.all([this.newDir.changed(), this.curDir.changed(), this.uidlist.changed(), this.modseq.changed(), this.keywords.refresh()]);
    return checks.some(Boolean);
  }

  private flagsFor(info: string): readonly Flag[] {
    if (this.flagCacheGen !== this.keywords.generation) {
      this.flagCache = new Map();
      this.flagCacheGen = this.keywords.generation;
    }
    let f = this.flagCache.get(info);
    if (!f) {
      f = Object.freeze(infoToFlags(info, this.keywords.list as string[]));
      this.flagCache.set(info, f);
    }
    return f;
  }

  private keywordIndex = (kw: string): number => {
    const i = this.keywords.indexOf(kw);
    if (i === -1) throw new StoreError('limit', 'unknown keyword', kw);
    return i;
  };

  /**
   * Reads listings, uidlist and modseq log and reconciles them. Unlocked, returns NEED_LOCK when something
   * needs recording; locked, records it and returns the messages.
   */
  private async scan(locked: boolean): Promise<MaildirMessage[] | typeof NEED_LOCK> {
    // new/ before cur/: a message moving new/ -> cur/ meanwhile is then seen twice, never missed.
    if (!this.snapshotUsed) void this.readSnapshot();
    const newL = await this.newDir.list();
    let positions: number[] | undefined;
    if (locked && this.curSynthesized) {
      // Never record anything on the strength of a rebuilt listing: read the directory.
      this.curDir.invalidate();
      this.curSynthesized = false;
    }
    if (!locked) {
      if (this.curSynthesized && !(await this.curDir.changed())) {
        if (await this.refreshLogs()) positions = curPositionsFromLogs(this.uidlist, this.modseq, newL.names);
      } else if (this.curDir.trustedStamp === undefined) {
        const [now, saved] = await Promise.all([this.curDir.currentStamp(), readCurStamp(this.dir)]);
        if (now !== undefined && now.trusted && saved !== undefined && (await this.refreshLogs()) && saved === `${this.uidlistIdentity()}${now.stamp}`) {
          positions = curPositionsFromLogs(this.uidlist, this.modseq, newL.names);
          this.curDir.adopt([], now.stamp);
          this.curSynthesized = true;
        }
      }
    }
    let curNames: readonly string[] = [];
    let readCur = false;
    if (positions === undefined) {
      this.curSynthesized = false;
      const curL = await this.curDir.list();
      curNames = curL.names;
      readCur = true;
      if (!(await this.refreshLogs(locked))) return NEED_LOCK;
    }

    // No modseq records at all for a non-empty uidlist: a cold open. Everything must be recorded under the
    // lock anyway; reconciling 100,000 messages twice would only double the garbage.
    if (!locked && this.modseq.isEmpty && this.uidlist.uids.length > 0) return NEED_LOCK;

    for (let attempt = 0; ; attempt++) {
      const r = reconcile(
        this.uidlist,
        this.modseq,
        this.current.messages as readonly MaildirMessage[],
        (info) => this.flagsFor(info),
        newL.names,
        positions ? { positions } : { names: curNames },
      );
      const unexplained = r.racy || r.missing.length > 0 || r.unassigned.length > 0 || r.needRecord.length > 0;
      if (!unexplained) {
        this.dirty = false;
        const stamp = this.curDir.trustedStamp;
        // A listing read from the directory (now or earlier, still unchanged) that the logs explain exactly.
        const curStamp = stamp === undefined ? undefined : `${this.uidlistIdentity()}${stamp}`;
        if (readCur && r.canonical && curStamp !== undefined && curStamp !== this.curStampWritten) {
          await writeCurStamp(this.dir, curStamp);
          this.curStampWritten = curStamp;
        }
        await this.maybeSnapshot();
        return r.messages;
      }
      if (!locked) return NEED_LOCK;
      if (attempt > 0) {
        // Still unexplained after recording: leave it for the next sync rather than loop.
        this.dirty = true;
        return r.messages;
      }
      if (r.racy) {
        this.newDir.invalidate();
        this.curDir.invalidate();
        return this.scan(true);
      }
      await this.record(r.missing, r.unassigned, r.needRecord);
    }
  }

  /** Reads the uidlist, keywords and modseq log; false when the uidlist must first be created (locked). */
  private async refreshLogs(locked = false): Promise<boolean> {
    // A first read starts from the index snapshot when it still matches the files.
    const image = this.snapshotUsed ? undefined : await this.readSnapshot();
    this.snapshotUsed = true;
    this.snapshot = undefined;
    await this.uidlist.refresh(image?.ul);
    if (!this.uidlist.exists || this.uidlist.uidValidity === 0) {
      if (!locked) return false;
      await this.uidlist.create(this.deps.fsync);
    }
    await Promise.all([this.keywords.refresh(), this.modseq.refresh(this.uidlist.uidValidity, image?.ms)]);
    return true;
  }

  private readSnapshot(): Promise<IndexImage | undefined> {
    this.snapshot ??= readIndexSnapshot(this.dir, this.deps.log);
    return this.snapshot;
  }

  /** Rewrites the index snapshot when enough was parsed as text since the last one. */
  private async maybeSnapshot(): Promise<void> {
    const parsed = this.uidlist.linesSinceImage + this.modseq.linesSinceImage;
    if (parsed < Math.max(SNAPSHOT_LINES, this.uidlist.uids.length / 10)) return;
    const [ul, ms] = await Promise.all([this.uidlist.image(), this.modseq.image()]);
    if (ul === undefined) return;
    this.uidlist.linesSinceImage = 0;
    this.modseq.linesSinceImage = 0;
    await writeIndexSnapshot(this.dir, { ul, ms });
  }

  /** Ties a cur/ stamp to the UIDVALIDITY it was taken under. */
  private uidlistIdentity(): string {
    return `${this.uidlist.uidValidity}:`;
  }

  private filePath(p: { name: string; inNew: boolean }): string {
    // Concatenation, not path.join: a cold open builds 100,000 of these, and names never contain '/'.
    return (p.inNew ? this.newPrefix : this.curPrefix) + p.name;
  }

  /** Under the lock: UIDs for unassigned files, records for files without one, expunge records. */
  private async record(missing: readonly number[], unassigned: Pending[], needRecord: Pending[]): Promise<void> {
    const vsizeOf = async (p: Pending): Promise<number | undefined> => {
      const w = sizeField(p.base, 'W') ?? (p.uid > 0 ? this.uidlist.vsizes.get(p.uid) : undefined);
      if (w !== undefined) return w;
      try {
        return await crlfSizeOfFile(this.filePath(p));
      } catch {
        return undefined;
      }
    };
    if (unassigned.length > 0) {
      unassigned.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
      const sized = await mapLimit(unassigned, STAT_PARALLEL, async (p) => ({ p, w: sizeField(p.base, 'W'), v: await vsizeOf(p) }));
      const present = sized.filter((s) => s.v !== undefined);
      const uids = await this.uidlist.append(
        present.map((s) => ({ base: s.p.base, vsize: s.w === undefined ? s.v : undefined })),
        this.deps.fsync,
      );
      present.forEach((s, i) => {
        s.p.uid = uids[i] as number;
        needRecord.push(s.p);
      });
    }
    // Internal dates come from mtimes. A cold open stats every file: synchronous stats of cached inodes in
    // chunks are ten times faster than one promise each; each chunk is logged before the next is read, which
    // keeps memory flat and the event loop alive.
    if (missing.length > 0) this.deps.log.debug('maildir: files gone without an expunge record', { folder: this.dir, uids: missing.length });
    let expunged: readonly number[] = missing;
    for (let from = 0; from < needRecord.length || expunged.length > 0; from += RECORD_CHUNK) {
      const added: NewRecord[] = [];
      const unsized: Array<{ p: Pending; date: number }> = [];
      for (const p of needRecord.slice(from, from + RECORD_CHUNK)) {
        const prev = this.modseq.get(p.uid);
        if (prev !== undefined && prev.date >= 0) {
          added.push({ uid: p.uid, date: prev.date, vsize: prev.vsize, info: p.info });
          continue;
        }
        const st = statSync(this.filePath(p), { throwIfNoEntry: false });
        if (st === undefined) continue; // vanished meanwhile: the next sync sees it gone
        const w = sizeField(p.base, 'W') ?? this.uidlist.vsizes.get(p.uid);
        if (w !== undefined) added.push({ uid: p.uid, date: Math.floor(st.mtimeMs), vsize: w, info: p.info });
        else unsized.push({ p, date: Math.floor(st.mtimeMs) });
      }
      for (const r of await mapLimit(unsized, STAT_PARALLEL, async ({ p, date }) => ({ p, date, v: await vsizeOf(p) }))) {
        if (r.v !== undefined) added.push({ uid: r.p.uid, date: r.date, vsize: r.v, info: r.p.info });
      }
      await this.modseq.append(this.uidlist.uidValidity, added, expunged);
      expunged = [];
      if (from + RECORD_CHUNK < needRecord.length) await new Promise((r) => setImmediate(r));
    }
    await this.maybeCompact();
  }

  private async maybeCompact(): Promise<void> {
    const liveCount = this.modseq.liveCount();
    const dead = this.uidlist.uids.length - liveCount;
    if ((dead > 100 && dead * 4 > this.uidlist.uids.length) || this.modseq.wantsCompaction(liveCount)) {
      const live = this.modseq.liveUids();
      await this.uidlist.create(this.deps.fsync, live);
      await this.modseq.rewrite(this.uidlist.uidValidity, live);
      const bases = new Set<string>();
      for (let i = 0; i < this.uidlist.uids.length; i++) bases.add(this.uidlist.bases.at(i));
      await this.summaries.compact(bases).catch((err: unknown) => this.deps.log.warn('maildir: summary cache compaction failed', { error: err }));
    }
  }

  private apply(messages: MaildirMessage[]): void {
    const before = this.current.messages;
    this.current = {
      uidValidity: this.uidlist.uidValidity,
      uidNext: this.uidlist.nextUid,
      highestModSeq: Math.max(1, this.modseq.highest),
      messages,
    };
    const first = !this.opened;
    this.opened = true;
    if (first || this.listeners.size === 0) return;
    for (const change of diffStates(before, messages)) this.emit(change);
  }

  private emit(change: FolderChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.deps.log.error('maildir: change listener failed', { error: err });
      }
    }
  }

  private find(uid: number): MaildirMessage | undefined {
    const i = findUid(this.current.messages, uid);
    return i === -1 ? undefined : (this.current.messages[i] as MaildirMessage);
  }

  /** Replaces some messages (and removes others) in the state, emitting the changes. */
  private patch(updated: readonly MaildirMessage[], removed: ReadonlySet<number>): void {
    const byUid = new Map(updated.map((m) => [m.uid, m]));
    const next: MaildirMessage[] = [];
    for (const m of this.current.messages as readonly MaildirMessage[]) {
      if (removed.has(m.uid)) continue;
      next.push(byUid.get(m.uid) ?? m);
    }
    this.apply(next);
  }

  // ---- arrivals: deliver, append, copy ----

  uidValidity(): number {
    return this.uidlist.uidValidity || this.current.uidValidity;
  }

  /** Gives UIDs to files already renamed into new/ or cur/ (group-committed across concurrent callers). */
  assign(arrival: Arrival): Promise<number> {
    return this.assigner.submit(arrival);
  }

  private async assignLocked(items: Arrival[]): Promise<number[]> {
    await this.uidlist.refresh();
    if (!this.uidlist.exists || this.uidlist.uidValidity === 0) await this.uidlist.create(this.deps.fsync);
    const fresh = items.filter((a) => !this.uidlist.posOf.has(a.base));
    if (fresh.length > 0) await this.ensureRecentMark();
    const dirs = [...new Set(items.map((a) => join(this.dir, a.sub)))];
    try {
      await this.uidlist.append(
        fresh.map((a) => ({ base: a.base })),
        this.deps.fsync,
        () => Promise.all(dirs.map(fsyncDirNow)),
      );
    } catch (err) {
      throw err instanceof StoreError ? err : storeErrorFromErrno(err, 'message directory');
    }
    await this.modseq.refresh(this.uidlist.uidValidity);
    const uids = items.map((a) => this.uidlist.uidOf(a.base) as number);
    const records: NewRecord[] = [];
    items.forEach((a, i) => {
      const uid = uids[i] as number;
      if (!this.modseq.has(uid)) records.push({ uid, date: a.date, vsize: a.vsize, info: a.info });
    });
    await this.modseq.append(this.uidlist.uidValidity, records, []);
    return uids;
  }

  /** Makes sure every keyword has a letter in dovecot-keywords. */
  async ensureKeywords(flags: readonly Flag[]): Promise<void> {
    const kws = flags.filter((f) => !f.startsWith('\\'));
    if (kws.length === 0) return;
    await this.keywords.refresh();
    if (kws.every((k) => this.keywords.indexOf(k) !== -1)) return;
    await this.lock.run(async () => {
      await this.keywords.refresh();
      await this.keywords.ensure(kws);
    });
  }

  /** Where a new file goes: new/ when unflagged (\Recent), cur/ with its letters otherwise. */
  placementFor(tmp: TmpFile, flags: readonly Flag[] | undefined): Placement {
    const norm = (flags ?? []).map(normalizeFlag).filter((f) => f !== '\\Recent');
    if (norm.length === 0) return { tmp, name: tmp.base, sub: 'new' };
    return { tmp, name: curName(tmp.base, flagsToInfo(norm, this.keywordIndex)), sub: 'cur' };
  }

  async append(source: MessageSource, opts: AppendOptions = {}): Promise<{ uid: number; uidValidity: number }> {
    await this.ensureKeywords(opts.flags ?? []);
    const tmp = await writeTmp(this.dir, source, { fsync: this.deps.fsync, mtime: opts.internalDate });
    let placement: Placement;
    try {
      await this.deps.checkQuota(tmp.size);
      placement = this.placementFor(tmp, opts.flags);
    } catch (err) {
      await discardTmp([tmp]);
      throw err;
    }
    await commitPlacements([placement]);
    const info = placement.sub === 'cur' ? splitName(placement.name).info : '';
    const [uid] = await Promise.all([this.assign({ sub: placement.sub, base: tmp.base, info, date: tmp.mtime, vsize: tmp.size }), this.deps.quota(tmp.size, 1)]);
    return { uid, uidValidity: this.uidlist.uidValidity };
  }

  // ---- IMAP operations ----

  /**
   * \Recent (RFC 3501 §2.3.2) for the calling session: every message that arrived since the last claim by
   * any process. That is files still in new/ (moved to cur/ here; the rename decides who gets a file another
   * process also saw there) and every UID at or above the folder's watermark (appended with flags, copied or
   * moved in: they go straight to cur/). The watermark is read and advanced under the uidlist lock, so each
   * UID is returned once across all processes. Messages above `upTo` are left for a later claim.
   *
   * With `upTo` (a session's highest UID, taken from a state at least as new) the state is used as it is:
   * re-reading a large folder here would double the cost of every SELECT and push. Whatever the state
   * misses can only lose \Recent, never hand it out twice: the watermark and the renames decide that.
   */
  claimRecent(upTo?: number): Promise<readonly number[]> {
    return this.lock.exclusive(async () => {
      if (upTo === undefined || !this.opened) await this.syncUnlocked();
      const limit = upTo ?? Number.MAX_SAFE_INTEGER;
      if (!this.mayHaveRecent(limit)) return [];
      return this.lock.withFile(async () => {
        const uidValidity = this.uidlist.uidValidity;
        const messages = this.current.messages as readonly MaildirMessage[];
        const top = Math.min(limit, messages.length > 0 ? (messages[messages.length - 1] as MaildirMessage).uid : 0);
        // Lost: start at the next UID (what is stored already is not \Recent, new/ aside).
        const stored = await readRecentMark(this.dir, uidValidity);
        let mark = stored ?? this.uidlist.nextUid;
        if (top + 1 > mark || stored === undefined) {
          try {
            // Advanced before anything is handed out: a failure past this point can only lose \Recent.
            await writeRecentMark(this.dir, uidValidity, Math.max(mark, top + 1));
          } catch (err) {
            this.deps.log.warn('maildir: cannot write the recent watermark', { folder: this.dir, error: err });
            mark = Number.MAX_SAFE_INTEGER; // only new/ can be claimed safely now
          }
        }
        if (mark !== Number.MAX_SAFE_INTEGER) this.recentFloor = { uidValidity, uid: Math.max(mark, top + 1) };
        const claimed: number[] = [];
        const moved: MaildirMessage[] = [];
        for (const m of messages) {
          if (m.uid > top) break;
          if (m.inNew) {
            try {
              await rename(join(this.dir, 'new', m.file), join(this.dir, 'cur', curName(m.base, '')));
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw storeErrorFromErrno(err, 'message');
              // Renamed by someone else (Dovecot, or a flag change just now): \Recent only by the watermark.
              if (m.uid >= mark) claimed.push(m.uid);
              continue;
            }
            claimed.push(m.uid);
            moved.push(m.withFlags(m.flags, m.modseq, '', false));
          } else if (m.uid >= mark) claimed.push(m.uid);
        }
        if (moved.length > 0) {
          const byUid = new Map(moved.map((m) => [m.uid, m]));
          this.current = { ...this.current, messages: messages.map((m) => byUid.get(m.uid) ?? m) };
        }
        return claimed;
      });
    });
  }

  /**
   * What claimRecent would return now, without claiming it (a read-only session sees \Recent and leaves it
   * for the next one, RFC 3501 §2.3.2; STATUS RECENT counts it). On the last synced state (every caller has
   * just synced), without the uidlist lock.
   */
  peekRecent(upTo = Number.MAX_SAFE_INTEGER): Promise<readonly number[]> {
    return this.lock.exclusive(async () => {
      if (!this.mayHaveRecent(upTo)) return [];
      const mark = (await readRecentMark(this.dir, this.uidlist.uidValidity)) ?? this.uidlist.nextUid;
      const out: number[] = [];
      for (const m of this.current.messages as readonly MaildirMessage[]) {
        if (m.uid > upTo) break;
        if (m.inNew || m.uid >= mark) out.push(m.uid);
      }
      return out;
    });
  }

  /** sync() inside exclusive: brings the state up to date, taking the file lock only to record something. */
  private async syncUnlocked(): Promise<void> {
    // Nothing changed since the last look: the state already says what is in new/, and keeping its array
    // lets every session on the folder go on sharing it.
    if (!this.dirty && this.opened && !(await this.anythingChanged())) return;
    let r = await this.scan(false);
    if (r === NEED_LOCK) r = await this.lock.withFile(() => this.scan(true));
    this.apply(r as MaildirMessage[]);
  }

  /** False when no message up to `upTo` is in new/ and all are below the watermark known to this process. */
  private mayHaveRecent(upTo: number): boolean {
    const messages = this.current.messages as readonly MaildirMessage[];
    if (messages.length === 0) return false;
    const top = Math.min(upTo, (messages[messages.length - 1] as MaildirMessage).uid);
    if (this.recentFloor.uidValidity !== this.uidlist.uidValidity || top >= this.recentFloor.uid) return true;
    for (const m of messages) {
      if (m.uid > top) return false;
      if (m.inNew) return true;
    }
    return false;
  }

  /** Under the lock, before UIDs are given to arrivals: a missing watermark starts at the first of them. */
  private async ensureRecentMark(): Promise<void> {
    const uidValidity = this.uidlist.uidValidity;
    if (this.recentFloor.uidValidity === uidValidity) return;
    let mark = await readRecentMark(this.dir, uidValidity);
    if (mark === undefined) {
      mark = this.uidlist.nextUid;
      try {
        await writeRecentMark(this.dir, uidValidity, mark);
      } catch (err) {
        this.deps.log.warn('maildir: cannot write the recent watermark', { folder: this.dir, error: err });
        return;
      }
    }
    this.recentFloor = { uidValidity, uid: mark };
  }

  setFlags(uids: readonly number[], op: FlagOperation, flags: readonly Flag[], unchangedSince?: number): Promise<StoreResult> {
    const norm = [...new Set(flags.map(normalizeFlag))].filter((f) => f !== '\\Recent');
    const kws = norm.filter((f) => !isSystemFlag(f));
    return this.lock.run(async () => {
      await this.syncLocked();
      if (op !== 'remove' && kws.length > 0) {
        await this.keywords.refresh();
        await this.keywords.ensure(kws);
      }
      const modified: number[] = [];
      const changed: Array<{ m: MaildirMessage; name: string; info: string }> = [];
      let remaining = [...new Set(uids)];
      for (let attempt = 0; attempt < 3 && remaining.length > 0; attempt++) {
        const retry: number[] = [];
        for (const uid of remaining) {
          const m = this.find(uid);
          if (!m) continue;
          if (unchangedSince !== undefined && m.modseq > unchangedSince) {
            modified.push(uid);
            continue;
          }
          const next = this.computeFlags(m.flags, op, norm);
          const oldInfo = m.info;
          const info = flagsToInfo(next, (k) => this.keywords.indexOf(k), oldInfo);
          if (info === oldInfo) continue;
          const name = curName(m.base, info);
          try {
            await rename(join(this.dir, m.inNew ? 'new' : 'cur', m.file), join(this.dir, 'cur', name));
            changed.push({ m, name, info });
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw storeErrorFromErrno(err, 'message');
            retry.push(uid);
          }
        }
        remaining = retry;
        if (retry.length > 0) {
          // Someone else renamed or removed these files: re-read and apply the change on top of theirs.
          this.newDir.invalidate();
          this.curDir.invalidate();
          this.dirty = true;
          await this.syncLocked();
        }
      }
      if (changed.length === 0) return { updated: [], modified };
      const modseq = await this.modseq.append(
        this.uidlist.uidValidity,
        changed.map(({ m, info }) => ({ uid: m.uid, date: m.internalDate, vsize: m.size, info })),
        [],
      );
      const updated = changed.map(({ m, info }) => m.withFlags(this.flagsFor(info), modseq, info, false));
      this.patch(updated, new Set());
      return { updated, modified };
    });
  }

  private computeFlags(current: readonly Flag[], op: FlagOperation, flags: readonly Flag[]): Flag[] {
    if (op === 'replace') return [...flags];
    const lower = new Set(flags.map((f) => f.toLowerCase()));
    if (op === 'remove') return current.filter((f) => !lower.has(f.toLowerCase()));
    const have = new Set(current.map((f) => f.toLowerCase()));
    return [...current, ...flags.filter((f) => !have.has(f.toLowerCase()))];
  }

  expunge(uids: readonly number[]): Promise<readonly number[]> {
    return this.lock.run(async () => {
      await this.syncLocked();
      const removed: number[] = [];
      let bytes = 0;
      let remaining = [...new Set(uids)].sort((a, b) => a - b);
      for (let attempt = 0; attempt < 3 && remaining.length > 0; attempt++) {
        const retry: number[] = [];
        for (const uid of remaining) {
          const m = this.find(uid);
          if (!m) continue;
          try {
            await unlink(join(this.dir, m.inNew ? 'new' : 'cur', m.file));
            removed.push(uid);
            bytes += sizeField(m.base, 'S') ?? m.size;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw storeErrorFromErrno(err, 'message');
            retry.push(uid);
          }
        }
        remaining = retry;
        if (retry.length > 0) {
          this.newDir.invalidate();
          this.curDir.invalidate();
          this.dirty = true;
          await this.syncLocked();
        }
      }
      if (removed.length === 0) return [];
      removed.sort((a, b) => a - b);
      await this.modseq.append(this.uidlist.uidValidity, [], removed);
      await this.deps.quota(-bytes, -removed.length);
      this.patch([], new Set(removed));
      await this.maybeCompact();
      return removed;
    });
  }

  async copyTo(uids: readonly number[], destination: string): Promise<CopyResult> {
    const dest = await this.deps.openSibling(destination);
    try {
      return await dest.importFrom(this, [...new Set(uids)].sort((a, b) => a - b));
    } finally {
      dest.release();
    }
  }

  async moveTo(uids: readonly number[], destination: string): Promise<CopyResult> {
    const result = await this.copyTo(uids, destination);
    await this.expunge(result.pairs.map(([src]) => src));
    return result;
  }

  /** Copies messages of `source` in here: hard links into tmp/, then one all-or-nothing commit. */
  async importFrom(source: MaildirFolder, uids: readonly number[]): Promise<CopyResult> {
    const items: Array<{ uid: number; m: MaildirMessage; tmp: TmpFile }> = [];
    try {
      let bytes = 0;
      for (const uid of uids) {
        const m = source.find(uid);
        if (!m) continue;
        const from: TmpFile = { folderDir: source.dir, tmpPath: source.filePath({ name: m.file, inNew: m.inNew }), base: m.base, size: m.size, mtime: m.internalDate };
        let tmp: TmpFile;
        try {
          tmp = await cloneTmp(from, this.dir, this.deps.fsync);
        } catch (err) {
          if (err instanceof StoreError && err.kind === 'not-found') continue; // expunged meanwhile
          throw err;
        }
        const physical = sizeField(m.base, 'S') ?? (await stat(tmp.tmpPath)).size;
        const base = `${tmp.base.slice(0, tmp.base.indexOf(','))},S=${physical},W=${m.size}`;
        items.push({ uid, m, tmp: { ...tmp, base, size: m.size, mtime: m.internalDate } });
        bytes += physical;
      }
      await this.ensureKeywords(items.flatMap((i) => i.m.flags));
      await this.deps.checkQuota(bytes);
      const placements = items.map((i) => this.placementFor(i.tmp, i.m.flags));
      await commitPlacements(placements);
      const [dest] = await Promise.all([
        Promise.all(
          items.map((i, k) => {
            const p = placements[k] as Placement;
            return this.assign({ sub: p.sub, base: i.tmp.base, info: p.sub === 'cur' ? splitName(p.name).info : '', date: i.m.internalDate, vsize: i.m.size });
          }),
        ),
        this.deps.quota(bytes, items.length),
      ]);
      return { uidValidity: this.uidlist.uidValidity, pairs: items.map((i, k) => [i.uid, dest[k] as number] as const) };
    } catch (err) {
      await discardTmp(items.map((i) => i.tmp));
      throw err;
    }
  }

  // ---- reading ----

  async read(uid: number, range?: ByteRange): Promise<Readable> {
    for (let attempt = 0; ; attempt++) {
      const m = this.find(uid);
      if (!m) throw new StoreError('expunged', 'message has been expunged');
      try {
        const fh = await open(this.filePath({ name: m.file, inNew: m.inNew }), 'r');
        return await streamMessage(fh, m.size, range);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw storeErrorFromErrno(err, 'message');
        if (attempt > 0) throw new StoreError('expunged', 'message has been expunged');
        await this.sync(); // renamed by a flag change elsewhere
      }
    }
  }

  async summary(uid: number): Promise<MessageSummary> {
    const messages = this.current.messages as readonly MaildirMessage[];
    const i = findUid(messages, uid);
    if (i === -1) throw new StoreError('expunged', 'message has been expunged');
    const m = messages[i] as MaildirMessage;
    // Cached, or built with the messages after it (a walk over the folder reads files in parallel batches).
    const known = await this.summaries.lookup(messages, i, (x) => ({ base: x.base, path: this.filePath({ name: x.file, inNew: x.inNew }), size: x.size }), this.deps.summarize);
    if (known) return known;
    const stream = await this.read(uid);
    let s: MessageSummary;
    try {
      s = await this.deps.summarize(stream);
    } catch (err) {
      stream.destroy();
      if (err instanceof StoreError) throw err;
      throw new StoreError('temporary', 'cannot parse message', err instanceof Error ? err.message : String(err));
    }
    await this.summaries.put(m.base, s);
    return s;
  }

  // ---- change feed ----

  subscribe(listener: (change: FolderChange) => void): () => void {
    this.listeners.add(listener);
    if (this.deps.watch && !this.watcher) {
      this.watcher = new FolderWatcher(
        [this.dir, join(this.dir, 'new'), join(this.dir, 'cur')],
        this.deps.pollMs,
        () => {
          this.sync().catch((err: unknown) => this.deps.log.warn('maildir: background sync failed', { folder: this.dir, error: err }));
        },
        this.deps.watch !== 'poll',
      );
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopWatching();
    };
  }

  stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** The store is closing: no lock may linger past it. */
  close(): void {
    this.stopWatching();
    this.lock.close();
  }

  release(): void {
    if (this.refs <= 0) return;
    this.refs--;
    if (this.refs === 0) {
      this.listeners.clear();
      this.stopWatching();
      this.deps.onIdle(this);
    }
  }

  /** Message ids for Sent de-duplication: newest first, only messages newer than `since`. */
  async findByMessageId(messageId: string, since: number): Promise<number | null> {
    const want = messageId.replace(/^<|>$/g, '').trim();
    const msgs = (await this.sync()).messages;
    for (let i = msgs.length - 1; i >= 0; i--) {
      const m = msgs[i] as MaildirMessage;
      if (m.internalDate < since) continue;
      try {
        const s = await this.summary(m.uid);
        if (s.messageId !== null && s.messageId.replace(/^<|>$/g, '').trim() === want) return m.uid;
      } catch (err) {
        if (!(err instanceof StoreError && err.kind === 'expunged')) throw err;
      }
    }
    return null;
  }
}
