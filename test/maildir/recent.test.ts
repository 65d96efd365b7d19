// \Recent per RFC 3501 §2.3.2: a message is \Recent for the first session that claims it after it arrived,
// however it arrived (delivery into new/, APPEND with flags, COPY, MOVE: the last three go straight to cur/).
// The folder's watermark (src/maildir/recent-mark.ts) is advanced under the uidlist lock, so separate store
// instances and separate processes never both get one UID.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openMailStore } from '../../src/maildir/index.js';
import { RECENT_MARK } from '../../src/maildir/recent-mark.js';
import type { Folder } from '../../src/maildir/types.js';
import { tempDir } from '../support/tmp.js';
import { DIST_STORE, requireBuiltStore } from './child.js';

const alice = { domain: 'example.com', local: 'alice' };
const msg = (n: number): Buffer => Buffer.from(`Subject: recent ${n}\r\n\r\nbody ${n}\r\n`);

function peek(f: Folder): Promise<readonly number[]> {
  if (!f.peekRecent) throw new Error('the Maildir folder peeks at \\Recent');
  return f.peekRecent();
}

async function freshStore() {
  const root = await tempDir('everlock-recent-');
  return { root, store: openMailStore({ root, watch: false, fsync: false }) };
}

describe('\\Recent watermark', () => {
  it('APPEND with flags (into cur/) is \\Recent for exactly one claim; STATUS and peek count it without claiming', async () => {
    const { root, store } = await freshStore();
    const mb = await store.mailbox(alice);
    const { uid } = await mb.append('INBOX', msg(1), { flags: ['\\Seen'] });
    expect(await readdir(join(root, 'example.com', 'alice', 'cur'))).toHaveLength(1);
    const f = await mb.openFolder('INBOX');
    expect((await mb.status('INBOX')).recent).toBe(1);
    expect(await peek(f)).toEqual([uid]);
    expect(await peek(f)).toEqual([uid]);
    expect(await f.claimRecent()).toEqual([uid]);
    expect(await f.claimRecent()).toEqual([]);
    expect(await peek(f)).toEqual([]);
    expect((await mb.status('INBOX')).recent).toBe(0);
    f.release();
    await store.close();
  });

  it('delivery into new/ and flagged appends are claimed together, each once', async () => {
    const { store } = await freshStore();
    const mb = await store.mailbox(alice);
    const a = await mb.append('INBOX', msg(1));
    const b = await mb.append('INBOX', msg(2), { flags: ['\\Flagged'] });
    const [c] = await store.deliver([{ mailbox: alice, folder: 'INBOX' }], msg(3));
    const f = await mb.openFolder('INBOX');
    expect([...(await f.claimRecent())].sort((x, y) => x - y)).toEqual([a.uid, b.uid, c!.uid].sort((x, y) => x - y));
    expect(await f.claimRecent()).toEqual([]);
    const d = await mb.append('INBOX', msg(4), { flags: ['\\Seen'] });
    expect(await f.claimRecent()).toEqual([d.uid]);
    f.release();
    await store.close();
  });

  it('claims only up to the UID a session has been told of, leaving later arrivals for later', async () => {
    const { store } = await freshStore();
    const mb = await store.mailbox(alice);
    const a = await mb.append('INBOX', msg(1), { flags: ['\\Seen'] });
    const b = await mb.append('INBOX', msg(2));
    const c = await mb.append('INBOX', msg(3), { flags: ['\\Seen'] });
    const f = await mb.openFolder('INBOX');
    expect(await f.peekRecent?.(a.uid)).toEqual([a.uid]);
    expect(await f.claimRecent(a.uid)).toEqual([a.uid]);
    expect(await f.claimRecent(a.uid)).toEqual([]);
    expect(await f.claimRecent()).toEqual([b.uid, c.uid]);
    expect(await f.claimRecent()).toEqual([]);
    f.release();
    await store.close();
  });

  it('COPY and MOVE make the copies \\Recent in the destination', async () => {
    const { store } = await freshStore();
    const mb = await store.mailbox(alice);
    const a = await mb.append('INBOX', msg(1), { flags: ['\\Seen'] });
    const b = await mb.append('INBOX', msg(2), { flags: ['\\Seen'] });
    const inbox = await mb.openFolder('INBOX');
    const archive = await mb.openFolder('Archive');
    expect(await inbox.claimRecent()).toEqual([a.uid, b.uid]);
    expect(await archive.claimRecent()).toEqual([]);
    const copied = await inbox.copyTo([a.uid], 'Archive');
    expect((await mb.status('Archive')).recent).toBe(1);
    expect(await archive.claimRecent()).toEqual([copied.pairs[0]![1]]);
    const moved = await inbox.moveTo([b.uid], 'Archive');
    expect(await archive.claimRecent()).toEqual([moved.pairs[0]![1]]);
    expect(await archive.claimRecent()).toEqual([]);
    expect(await inbox.claimRecent()).toEqual([]);
    for (const f of [inbox, archive]) f.release();
    await store.close();
  });

  it('a lost or corrupt watermark never hands a UID out twice', async () => {
    const { root, store } = await freshStore();
    const dir = join(root, 'example.com', 'alice');
    const mb = await store.mailbox(alice);
    const a = await mb.append('INBOX', msg(1), { flags: ['\\Seen'] });
    const f = await mb.openFolder('INBOX');
    expect(await f.claimRecent()).toEqual([a.uid]);
    await rm(join(dir, RECENT_MARK));
    // A second store (another process): nothing already stored becomes \Recent again.
    const other = openMailStore({ root, watch: false, fsync: false });
    const g = await (await other.mailbox(alice)).openFolder('INBOX');
    expect(await g.claimRecent()).toEqual([]);
    // Corrupt: a third store appending restarts the mark at its arrival, which is \Recent again, once.
    await writeFile(join(dir, RECENT_MARK), 'garbage');
    const third = openMailStore({ root, watch: false, fsync: false });
    const b = await (await third.mailbox(alice)).append('INBOX', msg(2), { flags: ['\\Seen'] });
    expect(await g.claimRecent()).toEqual([b.uid]);
    expect(await f.claimRecent()).toEqual([]);
    expect(await g.claimRecent()).toEqual([]);
    g.release();
    f.release();
    for (const s of [third, other, store]) await s.close();
  });

  it('separate store instances claiming at once share out every arrival exactly once', async () => {
    const { root, store } = await freshStore();
    const mb = await store.mailbox(alice);
    const others = [0, 1, 2].map(() => openMailStore({ root, watch: false, fsync: false }));
    const folders = await Promise.all([store, ...others].map(async (s) => (await s.mailbox(alice)).openFolder('INBOX')));
    const seen = new Map<number, number>();
    const appended: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 3; i++) appended.push((await mb.append('INBOX', msg(round * 3 + i), i === 0 ? {} : { flags: ['\\Seen'] })).uid);
      const got = await Promise.all(folders.map((f) => f.claimRecent()));
      got.forEach((uids, who) => {
        for (const u of uids) {
          expect(seen.has(u), `uid ${u} claimed by ${seen.get(u)} and ${who}`).toBe(false);
          seen.set(u, who);
        }
      });
    }
    expect([...seen.keys()].sort((x, y) => x - y)).toEqual(appended);
    for (const f of folders) f.release();
    for (const s of others) await s.close();
    await store.close();
  });

  it('two processes selecting at once never both get a message as \\Recent', async () => {
    requireBuiltStore();
    const { root, store } = await freshStore();
    const mb = await store.mailbox(alice);
    // The children claim until the parent has made its last append and says so (a file), then once more.
    const stop = join(root, 'stop');
    const script = `
      const { existsSync } = await import('node:fs');
      const { openMailStore } = await import(${JSON.stringify(DIST_STORE)});
      const [root, stop] = process.argv.slice(1);
      const store = openMailStore({ root, watch: false, fsync: false });
      const f = await (await store.mailbox({ domain: 'example.com', local: 'alice' })).openFolder('INBOX');
      const got = [];
      const limit = Date.now() + 20000;
      while (!existsSync(stop) && Date.now() < limit) { got.push(...(await f.claimRecent())); await new Promise((r) => setTimeout(r, 2)); }
      got.push(...(await f.claimRecent()));
      f.release();
      await store.close();
      process.stdout.write(JSON.stringify(got));
    `;
    const children = [0, 1].map(() => execa(process.execPath, ['--input-type=module', '-e', script, root, stop], { reject: false }));
    const appended: number[] = [];
    const until = Date.now() + 2000;
    for (let i = 0; Date.now() < until; i++) appended.push((await mb.append('INBOX', msg(i), i % 2 ? { flags: ['\\Seen'] } : {})).uid);
    await writeFile(stop, '');
    const results = await Promise.all(children);
    for (const r of results) expect(r.exitCode, String(r.stderr)).toBe(0);
    const [one, two] = results.map((r) => JSON.parse(String(r.stdout)) as number[]);
    const both = new Set(one!.filter((u) => two!.includes(u)));
    expect([...both]).toEqual([]);
    expect(new Set([...one!, ...two!]).size).toBe(one!.length + two!.length);
    // Every arrival went to one of them (both claimed once more after the appends stopped).
    expect([...one!, ...two!].sort((x, y) => x - y)).toEqual(appended);
    expect(appended.length).toBeGreaterThan(10);
    await store.close();
  }, 30_000);
});
