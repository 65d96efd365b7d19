// Many deliveries creating the same new mailbox at once, from two store instances in one process (as the
// SMTP and IMAP modules of one server can): every delivery succeeds, every message is there once.
import { describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openMailStore } from '../../src/maildir/index.js';
import { message } from '../support/store-contract.js';
import { tempDir } from '../support/tmp.js';

describe('first use of a mailbox', () => {
  it('concurrent deliveries that all create it succeed, with distinct UIDs', async () => {
    const root = await tempDir('everlock-first-');
    const stores = [openMailStore({ root, watch: false }), openMailStore({ root, watch: false })];
    const target = { mailbox: { domain: 'example.com', local: 'new' }, folder: 'INBOX' };
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => (stores[i % 2] ?? stores[0]!).deliver([target], message(`m${i}`))),
    );
    const uids = results.map((r) => r[0]?.uid);
    expect(uids.every((u) => typeof u === 'number')).toBe(true);
    expect(new Set(uids).size).toBe(24);
    const dir = join(root, 'example.com', 'new');
    expect((await readdir(join(dir, 'new'))).length).toBe(24);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const mb = await stores[0]!.mailbox(target.mailbox);
    const names = (await mb.listFolders()).map((f) => f.name).sort();
    expect(names).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    // Subscribed from the start, so clients that list only subscribed folders show them.
    expect((await mb.listFolders()).filter((f) => !f.subscribed).map((f) => f.name)).toEqual([]);
    await Promise.all(stores.map((s) => s.close()));
  });
});
