// limits.submission_recipients_per_user_per_hour: a login that has submitted to that many recipients in the
// hour gets 450 4.7.1 for further recipients (a stolen password cannot turn the server into a spam cannon),
// and other logins are not affected.
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

describe('submission: recipients per user per hour', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      domains: { 'example.com': 'enabled = true\n' },
      users: {
        alice: { password: 'alice-pw', toml: 'addresses = ["alice@example.com"]\n' },
        bob: { password: 'bob-pw', toml: 'addresses = ["bob@example.com"]\n' },
      },
      only: ['submission'],
      server: { limits: { submissionRecipientsPerUserPerHour: 3 } },
    });
  });
  afterAll(() => h.stop({ closeStore: true }));

  const send = async (user: string, to: string[]) => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.submission, requireTLS: true, auth: { user, pass: `${user}-pw` }, tls: { rejectUnauthorized: false } });
    try {
      return await t.sendMail({ from: `${user}@example.com`, to, subject: 'limit', text: 'x' });
    } finally {
      t.close();
    }
  };

  it('refuses recipients past the hourly budget with 450 4.7.1, for that login only', async () => {
    const first = await send('alice', ['bob@example.com', 'alice@example.com']);
    expect(first.accepted).toHaveLength(2);
    const second = await send('alice', ['bob@example.com', 'alice@example.com']);
    expect(second.accepted).toEqual(['bob@example.com']);
    expect(second.rejected).toEqual(['alice@example.com']);
    expect(String(second.rejectedErrors?.[0]?.response)).toMatch(/^450 4\.7\.1 This account may send to 3 recipients an hour/);
    await expect(send('alice', ['bob@example.com'])).rejects.toThrow(/450 4\.7\.1/);
    // Bob has his own budget.
    expect((await send('bob', ['alice@example.com'])).accepted).toEqual(['alice@example.com']);
    expect(await h.messages('bob@example.com')).toHaveLength(2);
  });
});
