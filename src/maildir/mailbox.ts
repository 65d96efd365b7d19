// One user's Maildir++ tree: folder management (create with parents, rename with children, delete),
// subscriptions, special-use, status, append and quota. Folders are opened through the store so that every
// session of the process shares one MaildirFolder per directory.
import { readdir, rename, rm, stat, watch } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, storeErrorFromErrno } from '../errors.js';
import type { MailboxAddress } from '../config/types.js';
import type { AppendOptions, FolderInfo, FolderStatus, Mailbox, MessageSource, SpecialUse } from './types.js';
import { folderToDir, INBOX, validateFolderName } from './folder-names.js';
import { createFolderDirs, folderPath, listFolderNames, readSpecialUse, writeSpecialUse } from './layout.js';
import { readSubscriptions, writeSubscriptions } from './subscriptions.js';
import { readQuota, type QuotaUsage } from './quota.js';
import type { MaildirFolder } from './folder.js';
import { uniqueBase } from './filename.js';
import { FolderLock } from './dotlock.js';

export interface MailboxHost {
  acquire(mailbox: MaildirMailbox, name: string): MaildirFolder;
  /** Forgets shared instances of folders whose directory went away (delete, rename). */
  forget(dir: string): void;
  readonly pollMs: number;
  readonly watch: boolean | 'poll';
}

export class MaildirMailbox implements Mailbox {
  private readonly folderListeners = new Set<() => void>();
  private stopWatch: (() => void) | undefined;

  constructor(
    readonly address: MailboxAddress,
    readonly dir: string,
    private readonly host: MailboxHost,
    public quotaBytes: number,
  ) {
    this.metaLock = new FolderLock(join(dir, 'subscriptions.lock'));
  }

  private readonly metaLock: FolderLock;

  async listFolders(): Promise<readonly FolderInfo[]> {
    const [names, special, subs] = await Promise.all([listFolderNames(this.dir), readSpecialUse(this.dir), readSubscriptions(this.dir)]);
    return names.map((name) => ({
      name,
      specialUse: special.get(name),
      subscribed: subs.has(name),
      hasChildren: names.some((n) => n.startsWith(name + '/')),
    }));
  }

  private async exists(name: string): Promise<boolean> {
    try {
      return (await stat(join(folderPath(this.dir, name), 'cur'))).isDirectory();
    } catch {
      return false;
    }
  }

