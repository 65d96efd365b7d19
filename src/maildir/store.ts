// The Maildir MailStore: mailboxes under `<root>/<domain>/<local>/`, one shared MaildirFolder per folder
// directory per process (ref-counted; a few idle ones stay cached so STATUS on a big folder stays cheap),
// and the all-or-nothing multi-target delivery.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { StoreError, storeErrorFromErrno } from '../errors.js';
import type { Logger } from '../log.js';
import type { MailboxAddress } from '../config/types.js';
import type { MessageSummary } from '../mime/types.js';
import type { DeliveryTarget, MailStore, MessageSource } from './types.js';
import { INBOX, validateFolderName, validateMailboxParts } from './folder-names.js';
import { createFolderDirs, createMailboxLayout, DEFAULT_FOLDERS, folderPath } from './layout.js';
import { MaildirFolder } from './folder.js';
import { MaildirMailbox, type MailboxHost } from './mailbox.js';
import { cloneTmp, commitPlacements, discardTmp, writeTmp, type Placement, type TmpFile } from './deliver.js';
import { addQuota } from './quota.js';
import { splitName } from './filename.js';
import { fsyncDir } from './group-commit.js';

export interface StoreOptions {
  readonly root: string;
  readonly log: Logger;
  readonly fsync: boolean;
  readonly watch: boolean | 'poll';
  readonly pollMs: number;
  readonly summarize: (s: Readable) => Promise<MessageSummary>;
}

const IDLE_CACHE = 32;

export class MaildirStore implements MailStore, MailboxHost {
  private readonly folders = new Map<string, MaildirFolder>();
  private readonly idle = new Set<MaildirFolder>();
  private readonly mailboxes = new Map<string, MaildirMailbox>();

  constructor(private readonly opts: StoreOptions) {}

  get pollMs(): number {
    return this.opts.pollMs;
  }

  get watch(): boolean | 'poll' {
    return this.opts.watch;
  }

  /** Directories of addresses already validated (several lookups per delivered message). */
  private readonly dirs = new Map<string, string>();

  private mailboxDir(address: MailboxAddress): string {
    const key = `${address.domain}\0${address.local}`;
    let dir = this.dirs.get(key);
    if (dir === undefined) {
      validateMailboxParts(address.domain, address.local);
      dir = join(this.opts.root, address.domain, address.local);
      if (this.dirs.size >= 10_000) this.dirs.clear();
      this.dirs.set(key, dir);
    }
    return dir;
  }

  async mailbox(address: MailboxAddress, opts: { create?: boolean; quotaBytes?: number } = {}): Promise<MaildirMailbox> {
    const dir = this.mailboxDir(address);
    let mb = this.mailboxes.get(dir);
    if (!mb) {
      let exists = false;
      try {
        exists = (await stat(join(dir, 'cur'))).isDirectory();
      } catch {
        exists = false;
      }
      if (!exists && opts.create === false) throw new StoreError('not-found', 'no such mailbox');
      if (!exists) await createMailboxLayout(dir);
      mb = this.mailboxes.get(dir) ?? new MaildirMailbox(address, dir, this, opts.quotaBytes ?? 0);
      this.mailboxes.set(dir, mb);
      // Subscribed like Dovecot's autocreate+autosubscribe: clients that show only subscribed folders
      // (Thunderbird's default) must see Sent, Drafts, Trash, Junk and Archive from the first login.
      if (!exists) await mb.subscribeAll(['INBOX', ...DEFAULT_FOLDERS.map(([n]) => n)]);
    }
    if (opts.quotaBytes !== undefined) mb.quotaBytes = opts.quotaBytes;
    return mb;
  }

  async listMailboxes(domain?: string): Promise<readonly MailboxAddress[]> {
    if (domain !== undefined) validateMailboxParts(domain, 'postmaster');
    const domains = domain !== undefined ? [domain] : await readdir(this.opts.root).catch(() => [] as string[]);
    const out: MailboxAddress[] = [];
    for (const d of domains.sort()) {
      let locals: string[];
      try {
        validateMailboxParts(d, 'x');
        locals = await readdir(join(this.opts.root, d));
      } catch {
        continue;
      }
      for (const l of locals.sort()) {
        try {
          validateMailboxParts(d, l);
          if ((await stat(join(this.opts.root, d, l, 'cur'))).isDirectory()) out.push({ domain: d, local: l });
        } catch {
          // not a mailbox
        }
      }
    }
    return out;
  }

  acquire(mailbox: MaildirMailbox, name: string): MaildirFolder {
    const dir = folderPath(mailbox.dir, name);
    let f = this.folders.get(dir);
    if (!f) {
      f = new MaildirFolder(name, dir, {
        log: this.opts.log,
        fsync: this.opts.fsync,
        watch: this.opts.watch,
        pollMs: this.opts.pollMs,
        summarize: this.opts.summarize,
        openSibling: async (sibling) => {
          const n = validateFolderName(sibling);
          const target = await mailbox.openFolder(n);
          return target;
        },
        quota: (bytes, count) => addQuota(mailbox.dir, bytes, count),
        checkQuota: (bytes) => mailbox.checkQuota(bytes),
        onIdle: (folder) => this.parked(folder),
      });
      this.folders.set(dir, f);
    }
    this.idle.delete(f);
    f.refs++;
    return f;
  }

