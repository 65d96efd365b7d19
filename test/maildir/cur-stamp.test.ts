// The cur/ stamp (dir-stamp.ts): a new process may rebuild cur/'s listing from the logs only while cur/ is
// unchanged, and never records anything on the strength of a rebuilt listing.
import { describe, expect, it } from 'vitest';
import { readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { openMailStore } from '../../src/maildir/index.js';
import { message } from '../support/store-contract.js';
import { tempDir } from '../support/tmp.js';

const alice = { domain: 'example.com', local: 'alice' };

async function snapshot(root: string) {
  const store = openMailStore({ root, watch: false });
  const f = await (await store.mailbox(alice)).openFolder('INBOX');
  const st = await f.sync();
  const out = st.messages.map((m) => [m.uid, [...m.flags].sort().join(' ')]);
  f.release();
  await store.close();
  return out;
}

describe('cur/ stamp', () => {
  it('reopens from the logs, and re-reads cur/ once anything there changed', async () => {
    const root = await tempDir('everlock-stamp-');
    const store = openMailStore({ root, watch: false });
    const mb = await store.mailbox(alice);
    const uids = [];
    for (const s of ['a', 'b', 'c']) uids.push((await mb.append('INBOX', message(s), { flags: ['\\Seen'] })).uid);
    const f = await mb.openFolder('INBOX');
    await new Promise((r) => setTimeout(r, 120)); // older than the mtime granularity guard
    await f.sync();
    f.release();
    await store.close();
    const dir = join(root, alice.domain, alice.local);
    expect(await readFile(join(dir, 'everlock-curstamp'), 'latin1')).toMatch(/^\d+:\d+:[\d.]+\n$/);
    const first = await snapshot(root);
    expect(first).toEqual(uids.map((u) => [u, '\\Seen']));

    // Another tool renames a file in cur/: the stamp no longer matches and the change is seen.
    const cur = await readdir(join(dir, 'cur'));
    const victim = cur.find((n) => n.includes(':2,S')) as string;
    await rename(join(dir, 'cur', victim), join(dir, 'cur', victim.replace(':2,S', ':2,FS')));
    const second = await snapshot(root);
    expect(second.filter(([, fl]) => fl === '\\Flagged \\Seen')).toHaveLength(1);

    // With the modseq log gone, the stale stamp cannot make messages vanish.
    await new Promise((r) => setTimeout(r, 120));
    await snapshot(root);
    await unlink(join(dir, 'everlock-modseq'));
    const third = await snapshot(root);
    expect(third.map(([u]) => u)).toEqual(uids);
  });
});
