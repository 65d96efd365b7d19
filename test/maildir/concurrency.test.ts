// Concurrency: four processes deliver to, flag and expunge in one folder while a fifth reads all the while.
// Every message has exactly one UID, no flag change is lost, and the reader never sees a torn state.
// EVERLOCK_CONCURRENCY_MS sets the duration (default 4 s; the 10 s run: EVERLOCK_CONCURRENCY_MS=10000).
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openMailStore } from '../../src/maildir/index.js';
import { tempDir } from '../support/tmp.js';
import { builtStoreExists, runFixture } from './child.js';

const MS = Number(process.env.EVERLOCK_CONCURRENCY_MS ?? 4000);

describe.skipIf(!builtStoreExists())('concurrency', () => {
  it(`4 writers and a reader on one folder for ${MS} ms`, async () => {
    const root = await tempDir('everlock-conc-');
    const store = openMailStore({ root, watch: false });
    await store.mailbox({ domain: 'example.com', local: 'alice' });
    const writers = [0, 1, 2, 3].map((id) => runFixture('concurrent-writer.mjs', [root, String(id), String(MS)]));
    const reader = runFixture('torn-reader.mjs', [root, String(MS + 500)]);
    const results = await Promise.all(writers);
    const r = await reader;
    for (const w of results) expect(w.exitCode, String(w.stderr)).toBe(0);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const readerReport = JSON.parse(String(r.stdout)) as { snapshots: number; problems: string[] };
    expect(readerReport.problems).toEqual([]);
    expect(readerReport.snapshots).toBeGreaterThan(5);

    const delivered = new Set<number>();
    const expunged = new Set<number>();
    const flagged: Array<[number, string]> = [];
    for (const w of results) {
      for (const line of String(w.stdout).split('\n').filter(Boolean)) {
        const e = JSON.parse(line) as { d?: number; x?: number; f?: [number, string] };
        if (e.d !== undefined) {
          expect(delivered.has(e.d), `uid ${e.d} given twice`).toBe(false);
          delivered.add(e.d);
        }
        if (e.x !== undefined) expunged.add(e.x);
        if (e.f) flagged.push(e.f);
      }
    }
    expect(delivered.size).toBeGreaterThan(20);
    expect(flagged.length).toBeGreaterThan(10);

    const mb = await store.mailbox({ domain: 'example.com', local: 'alice' });
    const inbox = await mb.openFolder('INBOX');
    const st = await inbox.sync();
    const uids = st.messages.map((m) => m.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids.sort((a, b) => a - b)).toEqual([...delivered].filter((u) => !expunged.has(u)).sort((a, b) => a - b));
    const byUid = new Map(st.messages.map((m) => [m.uid, m]));
    for (const [uid, flag] of flagged) {
      if (expunged.has(uid)) continue;
      expect(byUid.get(uid)?.flags, `uid ${uid} ${flag}`).toContain(flag);
    }
    // The uidlist names every file once.
    const lines = (await readFile(join(root, 'example.com', 'alice', 'dovecot-uidlist'), 'latin1')).split('\n').slice(1).filter(Boolean);
    const bases = lines.map((l) => l.slice(l.indexOf(' :') + 2));
    expect(new Set(bases).size).toBe(bases.length);
    inbox.release();
    await store.close();
  }, 120_000);
});
