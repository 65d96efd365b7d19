// The uidlist dotlock: a lingering lock is taken once for a stream of batches, released after the linger time or
// at close, yields to a waiting process after MAX_HOLD_MS, and a lock file of ours that we no longer hold (its
// folder was renamed under it) does not hold anyone up. A second FolderLock on the same path stands in for
// another process: it sees the file and waits exactly as one would.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FolderLock, MAX_HOLD_MS } from '../../src/maildir/dotlock.js';
import { openMailStore } from '../../src/maildir/index.js';
import type { MailStore } from '../../src/maildir/types.js';
import { tempDir } from '../support/tmp.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('uidlist dotlock', () => {
  const locks: FolderLock[] = [];
  afterEach(() => {
    for (const l of locks.splice(0)) l.close();
  });

  it('keeps the file for back-to-back batches and releases it after the linger time', async () => {
    const path = join(await tempDir('everlock-dotlock-'), 'dovecot-uidlist.lock');
    const lock = new FolderLock(path, { lingerMs: 100 });
    locks.push(lock);
    const seen: string[] = [];
    await lock.run(async () => void seen.push(readFileSync(path, 'utf8')));
    expect(seen[0]).toBe(`${process.pid}:${hostname()}`);
    // Lingering: still there, still ours, and the next batch does not make it again.
    expect(existsSync(path)).toBe(true);
    expect(lock.holdsFile).toBe(true);
    writeFileSync(path, `${process.pid}:${hostname()} marked`);
    await lock.run(async () => void seen.push(readFileSync(path, 'utf8')));
    expect(seen[1]).toBe(`${process.pid}:${hostname()} marked`);
    await sleep(250);
    expect(existsSync(path)).toBe(false);
    expect(lock.holdsFile).toBe(false);
  });

  it('without lingerMs releases the file as soon as the batch is done', async () => {
    const path = join(await tempDir('everlock-dotlock-'), 'subscriptions.lock');
    const lock = new FolderLock(path);
    await lock.run(async () => expect(existsSync(path)).toBe(true));
    expect(existsSync(path)).toBe(false);
  });

  it('close releases a lingering lock at once', async () => {
    const path = join(await tempDir('everlock-dotlock-'), 'dovecot-uidlist.lock');
    const lock = new FolderLock(path, { lingerMs: 60_000 });
    await lock.run(async () => {});
    expect(existsSync(path)).toBe(true);
    lock.close();
    expect(existsSync(path)).toBe(false);
  });

  it('a process waiting for the lock gets it within MAX_HOLD_MS of a continuous stream of batches', async () => {
    const path = join(await tempDir('everlock-dotlock-'), 'dovecot-uidlist.lock');
    const busy = new FolderLock(path, { lingerMs: 50 });
    const other = new FolderLock(path, { lingerMs: 50 });
    locks.push(busy, other);
    const t0 = Date.now();
    let streaming = true;
    const stream = (async () => {
      while (streaming) await busy.run(() => sleep(5));
    })();
    await sleep(100);
    let gotItAt = 0;
    await other.run(async () => {
      gotItAt = Date.now() - t0;
      // While the other holds it, the stream is waiting, not writing.
      expect(busy.holdsFile).toBe(false);
    });
    streaming = false;
    await stream;
    expect(gotItAt).toBeGreaterThan(100);
    expect(gotItAt).toBeLessThan(MAX_HOLD_MS + 600);
  });

  it('treats a lock file with our pid that no FolderLock of ours holds as stale', async () => {
    const path = join(await tempDir('everlock-dotlock-'), 'dovecot-uidlist.lock');
    writeFileSync(path, `${process.pid}:${hostname()}`);
    const lock = new FolderLock(path);
    const t0 = Date.now();
    await lock.run(async () => {});
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(existsSync(path)).toBe(false);
  });
});

describe('lingering uidlist locks and folder operations', () => {
  let store: MailStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const alice = { domain: 'example.com', local: 'alice' };
  const msg = (n: number) => Buffer.from(`Subject: ${n}\r\n\r\nbody ${n}\r\n`);

  it('a folder renamed or deleted right after a delivery carries no lock with it, and delivery goes on at once', async () => {
    const root = await tempDir('everlock-dotlock-store-');
    store = openMailStore({ root, watch: false });
    const mb = await store.mailbox(alice);
    await store.deliver([{ mailbox: alice, folder: 'Lists' }], msg(1));
    await mb.renameFolder('Lists', 'Projects');
    const renamed = join(root, 'example.com', 'alice', '.Projects');
    expect(existsSync(join(renamed, 'dovecot-uidlist.lock'))).toBe(false);
    const t0 = Date.now();
    await store.deliver([{ mailbox: alice, folder: 'Projects' }], msg(2));
    expect(Date.now() - t0).toBeLessThan(2000);
    const f = await mb.openFolder('Projects');
    try {
      expect((await f.sync()).messages.map((m) => m.uid)).toEqual([1, 2]);
    } finally {
      f.release();
    }
    await store.deliver([{ mailbox: alice, folder: 'Projects' }], msg(3));
    await mb.deleteFolder('Projects');
    expect(existsSync(renamed)).toBe(false);
  });

  it('closing the store releases every lingering lock', async () => {
    const root = await tempDir('everlock-dotlock-store-');
    store = openMailStore({ root, watch: false });
    await store.deliver([{ mailbox: alice, folder: 'INBOX' }], msg(1));
    const lockPath = join(root, 'example.com', 'alice', 'dovecot-uidlist.lock');
    expect(existsSync(lockPath)).toBe(true);
    await store.close();
    store = undefined;
    expect(existsSync(lockPath)).toBe(false);
  });
});
