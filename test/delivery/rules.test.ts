// rules.toml end to end through inbound SMTP: store to a folder (created on demand), forward with keep_copy
// (through the queue, SRS-rewritten envelope sender), reject at RCPT (envelope rule) and after DATA (header
// rule: refused when every recipient refuses, else accepted with a DSN), and drop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, type Harness } from '../smtp/harness.js';
import { startRemoteMx, type RemoteMx } from '../smtp/remote-mx.js';
import { WireClient } from '../smtp/wire.js';

const RULES = `
[[rule]]
id = "rule-invoices"
receiver = "alice@*"
subject_contains = "Invoice"
action = { type = "store", folder = "Receipts" }

[[rule]]
id = "rule-forward-bob"
receiver = "bob@example.com"
action = { type = "forward", to = ["bob@remote.test"], keep_copy = true }

[[rule]]
id = "rule-spammer"
sender = "*@spam.test"
action = { type = "reject", message = "go away" }

[[rule]]
id = "rule-carol-no-ads"
receiver = "carol@example.com"
subject_contains = "BUY NOW"
action = { type = "reject", code = 550, enhanced = "5.7.1", message = "no ads please" }

[[rule]]
id = "rule-drop-dan"
receiver = "dan@example.com"
action = { type = "drop" }
`;

const user = (name: string) => ({ password: `${name}-pw`, toml: `addresses = ["${name}@example.com"]\n` });

describe('rules.toml end to end', () => {
  let h: Harness;
  let mx: RemoteMx;
  beforeAll(async () => {
    mx = await startRemoteMx();
    h = await startHarness({
      domains: { 'example.com': 'enabled = true\n' },
      users: { alice: user('alice'), bob: user('bob'), carol: user('carol'), dan: user('dan') },
      rules: RULES,
      only: ['smtp', 'queue'],
      server: { routes: new Map([['remote.test', `127.0.0.1:${mx.port}`]]) },
    });
  });
  afterAll(async () => {
    await h.stop({ closeStore: true });
    await mx.close();
  });

  const send = async (from: string, to: string[], subject: string): Promise<{ rcpt: string[]; data: string }> => {
    const c = await WireClient.open(h.ports.smtp!);
    await c.reply();
    await c.cmd('EHLO client.test');
    await c.cmd(`MAIL FROM:<${from}>`);
    const rcpt: string[] = [];
    for (const t of to) rcpt.push((await c.cmd(`RCPT TO:<${t}>`)).text);
    if (!rcpt.some((r) => r.startsWith('250'))) {
      c.close();
      return { rcpt, data: '' };
    }
    await c.cmd('DATA');
    c.write(`From: ${from}\r\nTo: ${to.join(', ')}\r\nSubject: ${subject}\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@client.test>\r\n\r\nbody of ${subject}\r\n.\r\n`);
    const data = (await c.reply()).text;
    c.close();
    return { rcpt, data };
  };

  it('stores into a folder that did not exist', async () => {
    const r = await send('shop@remote.test', ['alice@example.com'], 'Invoice 42');
    expect(r.data).toMatch(/^250 /);
    expect(await h.messages('alice@example.com', 'Receipts')).toHaveLength(1);
    expect(await h.messages('alice@example.com')).toHaveLength(0);
    const folders = await (await h.store.mailbox({ domain: 'example.com', local: 'alice' })).listFolders();
    expect(folders.map((f) => f.name)).toContain('Receipts');
    // Subscribed, so Thunderbird (which shows subscribed folders by default) shows the new folder.
    expect(folders.find((f) => f.name === 'Receipts')?.subscribed).toBe(true);
  });

  it('forwards through the queue with an SRS sender and keeps a copy', async () => {
    const r = await send('friend@remote.test', ['bob@example.com'], 'for bob');
    expect(r.data).toMatch(/^250 /);
    expect((await h.messages('bob@example.com')).some((m) => m.includes('Subject: for bob'))).toBe(true);
    const fwd = await eventually(async () => mx.received.find((m) => m.data.toString().includes('Subject: for bob')));
    expect(fwd.to).toEqual(['bob@remote.test']);
    expect(fwd.from).toMatch(/^SRS0=[^=]{4}=[A-Z2-7]{2}=remote\.test=friend@example\.com$/);
    expect(fwd.data.toString()).toContain('Delivered-To: bob@example.com');
  });

  it('rejects at RCPT when the envelope decides', async () => {
    const r = await send('bulk@spam.test', ['dan@example.com'], 'hello');
    expect(r.rcpt[0]).toBe('550 5.7.1 go away');
    // For alice an earlier rule needs the Subject, so the same reject can only be decided after DATA.
    const later = await send('bulk@spam.test', ['alice@example.com'], 'hello');
    expect(later.rcpt[0]).toMatch(/^250 /);
    expect(later.data).toBe('550 5.7.1 go away');
  });

  it('rejects after DATA when the headers decide and every recipient refuses', async () => {
    const r = await send('ads@remote.test', ['carol@example.com'], 'BUY NOW cheap');
    expect(r.rcpt[0]).toMatch(/^250 /);
    expect(r.data).toBe('550 5.7.1 no ads please');
    expect(await h.messages('carol@example.com')).toHaveLength(0);
  });

  it('accepts for the other recipients and sends a DSN for the refusing one', async () => {
    const r = await send('ads2@remote.test', ['carol@example.com', 'alice@example.com'], 'BUY NOW twice');
    expect(r.data).toMatch(/^250 /);
    expect((await h.messages('alice@example.com')).some((m) => m.includes('BUY NOW twice'))).toBe(true);
    expect(await h.messages('carol@example.com')).toHaveLength(0);
    const dsn = await eventually(async () => mx.received.find((m) => m.to.includes('ads2@remote.test')));
    expect(dsn.from).toBe('');
    expect(dsn.data.toString()).toContain('Final-Recipient: rfc822; carol@example.com');
    expect(dsn.data.toString()).toContain('no ads please');
  });

  it('drops silently', async () => {
    const r = await send('someone@remote.test', ['dan@example.com'], 'into the void');
    expect(r.data).toMatch(/^250 /);
    expect(await h.messages('dan@example.com')).toHaveLength(0);
  });
});
