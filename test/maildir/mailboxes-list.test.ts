// `everlock mail mailboxes list` through the built CLI.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openMailStore } from '../../src/maildir/index.js';
import { everlock } from '../support/cli.js';
import { message } from '../support/store-contract.js';
import { tempDir } from '../support/tmp.js';

describe('everlock mail mailboxes list', () => {
  it('shows folders with message counts and sizes, as text and JSON', async () => {
    const home = await tempDir('everlock-mblist-');
    const store = openMailStore({ root: join(home, 'mail'), watch: false });
    const mb = await store.mailbox({ domain: 'example.com', local: 'alice' });
    await mb.append('INBOX', message('one'));
    await mb.append('INBOX', message('two'), { flags: ['\\Seen'] });
    await mb.append('Sent', message('three'), { flags: ['\\Seen'] });
    await store.mailbox({ domain: 'example.com', local: 'bob' });
    await store.close();

    const json = await everlock(['mail', 'mailboxes', 'list', 'example.com', '--json', '--home', home]);
    expect(json.exitCode, String(json.stderr)).toBe(0);
    const parsed = JSON.parse(String(json.stdout)) as Array<{ address: string; folders: Array<{ folder: string; messages: number; unseen: number; bytes: number; specialUse: string | null }> }>;
    expect(parsed.map((m) => m.address)).toEqual(['alice@example.com', 'bob@example.com']);
    const inbox = parsed[0]?.folders.find((f) => f.folder === 'INBOX');
    expect(inbox).toMatchObject({ messages: 2, unseen: 1 });
    expect(inbox?.bytes).toBeGreaterThan(100);
    expect(parsed[0]?.folders.find((f) => f.folder === 'Sent')).toMatchObject({ messages: 1, unseen: 0, specialUse: '\\Sent' });

    const text = await everlock(['mail', 'mailboxes', 'list', 'example.com', 'alice', '--home', home]);
    expect(text.exitCode).toBe(0);
    expect(String(text.stdout)).toMatch(/^alice@example\.com\t3 messages/);
    expect(String(text.stdout)).toMatch(/INBOX\s+2 msgs\s+1 unseen/);

    const missing = await everlock(['mail', 'mailboxes', 'list', 'example.com', 'carol', '--home', home]);
    expect(missing.exitCode).toBe(1);
    expect(String(missing.stderr)).toContain('no mailbox carol@example.com');
    const bad = await everlock(['mail', 'mailboxes', 'list', '../etc', '--home', home]);
    expect(bad.exitCode).toBe(1);
  });
});
