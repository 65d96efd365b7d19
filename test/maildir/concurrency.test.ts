// Concurrency: four processes deliver to, flag and expunge in one folder for ten seconds while a fifth reads
// all the while. Every message has exactly one UID, no flag change is lost, and the reader never sees a
// torn state (torn-reader.mjs lists what it checks). EVERLOCK_CONCURRENCY_MS changes the duration.
import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openMailStore } from '../../src/maildir/index.js';
import { baseOf } from '../../src/maildir/filename.js';
import { tempDir } from '../support/tmp.js';
import { requireBuiltStore, runFixture } from './child.js';

const MS = Number(process.env.EVERLOCK_CONCURRENCY_MS ?? 10_000);
const alice = { domain: 'example.com', local: 'alice' };

describe('concurrency', () => {
  it(`4 writers and a reader on one folder for ${MS} ms`, async () => {
    requireBuiltStore();
    const root = await tempDir('everlock-conc-');
    const store = openMailStore({ root, watch: false });
    // The hot messages every writer flags (UIDs 1-3); no writer expunges them.
    for (let i = 1; i <= 3; i++) await store.deliver([{ mailbox: alice, folder: 'INBOX' }], Buffer.from(`Subject: hot ${i}\n\nbody\n`));
    const writers = [0, 1, 2, 3].map((id) => runFixture('concurrent-writer.mjs', [root, String(id), String(MS)]));
    const reader = runFixture('torn-reader.mjs', [root, String(MS + 500)]);
    const results = await Promise.all(writers);
    const r = await reader;
    for (const w of results) expect(w.exitCode, String(w.stderr)).toBe(0);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const readerReport = JSON.parse(String(r.stdout)) as { snapshots: number; reads: number; problems: string[] };
    expect(readerReport.problems).toEqual([]);
    expect(readerReport.snapshots).toBeGreaterThan(20);
    expect(readerReport.reads).toBeGreaterThan(10);

    const delivered = new Set<number>([1, 2, 3]);
    const expunged = new Set<number>();
    const flagged: Array<[number, string]> = [];
    /** `${uid} ${keyword}` -> whether the writer's last change left it set. */
    const keywords = new Map<string, boolean>();
    let toggles = 0;
    for (const w of results) {
      for (const line of String(w.stdout).split('\n').filter(Boolean)) {
        const e = JSON.parse(line) as { d?: number; x?: number; f?: [number, string]; k?: [number, string, boolean] };
        if (e.d !== undefined) {
          expect(delivered.has(e.d), `uid ${e.d} given twice`).toBe(false);
          delivered.add(e.d);
        }
        if (e.x !== undefined) expunged.add(e.x);
        if (e.f) flagged.push(e.f);
        if (e.k) {
          keywords.set(`${e.k[0]} ${e.k[1]}`, e.k[2]);
          toggles++;
        }
      }
    }
    expect(delivered.size).toBeGreaterThan(40);
    expect(expunged.size).toBeGreaterThan(4);
    expect(flagged.length).toBeGreaterThan(10);
    expect(toggles).toBeGreaterThan(40);

    const inbox = await (await store.mailbox(alice)).openFolder('INBOX');
    const st = await inbox.sync();
    const uids = st.messages.map((m) => m.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids).toEqual([...delivered].filter((u) => !expunged.has(u)).sort((a, b) => a - b));
    const byUid = new Map(st.messages.map((m) => [m.uid, m]));
    // No flag change is lost: every system flag added is there, and every writer's own keyword on the hot
    // messages is as that writer last left it, however the renames of four processes interleaved.
    for (const [uid, flag] of flagged) {
      if (expunged.has(uid)) continue;
      expect(byUid.get(uid)?.flags, `uid ${uid} ${flag}`).toContain(flag);
    }
    expect(keywords.size).toBeGreaterThan(6);
    for (const [key, set] of keywords) {
      const [uid, kw] = key.split(' ') as [string, string];
      expect(byUid.get(Number(uid))?.flags.includes(kw), `uid ${uid} ${kw} should be ${set ? 'set' : 'clear'}`).toBe(set);
    }
    // Exactly one UID per message: the uidlist names every file once, and every file on disk has a UID.
    const dir = join(root, alice.domain, alice.local);
    const lines = (await readFile(join(dir, 'dovecot-uidlist'), 'latin1')).split('\n').slice(1).filter(Boolean);
    const bases = lines.map((l) => l.slice(l.indexOf(' :') + 2));
    expect(new Set(bases).size).toBe(bases.length);
    const files = [...(await readdir(join(dir, 'new'))), ...(await readdir(join(dir, 'cur')))];
    expect(files.length).toBe(uids.length);
    const live = new Set(bases);
    for (const f of files) expect(live.has(baseOf(f)), f).toBe(true);
    inbox.release();
    await store.close();
  }, 120_000);
});
