// An in-memory MailStore for fast protocol tests: same interface and change-feed behaviour as the Maildir
// store (immutable state arrays replaced on change, one shared Folder per folder, \Recent claimed once),
// without touching the disk. The store contract suite runs against it too, so it cannot drift.
import { Readable } from 'node:stream';
import { StoreError } from '../../src/errors.js';
import type { MailboxAddress } from '../../src/config/types.js';
import { summarizeBuffer } from '../../src/mime/summarize.js';
import type { MessageSummary } from '../../src/mime/types.js';
import type {
  AppendOptions,
  ByteRange,
  CopyResult,
  DeliveryTarget,
  Flag,
  FlagOperation,
  Folder,
  FolderChange,
  FolderInfo,
  FolderState,
  FolderStatus,
  Mailbox,
  MailStore,
  MessageInfo,
  MessageSource,
  SpecialUse,
  StoreResult,
} from '../../src/maildir/types.js';

const DEFAULT_FOLDERS: readonly [string, SpecialUse][] = [
  ['Sent', '\\Sent'],
  ['Drafts', '\\Drafts'],
  ['Trash', '\\Trash'],
  ['Junk', '\\Junk'],
  ['Archive', '\\Archive'],
];
const SYSTEM = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'];

/** Same rule as the Maildir++ layout: no ".", no empty level, no control characters. */
function validName(name: string): boolean {
  return name !== '' && name.length <= 255 && !name.includes('.') && !name.split('/').some((p) => p === '') && !/[\x00-\x1f\x7f]/.test(name);
}