  private parked(folder: MaildirFolder): void {
    this.idle.add(folder);
    while (this.idle.size > IDLE_CACHE) {
      const oldest = this.idle.values().next().value as MaildirFolder;
      this.idle.delete(oldest);
      if (this.folders.get(oldest.dir) === oldest) this.folders.delete(oldest.dir);
    }
  }

  forget(dir: string): void {
    for (const [d, f] of this.folders) {
      if (d === dir || d.startsWith(dir + '.') || d.startsWith(dir + '/')) {
        f.close();
        this.folders.delete(d);
        this.idle.delete(f);
      }
    }
  }

  /**
   * A rule's folder (or `deliver --folder`) that does not exist yet is created the way IMAP CREATE makes it,
   * parents as real folders, and subscribed, as Dovecot's lda_mailbox_autocreate + autosubscribe do: clients
   * that show only subscribed folders (Thunderbird's default) would otherwise never show the new mail.
   */
  private async createForDelivery(mb: MaildirMailbox, name: string): Promise<void> {
    try {
      let created = false;
      if (!(await stat(join(folderPath(mb.dir, name), 'cur')).catch(() => undefined))?.isDirectory()) {
        try {
          await mb.createFolder(name);
          created = true;
        } catch (err) {
          if (!(err instanceof StoreError && err.kind === 'exists')) throw err; // else a concurrent delivery made it
        }
      }
      // Whoever is creating the folder may not have made tmp/ yet (its cur/ is what we saw): make sure of all
      // three, as every delivery always did (idempotent, fsyncs only what it adds).
      if (!created) await createFolderDirs(mb.dir, name);
      else await mb.setSubscribed(name, true);
    } catch (err) {
      throw err instanceof StoreError ? err : storeErrorFromErrno(err, 'folder');
    }
  }

  async deliver(targets: readonly DeliveryTarget[], source: MessageSource): Promise<ReadonlyArray<{ uid: number; uidValidity: number } | null>> {
    if (targets.length === 0) return [];
    const boxes = await Promise.all(targets.map((t) => this.mailbox(t.mailbox)));
    const folders: MaildirFolder[] = [];
    const tmps: TmpFile[] = [];
    try {
      for (const [i, t] of targets.entries()) {
        const mb = boxes[i] as MaildirMailbox;
        const name = validateFolderName(t.folder);
        if (name !== INBOX) await this.createForDelivery(mb, name);
        const f = this.acquire(mb, name);
        folders.push(f);
        await f.ensureKeywords(t.flags ?? []);
      }
      // One write and fsync; every other copy is a hard link (or a synced copy) in its own tmp/.
      const first = await writeTmp((folders[0] as MaildirFolder).dir, source, { fsync: this.opts.fsync });
      tmps.push(first);
      for (let i = 1; i < folders.length; i++) tmps.push(await cloneTmp(first, (folders[i] as MaildirFolder).dir, this.opts.fsync));
      for (const mb of new Set(boxes)) await mb.checkQuota(first.size * boxes.filter((b) => b === mb).length);
      const placements: Placement[] = tmps.map((tmp, i) => (folders[i] as MaildirFolder).placementFor(tmp, targets[i]?.flags));
      await commitPlacements(placements);
      tmps.length = 0;
      const quota = Promise.all(boxes.map((mb) => addQuota(mb.dir, first.size, 1)));
      const assigned = Promise.all(
        placements.map(async (p, i) => {
          const f = folders[i] as MaildirFolder;
          try {
            const uid = await f.assign({ sub: p.sub, base: p.tmp.base, info: p.sub === 'cur' ? splitName(p.name).info : '', date: first.mtime, vsize: first.size });
            return { uid, uidValidity: f.uidValidity() };
          } catch (err) {
            // No UID yet (lock timeout, say): make the file durable anyway; it gets its UID at the next sync.
            if (this.opts.fsync) await fsyncDir(join(f.dir, p.sub)).catch((e: unknown) => {
              throw storeErrorFromErrno(e, 'message directory');
            });
            this.opts.log.warn('maildir: delivered but UID assignment failed', { folder: f.dir, error: err });
            return null;
          }
        }),
      );
      const [results] = await Promise.all([assigned, quota]);
      return results;
    } finally {
      if (tmps.length > 0) await discardTmp(tmps);
      for (const f of folders) f.release();
    }
  }

  async close(): Promise<void> {
    for (const f of this.folders.values()) f.close();
    for (const f of this.idle) f.close();
    this.folders.clear();
    this.idle.clear();
    this.mailboxes.clear();
  }
}
