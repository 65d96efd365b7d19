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

  it('a folder a delivery needs is created like IMAP CREATE (parents as real folders) and subscribed, also when deliveries race', async () => {
    const root = await tempDir('everlock-first-');
    const stores = [openMailStore({ root, watch: false }), openMailStore({ root, watch: false })];
    const mailbox = { domain: 'example.com', local: 'alice' };
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => (stores[i % 2] ?? stores[0]!).deliver([{ mailbox, folder: i % 3 === 0 ? 'Receipts' : 'Lists/Foo' }], message(`m${i}`))),
    );
    expect(results.every((r) => typeof r[0]?.uid === 'number')).toBe(true);
    const folders = await (await stores[0]!.mailbox(mailbox)).listFolders();
    const byName = new Map(folders.map((f) => [f.name, f]));
    expect(byName.get('Receipts')?.subscribed).toBe(true);
    expect(byName.get('Lists/Foo')?.subscribed).toBe(true);
    // The parent is a folder of its own (cur/ new/ tmp/), not a \Noselect placeholder.
    expect(await readdir(join(root, 'example.com', 'alice', '.Lists'))).toEqual(expect.arrayContaining(['cur', 'new', 'tmp', 'maildirfolder']));
    expect((await readdir(join(root, 'example.com', 'alice', '.Receipts', 'new'))).length).toBe(40);
    expect((await readdir(join(root, 'example.com', 'alice', '.Lists.Foo', 'new'))).length).toBe(80);
    await Promise.all(stores.map((s) => s.close()));
  });
});