  async createFolder(name: string, specialUse?: SpecialUse): Promise<void> {
    const n = validateFolderName(name);
    if (await this.exists(n)) throw new StoreError('exists', 'folder already exists');
    const parts = n.split('/');
    // RFC 3501 §6.3.3: create the superior levels the name needs.
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (parent !== INBOX && !(await this.exists(parent))) await createFolderDirs(this.dir, parent);
    }
    await createFolderDirs(this.dir, n);
    if (specialUse) {
      const map = await readSpecialUse(this.dir);
      map.set(n, specialUse);
      await writeSpecialUse(this.dir, map);
    }
    this.foldersChanged();
  }

  async deleteFolder(name: string): Promise<void> {
    const n = validateFolderName(name);
    if (n === INBOX) throw new StoreError('no-permission', 'INBOX cannot be deleted');
    if (!(await this.exists(n))) throw new StoreError('not-found', 'no such folder');
    const dir = folderPath(this.dir, n);
    // Out of sight first (a name Maildir++ readers skip), then removed: never a half-deleted folder.
    const doomed = join(this.dir, `..everlock-deleted-${uniqueBase()}`);
    // No uidlist lock of ours may linger in it (forgotten again after the move, in case it was reopened).
    this.host.forget(dir);
    try {
      await rename(dir, doomed);
    } catch (err) {
      throw storeErrorFromErrno(err, 'folder');
    }
    this.host.forget(dir);
    await rm(doomed, { recursive: true, force: true });
    await this.updateMeta((map, subs) => {
      map.delete(n);
      subs.delete(n);
    });
    this.foldersChanged();
  }

  async renameFolder(from: string, to: string): Promise<void> {
    const src = validateFolderName(from);
    const dst = validateFolderName(to);
    if (!(await this.exists(src))) throw new StoreError('not-found', 'no such folder');
    if (await this.exists(dst)) throw new StoreError('exists', 'folder already exists');
    if (dst === src || dst.startsWith(src + '/')) throw new StoreError('invalid-name', 'cannot rename a folder into itself');
    if (src === INBOX) {
      // RFC 3501 §6.3.5: INBOX's messages move to the new folder; INBOX stays, empty.
      await this.createFolder(dst);
      const inbox = await this.openFolder(INBOX);
      try {
        const all = (await inbox.sync()).messages.map((m) => m.uid);
        if (all.length > 0) await inbox.moveTo(all, dst);
      } finally {
        inbox.release();
      }
      return;
    }
    const parts = dst.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (parent !== INBOX && !(await this.exists(parent))) await createFolderDirs(this.dir, parent);
    }
    const srcDir = folderToDir(src);
    const dstDir = folderToDir(dst);
    const entries = await readdir(this.dir);
    const moves = entries.filter((e) => e === srcDir || e.startsWith(srcDir + '.'));
    try {
      for (const e of moves) {
        // A lingering uidlist lock of ours would move with the folder: released first (see deleteFolder).
        this.host.forget(join(this.dir, e));
        await rename(join(this.dir, e), join(this.dir, dstDir + e.slice(srcDir.length)));
        this.host.forget(join(this.dir, e));
      }
    } catch (err) {
      throw storeErrorFromErrno(err, 'folder');
    }
    const renamed = (n: string): string | undefined => (n === src ? dst : n.startsWith(src + '/') ? dst + n.slice(src.length) : undefined);
    await this.updateMeta((map, subs) => {
      for (const [n, u] of [...map]) {
        const r = renamed(n);
        if (r !== undefined) {
          map.delete(n);
          map.set(r, u);
        }
      }
      for (const n of [...subs]) {
        const r = renamed(n);
        if (r !== undefined) {
          subs.delete(n);
          subs.add(r);
        }
      }
    });
    this.foldersChanged();
  }

  /**
   * Read-modify-write of the subscriptions and special-use files under `subscriptions.lock` (Dovecot's dotlock
   * for the subscriptions file): two sessions or processes subscribing at once must not lose one another's
   * change.
   */
  private async updateMeta(fn: (special: Map<string, SpecialUse>, subs: Set<string>) => void): Promise<void> {
    await this.metaLock.run(async () => {
      const [special, subs] = await Promise.all([readSpecialUse(this.dir), readSubscriptions(this.dir)]);
      const beforeSpecial = JSON.stringify([...special]);
      const beforeSubs = JSON.stringify([...subs].sort());
      fn(special, subs);
      if (JSON.stringify([...special]) !== beforeSpecial) await writeSpecialUse(this.dir, special);
      if (JSON.stringify([...subs].sort()) !== beforeSubs) await writeSubscriptions(this.dir, subs);
    });
  }

  /** Subscribes every one of `names` (a new mailbox's default folders), keeping what is subscribed already. */
  async subscribeAll(names: readonly string[]): Promise<void> {
    await this.updateMeta((_special, subs) => {
      for (const n of names) subs.add(n);
    });
  }

  async setSubscribed(name: string, subscribed: boolean): Promise<void> {
    const n = validateFolderName(name);
    await this.updateMeta((_special, subs) => {
      if (subscribed) subs.add(n);
      else subs.delete(n);
    });
    this.foldersChanged();
  }

  async status(name: string): Promise<FolderStatus> {
    const f = await this.openFolder(name);
    try {
      const st = await f.sync();
      let unseen = 0;
      let size = 0;
      for (const m of st.messages) {
        if (!m.flags.includes('\\Seen')) unseen++;
        size += m.size;
      }
      const recent = (await f.peekRecent()).length;
      return { messages: st.messages.length, recent, unseen, uidNext: st.uidNext, uidValidity: st.uidValidity, highestModSeq: st.highestModSeq, size };
    } finally {
      f.release();
    }
  }

  async openFolder(name: string): Promise<MaildirFolder> {
    const n = validateFolderName(name);
    if (!(await this.exists(n))) throw new StoreError('not-found', 'no such folder');
    const f = this.host.acquire(this, n);
    try {
      await f.sync();
    } catch (err) {
      f.release();
      throw err;
    }
    return f;
  }

  async append(folder: string, source: MessageSource, opts?: AppendOptions): Promise<{ uid: number; uidValidity: number }> {
    const f = await this.openFolder(folder);
    try {
      return await f.append(source, opts);
    } finally {
      f.release();
    }
  }

  quota(): Promise<QuotaUsage> {
    return readQuota(this.dir, this.quotaBytes);
  }

  /** Throws over-quota when `bytes` more would not fit. */
  async checkQuota(bytes: number): Promise<void> {
    if (this.quotaBytes <= 0 || bytes <= 0) return;
    const q = await readQuota(this.dir, this.quotaBytes);
    if (q.usedBytes + bytes > this.quotaBytes) throw new StoreError('over-quota', 'mailbox is over quota');
  }

  async findByMessageId(folder: string, messageId: string, withinMs: number): Promise<number | null> {
    const f = await this.openFolder(folder);
    try {
      return await f.findByMessageId(messageId, Date.now() - withinMs);
    } finally {
      f.release();
    }
  }

  onFoldersChanged(listener: () => void): () => void {
    this.folderListeners.add(listener);
    if (!this.stopWatch && this.host.watch) this.stopWatch = this.watchFolders();
    return () => {
      this.folderListeners.delete(listener);
      if (this.folderListeners.size === 0) {
        this.stopWatch?.();
        this.stopWatch = undefined;
      }
    };
  }

  private foldersChanged(): void {
    for (const l of this.folderListeners) {
      try {
        l();
      } catch {
        // a listener's failure is its own
      }
    }
  }

  /** Notices folders created or removed by other processes: fs.watch on the root plus a poll. */
  private watchFolders(): () => void {
    const ac = new AbortController();
    let last = '';
    const check = async (): Promise<void> => {
      const names = (await listFolderNames(this.dir).catch(() => [] as string[])).join('\n');
      if (last !== '' && names !== last) this.foldersChanged();
      last = names;
    };
    void check();
    if (this.host.watch !== 'poll') void (async () => {
      try {
        for await (const _ of watch(this.dir, { signal: ac.signal, persistent: false })) await check();
      } catch {
        // aborted, or no notifications on this file system: the poll covers it
      }
    })();
    const timer = setInterval(() => void check(), this.host.pollMs);
    timer.unref();
    return () => {
      ac.abort();
      clearInterval(timer);
    };
  }
}
