// A full mailbox on inbound SMTP: refused at RCPT for that recipient only (452 4.2.2), so the message still
// reaches the other recipients; the quota comes from the user file, also when the user never logged in.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import { WireClient } from './wire.js';

describe('quota on inbound SMTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      domains: { 'example.com': 'enabled = true\n' },
      users: {
        alice: { password: 'a', toml: 'addresses = ["alice@example.com"]\nquota = 3000\n' },
        bob: { password: 'b', toml: 'addresses = ["bob@example.com"]\n' },
      },
      only: ['smtp'],
    });
  });
  afterAll(() => h.stop({ closeStore: true }));

  const send = async (subject: string, bytes: number): Promise<{ alice: number; bob: number; data: number }> => {
    const c = await WireClient.open(h.ports.smtp!);
    await c.reply();
    await c.cmd('EHLO client.test');
    await c.cmd('MAIL FROM:<sender@remote.test>');
    const alice = (await c.cmd('RCPT TO:<alice@example.com>')).code;
    const bob = (await c.cmd('RCPT TO:<bob@example.com>')).code;
    expect((await c.cmd('DATA')).code).toBe(354);
    c.write(`From: sender@remote.test\r\nSubject: ${subject}\r\n\r\n${'x'.repeat(bytes)}\r\n.\r\n`);
    const data = (await c.reply()).code;
    c.close();
    return { alice, bob, data };
  };

  it('refuses a full mailbox at RCPT, for that recipient only, so the others still get the message', async () => {
    expect(await send('first', 2000)).toEqual({ alice: 250, bob: 250, data: 250 });
    // Not full yet, but the next message does not fit: delivery is all or nothing, so DATA answers 452.
    expect(await send('second', 1000)).toEqual({ alice: 250, bob: 250, data: 452 });
    // The admin lowers alice's quota below what she holds: she is full, and RCPT says so.
    await writeFile(join(h.paths.config, 'users', 'alice.toml'), (await readFile(join(h.paths.config, 'users', 'alice.toml'), 'utf8')).replace('quota = 3000', 'quota = 1000'));
    await h.reload();
    expect(await send('third', 10)).toEqual({ alice: 452, bob: 250, data: 250 });
    const subjects = async (who: string): Promise<(string | undefined)[]> => (await h.messages(who)).map((m) => /Subject: (\w+)/.exec(m)?.[1]);
    expect(await subjects('bob@example.com')).toEqual(['first', 'third']);
    expect(await subjects('alice@example.com')).toEqual(['first']);
  });
});
