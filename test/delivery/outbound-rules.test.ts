// rules.toml `direction = "outbound"` on submission: reject at RCPT (envelope), drop after DATA (header), and
// forward with keep_copy (the copy goes to the original recipient and the forward target).
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, type Harness } from '../smtp/harness.js';
import { startRemoteMx, type RemoteMx } from '../smtp/remote-mx.js';

const RULES = `
[[rule]]
id = "rule-no-blocked"
direction = "outbound"
receiver = "*@blocked.test"
action = { type = "reject", message = "not to them" }

[[rule]]
id = "rule-drop-drafts"
direction = "outbound"
subject_contains = "[nosend]"
action = { type = "drop" }

[[rule]]
id = "rule-archive-boss"
direction = "outbound"
receiver = "boss@remote.test"
action = { type = "forward", to = ["archive@remote.test"], keep_copy = true }
`;

describe('outbound rules on submission', () => {
  let h: Harness;
  let mx: RemoteMx;
  beforeAll(async () => {
    mx = await startRemoteMx();
    h = await startHarness({
      domains: { 'example.com': 'enabled = true\n' },
      users: { alice: { password: 'alice-pw', toml: 'addresses = ["alice@example.com"]\n' } },
      rules: RULES,
      only: ['submission', 'queue'],
      server: { routes: new Map([['remote.test', `127.0.0.1:${mx.port}`], ['blocked.test', `127.0.0.1:${mx.port}`]]) },
    });
  });
  afterAll(async () => {
    await h.stop({ closeStore: true });
    await mx.close();
  });

  const send = async (to: string, subject: string) => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.submission, requireTLS: true, auth: { user: 'alice', pass: 'alice-pw' }, tls: { rejectUnauthorized: false } });
    try {
      return await t.sendMail({ from: 'alice@example.com', to, subject, text: subject });
    } finally {
      t.close();
    }
  };

  it('refuses a recipient at RCPT', async () => {
    await expect(send('x@blocked.test', 'hello')).rejects.toMatchObject({ response: '550 5.7.1 not to them' });
  });

  it('forwards with keep_copy and drops by header', async () => {
    await send('boss@remote.test', 'quarterly numbers');
    await send('friend@remote.test', 'draft [nosend]');
    const got = await eventually(async () => {
      const hits = mx.received.filter((r) => r.data.toString().includes('Subject: quarterly numbers'));
      const to = hits.flatMap((r) => r.to).sort();
      return to.length === 2 ? to : undefined;
    });
    expect(got).toEqual(['archive@remote.test', 'boss@remote.test']);
    // The dropped message still lands in Sent, but never leaves.
    await eventually(async () => (await h.messages('alice@example.com', 'Sent')).some((m) => m.includes('draft [nosend]')));
    await new Promise((r) => setTimeout(r, 300));
    expect(mx.received.some((r) => r.data.toString().includes('draft [nosend]'))).toBe(false);
  });
});
