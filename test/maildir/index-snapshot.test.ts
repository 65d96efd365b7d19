// The index snapshot (index-snapshot.ts): a fresh process starts from the binary image of the uidlist and
// the modseq log while those files still match it, parses only what was appended since, and ignores an
// image that is corrupt or belongs to a file that was replaced or rewritten.
import { describe, expect, it } from 'vitest';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openMailStore } from '../../src/maildir/index.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { Uidlist } from '../../src/maildir/uidlist.js';
import { ModseqLog } from '../../src/maildir/modseq.js';
import { INDEX_SNAPSHOT, writeIndexSnapshot } from '../../src/maildir/index-snapshot.js';
import { message } from '../support/store-contract.js';
import { tempDir } from '../support/tmp.js';

const alice = { domain: 'example.com', local: 'alice' };

async function listing(root: string, log = silentLogger) {
  const store = openMailStore({ root, watch: false, fsync: false, log });
  const f = await (await store.mailbox(alice)).openFolder('INBOX');
  const st = await f.sync();
  const out = {
    uidValidity: st.uidValidity,
    uidNext: st.uidNext,
    highestModSeq: st.highestModSeq,
    messages: st.messages.map((m) => ({ uid: m.uid, flags: [...m.flags].sort(), modseq: m.modseq, size: m.size, internalDate: m.internalDate })),
  };
  // Reading a message proves the base kept in the packed table names the right file.
  const first = st.messages[0];
  const firstBody = first ? Buffer.concat(await (await f.read(first.uid)).toArray()).toString() : '';
  f.release();
  await store.close();
  return { ...out, firstBody };
}

/** Writes the snapshot for the folder as it is now, the way the folder does after a large parse. */
async function snapshotNow(dir: string): Promise<void> {
  const ul = new Uidlist(dir, silentLogger);
  await ul.refresh();
  const ms = new ModseqLog(dir, silentLogger);
  await ms.refresh(ul.uidValidity);
  const image = await ul.image();
  if (!image) throw new Error('no uidlist image');
  await writeIndexSnapshot(dir, { ul: image, ms: await ms.image() });
}

async function setup(): Promise<{ root: string; dir: string }> {
  const root = await tempDir('everlock-snap-');
  const store = openMailStore({ root, watch: false, fsync: false });
  const mb = await store.mailbox(alice);
  await mb.append('INBOX', message('one'), { flags: ['\\Seen', '$Label1'] });
  await mb.append('INBOX', message('two'));
  await mb.append('INBOX', message('three'), { flags: ['\\Flagged'] });
  for (let i = 4; i <= 12; i++) await mb.append('INBOX', message(`m${i}`));
  const f = await mb.openFolder('INBOX');
  await f.setFlags([2], 'add', ['\\Answered']);
  await f.expunge([3]);
  f.release();
  await store.close();
  return { root, dir: join(root, alice.domain, alice.local) };
}

function capture(): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ level: 'debug', json: true, write: (l) => lines.push(l) }), lines };
}

describe('index snapshot', () => {
  it('is used while the files match, and lines appended after it are read as text', async () => {
    const { root, dir } = await setup();
    const before = await listing(root);
    await snapshotNow(dir);
    // A line in the middle of the uidlist, damaged in place: only a reader that parses it would notice. It
    // lies outside the bytes the snapshot compares (the first and the last 96).
    const path = join(dir, 'dovecot-uidlist');
    const text = await readFile(path, 'latin1');
    const lines = text.split('\n');
    const at = lines.slice(0, 6).join('\n').length + 1;
    expect(at).toBeGreaterThan(96);
    expect(at + (lines[6] as string).length).toBeLessThan(text.length - 96);
    lines[6] = (lines[6] as string).replace(/^6 /, 'x ');
    expect(lines[6]).toMatch(/^x :/);
    // Same inode: rewrite in place rather than rename.
    await writeFile(path, lines.join('\n'), { encoding: 'latin1', flag: 'r+' });
    const seen = capture();
    expect(await listing(root, seen.log)).toEqual(before);
    expect(seen.lines.filter((l) => l.includes('corrupt uidlist line'))).toEqual([]);

    // New mail after the snapshot is parsed from the text tail.
    const store = openMailStore({ root, watch: false, fsync: false });
    await store.deliver([{ mailbox: alice, folder: 'INBOX' }], message('four'));
    await store.close();
    const after = await listing(root);
    expect(after.messages.map((m) => m.uid)).toEqual([...before.messages.map((m) => m.uid), before.uidNext]);
  });

  it('is ignored when the uidlist was replaced, rewritten, or the snapshot is damaged', async () => {
    const { root, dir } = await setup();
    const before = await listing(root);
    await snapshotNow(dir);
    const snap = join(dir, INDEX_SNAPSHOT);
    const good = await readFile(snap);

    // Damaged snapshot: checksum mismatch, logged and ignored.
    const bad = Buffer.from(good);
    bad[bad.length - 40] = (bad[bad.length - 40] as number) ^ 0xff;
    await writeFile(snap, bad);
    const seen = capture();
    expect(await listing(root, seen.log)).toEqual(before);
    expect(seen.lines.some((l) => l.includes('unreadable index snapshot'))).toBe(true);

    // The uidlist replaced by another file (a compaction by Dovecot, say) with a corrupt line: the text wins.
    await writeFile(snap, good);
    const path = join(dir, 'dovecot-uidlist');
    const text = await readFile(path, 'latin1');
    const [header, ...records] = text.split('\n');
    await writeFile(path + '.tmp', [header, 'garbage line', ...records].join('\n'), 'latin1');
    const ino = (await stat(path)).ino;
    await rename(path + '.tmp', path);
    expect((await stat(path)).ino).not.toBe(ino);
    const replaced = capture();
    expect((await listing(root, replaced.log)).messages.map((m) => m.uid)).toEqual(before.messages.map((m) => m.uid));
    expect(replaced.lines.some((l) => l.includes('corrupt uidlist line'))).toBe(true);
  });

  it('is written by the folder after a large parse and gives a fresh process the same state', async () => {
    const root = await tempDir('everlock-snap-');
    const store = openMailStore({ root, watch: false, fsync: false });
    await store.mailbox(alice);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 2100) {
          const i = next++;
          await store.deliver([{ mailbox: alice, folder: 'INBOX', flags: i % 7 === 0 ? ['\\Seen'] : undefined }], message(`m${i}`));
        }
      }),
    );
    await store.close();
    const dir = join(root, alice.domain, alice.local);
    const fromText = await listing(root);
    expect(fromText.messages).toHaveLength(2100);
    expect((await stat(join(dir, INDEX_SNAPSHOT))).size).toBeGreaterThan(2100 * 8);
    expect(await listing(root)).toEqual(fromText);
  }, 60_000);
});
