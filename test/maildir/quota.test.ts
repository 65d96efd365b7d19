// Maildir++ quota: maildirsize stays exact through concurrent deliveries (whose deltas are summed into
// shared lines), multi-target deliveries, appends and expunges: what it adds up to equals a recalculation.
import { describe, expect, it } from 'vitest';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { openMailStore } from '../../src/maildir/index.js';
import { MAILDIRSIZE, readQuota } from '../../src/maildir/quota.js';
import { message } from '../support/store-contract.js';
import { tempDir } from '../support/tmp.js';

const alice = { domain: 'example.com', local: 'alice' };
const bob = { domain: 'example.com', local: 'bob' };

describe('maildirsize', () => {
  it('adds up to a recalculation after concurrent deliveries, appends and expunges', async () => {
    const root = await tempDir('everlock-quota-');
    const store = openMailStore({ root, watch: false, fsync: false });
    const mbA = await store.mailbox(alice, { quotaBytes: 50_000_000 });
    await store.mailbox(bob, { quotaBytes: 50_000_000 });
    await mbA.quota(); // writes the limits line, as the server does on first use
    await (await store.mailbox(bob)).quota();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        store.deliver(
          i % 4 === 0 ? [{ mailbox: alice, folder: 'INBOX' }, { mailbox: bob, folder: 'Lists' }] : [{ mailbox: alice, folder: i % 3 === 0 ? 'Archive' : 'INBOX' }],
          message(`m${i}`, 'x'.repeat(i * 37)),
        ),
      ),
    );
    // Deliveries that finish in the same turn of the event loop share one line.
    const deltaLines = (await readFile(join(root, 'example.com', 'alice', MAILDIRSIZE), 'latin1')).split('\n').filter(Boolean).length - 1;
    expect(deltaLines).toBeGreaterThan(0);
    expect(deltaLines).toBeLessThan(20);
    await mbA.append('Sent', message('sent'), { flags: ['\\Seen'] });
    const inbox = await mbA.openFolder('INBOX');
    const uids = (await inbox.sync()).messages.map((m) => m.uid);
    await Promise.all([inbox.expunge(uids.slice(0, 5)), store.deliver([{ mailbox: alice, folder: 'INBOX' }], message('late'))]);
    inbox.release();

    for (const who of [alice, bob]) {
      const dir = join(root, who.domain, who.local);
      const kept = await readQuota(dir, 50_000_000);
      const lines = (await readFile(join(dir, MAILDIRSIZE), 'latin1')).split('\n').filter(Boolean);
      expect(lines[0]).toBe('50000000S');
      await unlink(join(dir, MAILDIRSIZE));
      const recalculated = await readQuota(dir, 50_000_000);
      expect(kept, who.local).toEqual(recalculated);
    }
    const a = await readQuota(join(root, 'example.com', 'alice'), 50_000_000);
    expect(a.usedMessages).toBe(40 + 1 + 1 - 5);
    await store.close();
  });
});
