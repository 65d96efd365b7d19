// Queue routing and expiry: a domain's smarthost (`[outbound] relay`) takes every remote recipient without MX
// lookups, and an entry that keeps getting 4xx past its lifetime bounces with status 4.4.7.
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, type Harness } from '../smtp/harness.js';
import { startRemoteMx, type RemoteMx } from '../smtp/remote-mx.js';

const USERS = { alice: { password: 'alice-pw', toml: 'addresses = ["alice@example.com"]\n' } };

async function submit(h: Harness, to: string, subject: string): Promise<void> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.submission, requireTLS: true, auth: { user: 'alice', pass: 'alice-pw' }, tls: { rejectUnauthorized: false } });
  await t.sendMail({ from: 'alice@example.com', to, subject, text: subject });
  t.close();
}

describe('smarthost', () => {
  let h: Harness;
  let relay: RemoteMx;
  beforeAll(async () => {
    relay = await startRemoteMx();
    h = await startHarness({
      domains: { 'example.com': `enabled = true\n[outbound]\nrelay = "smtp://127.0.0.1:${relay.port}"\n` },
      users: USERS,
      only: ['submission', 'queue'],
    });
  });
  afterAll(async () => {
    await h.stop({ closeStore: true });
    await relay.close();
  });

  it('sends every remote recipient of the domain through the relay', async () => {
    await submit(h, 'someone@far-away.test', 'via relay');
    const got = await eventually(async () => relay.received.find((r) => r.data.toString().includes('Subject: via relay')));
    expect(got.to).toEqual(['someone@far-away.test']);
    expect(got.from).toBe('alice@example.com');
  });
});

describe('queue expiry', () => {
  let h: Harness;
  let mx: RemoteMx;
  beforeAll(async () => {
    mx = await startRemoteMx();
    h = await startHarness({
      domains: { 'example.com': 'enabled = true\n' },
      users: USERS,
      only: ['submission', 'queue'],
      server: { routes: new Map([['remote.test', `127.0.0.1:${mx.port}`]]) },
      modules: { retry: { baseMs: 50, maxDelayMs: 100, maxAgeMs: 400 } },
    });
  });
  afterAll(async () => {
    await h.stop({ closeStore: true });
    await mx.close();
  });

  it('bounces with 4.4.7 when 4xx replies outlast the queue lifetime', async () => {
    mx.script = Array.from({ length: 100 }, () => 451);
    await submit(h, 'slow@remote.test', 'never in time');
    const dsn = await eventually(async () => (await h.messages('alice@example.com')).find((m) => m.includes('multipart/report')), 15_000);
    expect(dsn).toContain('Final-Recipient: rfc822; slow@remote.test');
    expect(dsn).toContain('Status: 4.4.7');
    expect(dsn).toContain('Subject: never in time');
    expect(mx.dataAttempts).toBeGreaterThanOrEqual(2);
  });
});