async function readSource(source: MessageSource): Promise<Buffer> {
  if (Buffer.isBuffer(source)) return source;
  const chunks: Buffer[] = [];
  for await (const c of source) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

function crlf(b: Buffer): Buffer {
  return Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

function normalizeFlags(flags: readonly Flag[]): Flag[] {
  const out: Flag[] = [];
  for (const f of flags) {
    const sys = SYSTEM.find((s) => s.toLowerCase() === f.toLowerCase());
    const v = sys ?? f;
    if (f.toLowerCase() === '\\recent') continue;
    if (!out.some((x) => x.toLowerCase() === v.toLowerCase())) out.push(v);
  }
  return out;
}

class FolderData {
  uidValidity: number;
  uidNext = 1;
  highestModSeq = 1;
  /** Appends go to `pending` so bulk loads stay linear; `messages` is the immutable snapshot readers get. */
  private snapshot: readonly MessageInfo[] = [];
  private pending: MessageInfo[] = [];
  readonly bodies = new Map<number, Buffer>();
  readonly summaries = new Map<number, MessageSummary>();
  readonly unclaimed = new Set<number>();
  readonly listeners = new Set<(c: FolderChange) => void>();
  subscribed = true;
  handle: MemoryFolder | undefined;
  constructor(
    public name: string,
    public specialUse: SpecialUse | undefined,
    uidValidity: number,
  ) {
    this.uidValidity = uidValidity;
  }

  get messages(): readonly MessageInfo[] {
    if (this.pending.length) {
      this.snapshot = [...this.snapshot, ...this.pending];
      this.pending = [];
    }
    return this.snapshot;
  }

  set messages(next: readonly MessageInfo[]) {
    this.pending = [];
    this.snapshot = next;
  }

  emit(change: FolderChange): void {
    for (const l of [...this.listeners]) queueMicrotask(() => l(change));
  }

  add(body: Buffer, opts: AppendOptions = {}): MessageInfo {
    const uid = this.uidNext++;
    const info: MessageInfo = {
      uid,
      flags: normalizeFlags(opts.flags ?? []),
      modseq: ++this.highestModSeq,
      size: body.length,
      internalDate: opts.internalDate ?? Date.now(),
    };
    this.bodies.set(uid, body);
    this.unclaimed.add(uid);
    this.pending.push(info);
    this.emit({ type: 'added', messages: [info] });
    return info;
  }

  remove(uids: readonly number[]): number[] {
    const set = new Set(uids);
    const removed = this.messages.filter((m) => set.has(m.uid)).map((m) => m.uid);
    if (removed.length === 0) return [];
    this.messages = this.messages.filter((m) => !set.has(m.uid));
    for (const u of removed) {
      this.bodies.delete(u);
      this.summaries.delete(u);
      this.unclaimed.delete(u);
    }
    this.highestModSeq++;
    this.emit({ type: 'expunged', uids: removed });
    return removed;
  }
}

class MemoryFolder implements Folder {
  refs = 0;
  constructor(
    private readonly data: FolderData,
    private readonly box: MemoryMailbox,
  ) {}

  get name(): string {
    return this.data.name;
  }

  state(): FolderState {
    const d = this.data;
    return { uidValidity: d.uidValidity, uidNext: d.uidNext, highestModSeq: d.highestModSeq, messages: d.messages };
  }

  async sync(): Promise<FolderState> {
    return this.state();
  }

  async claimRecent(): Promise<readonly number[]> {
    const out = [...this.data.unclaimed];
    this.data.unclaimed.clear();
    return out;
  }

  async setFlags(uids: readonly number[], op: FlagOperation, flags: readonly Flag[], unchangedSince?: number): Promise<StoreResult> {
    const set = new Set(uids);
    const given = normalizeFlags(flags);
    const updated: MessageInfo[] = [];
    const modified: number[] = [];
    const d = this.data;
    d.messages = d.messages.map((m) => {
      if (!set.has(m.uid)) return m;
      if (unchangedSince !== undefined && m.modseq > unchangedSince) {
        modified.push(m.uid);
        return m;
      }
      let next: Flag[];
      if (op === 'replace') next = given;
      else if (op === 'add') next = normalizeFlags([...m.flags, ...given]);
      else next = m.flags.filter((f) => !given.some((g) => g.toLowerCase() === f.toLowerCase()));
      const same = next.length === m.flags.length && next.every((f) => m.flags.includes(f));
      if (same) return m;
      const n: MessageInfo = { ...m, flags: next, modseq: ++d.highestModSeq };
      updated.push(n);
      return n;
    });
    if (updated.length) d.emit({ type: 'flags', messages: updated });
    return { updated, modified };
  }

  async expunge(uids: readonly number[]): Promise<readonly number[]> {
    return this.data.remove(uids);
  }

  async copyTo(uids: readonly number[], destination: string): Promise<CopyResult> {
    const dest = this.box.folder(destination);
    const pairs: [number, number][] = [];
    for (const m of this.data.messages) {
      if (!uids.includes(m.uid)) continue;
      const info = dest.add(this.data.bodies.get(m.uid)!, { flags: m.flags, internalDate: m.internalDate });
      pairs.push([m.uid, info.uid]);
    }
    return { uidValidity: dest.uidValidity, pairs };
  }

  async moveTo(uids: readonly number[], destination: string): Promise<CopyResult> {
    const r = await this.copyTo(uids, destination);
    this.data.remove(r.pairs.map((p) => p[0]));
    return r;
  }

  async read(uid: number, range?: ByteRange): Promise<Readable> {
    const body = this.data.bodies.get(uid);
    if (!body) throw new StoreError('expunged', 'message expunged');
    return Readable.from([range ? body.subarray(range.start, range.end ?? body.length) : body]);
  }

  async summary(uid: number): Promise<MessageSummary> {
    const body = this.data.bodies.get(uid);
    if (!body) throw new StoreError('expunged', 'message expunged');
    let s = this.data.summaries.get(uid);
    if (!s) {
      s = summarizeBuffer(body);
      this.data.summaries.set(uid, s);
    }
    return s;
  }

  subscribe(listener: (change: FolderChange) => void): () => void {
    this.data.listeners.add(listener);
    return () => this.data.listeners.delete(listener);
  }

  release(): void {
    this.refs = Math.max(0, this.refs - 1);
  }
}

class MemoryMailbox implements Mailbox {
  readonly folders = new Map<string, FolderData>();
  private readonly folderListeners = new Set<() => void>();
  private nextValidity = Math.floor(Date.now() / 1000);
  constructor(
    readonly address: MailboxAddress,
    readonly quotaBytes: number,
  ) {
    this.folders.set('INBOX', new FolderData('INBOX', undefined, this.nextValidity++));
    for (const [n, u] of DEFAULT_FOLDERS) this.folders.set(n, new FolderData(n, u, this.nextValidity++));
  }

  folder(name: string): FolderData {
    const f = this.folders.get(name);
    if (!f) throw new StoreError('not-found', `no folder ${name}`);
    return f;
  }

  private changed(): void {
    for (const l of [...this.folderListeners]) queueMicrotask(l);
  }

  async listFolders(): Promise<readonly FolderInfo[]> {
    const names = [...this.folders.keys()].sort((a, b) => (a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    return names.map((name) => {
      const f = this.folders.get(name)!;
      return { name, specialUse: f.specialUse, subscribed: f.subscribed, hasChildren: names.some((n) => n.startsWith(name + '/')) };
    });
  }

  async createFolder(name: string, specialUse?: SpecialUse): Promise<void> {
    if (!validName(name)) throw new StoreError('invalid-name', 'invalid folder name');
    if ([...this.folders.keys()].some((n) => n.toLowerCase() === name.toLowerCase() && (n === 'INBOX' || n === name))) {
      throw new StoreError('exists', 'folder exists');
    }
    // Parents are created too, as the Maildir++ layout implies them.
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!this.folders.has(parent)) this.folders.set(parent, new FolderData(parent, undefined, this.nextValidity++));
    }
    this.folders.set(name, new FolderData(name, specialUse, this.nextValidity++));
    this.changed();
  }

  async deleteFolder(name: string): Promise<void> {
    if (name === 'INBOX') throw new StoreError('no-permission', 'cannot delete INBOX');
    const f = this.folder(name);
    f.remove(f.messages.map((m) => m.uid));
    this.folders.delete(name);
    this.changed();
  }

  async renameFolder(from: string, to: string): Promise<void> {
    const src = this.folder(from);
    if (this.folders.has(to)) throw new StoreError('exists', 'folder exists');
    if (!validName(to)) throw new StoreError('invalid-name', 'invalid folder name');
    if (from === 'INBOX') {
      const dest = new FolderData(to, undefined, this.nextValidity++);
      this.folders.set(to, dest);
      for (const m of src.messages) dest.add(src.bodies.get(m.uid)!, { flags: m.flags, internalDate: m.internalDate });
      src.remove(src.messages.map((m) => m.uid));
    } else {
      for (const [name, f] of [...this.folders]) {
        if (name === from || name.startsWith(from + '/')) {
          const newName = to + name.slice(from.length);
          this.folders.delete(name);
          f.name = newName;
          f.uidValidity = this.nextValidity++;
          this.folders.set(newName, f);
        }
      }
    }
    this.changed();
  }

  async setSubscribed(name: string, subscribed: boolean): Promise<void> {
    this.folder(name).subscribed = subscribed;
  }

  async status(name: string): Promise<FolderStatus> {
    const f = this.folder(name);
    return {
      messages: f.messages.length,
      recent: f.unclaimed.size,
      unseen: f.messages.filter((m) => !m.flags.includes('\\Seen')).length,
      uidNext: f.uidNext,
      uidValidity: f.uidValidity,
      highestModSeq: f.highestModSeq,
      size: f.messages.reduce((a, m) => a + m.size, 0),
    };
  }

  async openFolder(name: string): Promise<Folder> {
    const f = this.folder(name);
    f.handle ??= new MemoryFolder(f, this);
    f.handle.refs++;
    return f.handle;
  }

  async append(folder: string, source: MessageSource, opts?: AppendOptions): Promise<{ uid: number; uidValidity: number }> {
    const f = this.folder(folder);
    const body = crlf(await readSource(source));
    if (this.quotaBytes > 0 && (await this.quota()).usedBytes + body.length > this.quotaBytes) throw new StoreError('over-quota', 'quota exceeded');
    const info = f.add(body, opts);
    return { uid: info.uid, uidValidity: f.uidValidity };
  }

  async quota(): Promise<{ usedBytes: number; usedMessages: number; limitBytes: number }> {
    let usedBytes = 0;
    let usedMessages = 0;
    for (const f of this.folders.values()) {
      usedMessages += f.messages.length;
      for (const m of f.messages) usedBytes += m.size;
    }
    return { usedBytes, usedMessages, limitBytes: this.quotaBytes };
  }

  async findByMessageId(folder: string, messageId: string, withinMs: number): Promise<number | null> {
    const f = this.folder(folder);
    const want = messageId.trim().replace(/^<|>$/g, '');
    const since = Date.now() - withinMs;
    for (let i = f.messages.length - 1; i >= 0; i--) {
      const m = f.messages[i]!;
      if (m.internalDate < since) continue;
      const s = summarizeBuffer(f.bodies.get(m.uid)!);
      if (s.messageId && s.messageId.replace(/^<|>$/g, '') === want) return m.uid;
    }
    return null;
  }

  onFoldersChanged(listener: () => void): () => void {
    this.folderListeners.add(listener);
    return () => this.folderListeners.delete(listener);
  }
}

export class MemoryStore implements MailStore {
  private readonly boxes = new Map<string, MemoryMailbox>();

  async mailbox(address: MailboxAddress, opts: { create?: boolean; quotaBytes?: number } = {}): Promise<Mailbox> {
    const key = `${address.local}@${address.domain}`.toLowerCase();
    let box = this.boxes.get(key);
    if (!box) {
      if (opts.create === false) throw new StoreError('not-found', 'no such mailbox');
      box = new MemoryMailbox(address, opts.quotaBytes ?? 0);
      this.boxes.set(key, box);
    }
    return box;
  }

  async listMailboxes(domain?: string): Promise<readonly MailboxAddress[]> {
    return [...this.boxes.values()].map((b) => b.address).filter((a) => domain === undefined || a.domain === domain);
  }

  async deliver(targets: readonly DeliveryTarget[], source: MessageSource): Promise<ReadonlyArray<{ uid: number; uidValidity: number } | null>> {
    const body = await readSource(source);
    const out: { uid: number; uidValidity: number }[] = [];
    for (const t of targets) {
      const box = (await this.mailbox(t.mailbox)) as MemoryMailbox;
      if (!box.folders.has(t.folder)) await box.createFolder(t.folder);
      out.push(await box.append(t.folder, body, { flags: t.flags }));
    }
    return out;
  }

  async close(): Promise<void> {}
}

export function createMemoryStore(): MemoryStore {
  return new MemoryStore();
}
