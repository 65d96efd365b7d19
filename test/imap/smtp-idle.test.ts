// IDLE push latency from SMTP delivery: a message accepted by the inbound SMTP listener reaches an imapflow
// client idling on INBOX as `* n EXISTS` in under a second. The IMAP side has its own watching store over the
// same Maildir (as `everlock serve` watches it), so the push crosses store instances as a delivery by
// another process would.
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/server/imap/auth.js';
import { openMailStore } from '../../src/maildir/index.js';
import type { MailStore } from '../../src/maildir/types.js';
import { dataFiles } from '../../src/config/paths.js';
import { startImapServer, type ImapServer } from '../../src/server/imap/listener.js';
import { startHarness, type Harness } from '../smtp/harness.js';

const authenticate: Authenticator = async (login, password) =>
  login === 'alice@example.com' && password === 'secret'
    ? { login, personal: { domain: 'example.com', local: 'alice' }, quotaBytes: 0, shared: [] }
    : null;

describe('IDLE push from SMTP delivery', () => {
  let h: Harness;
  let imap: ImapServer;
  let imapStore: MailStore;
  beforeAll(async () => {
    h = await startHarness({
      domains: { 'example.com': 'enabled = true\n' },
      users: { alice: { password: 'secret', toml: 'addresses = ["alice@example.com"]\n' } },
      only: ['smtp'],
    });
    imapStore = openMailStore({ root: dataFiles.mailRoot(h.paths), watch: true });
    imap = await startImapServer({ store: imapStore, authenticate, implicitTls: false, allowInsecureAuth: true, host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await imap?.stop(Date.now() + 1000);
    await imapStore?.close();
    await h?.stop({ closeStore: true });
  });

  it('sends * n EXISTS to an idling client within a second of the SMTP transaction', async () => {
    const c = new ImapFlow({ host: '127.0.0.1', port: imap.port, secure: false, auth: { user: 'alice@example.com', pass: 'secret' }, logger: false });
    await c.connect();
    try {
      await c.mailboxOpen('INBOX');
      const exists = new Promise<{ count: number; at: number }>((resolve) => c.on('exists', (d: { count: number }) => resolve({ count: d.count, at: Date.now() })));
      void c.idle();
      await new Promise((r) => setTimeout(r, 100));
      const t = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.smtp, secure: false, ignoreTLS: true });
      // Measured from before the SMTP transaction: an upper bound on delivery-to-push.
      const t0 = Date.now();
      const info = await t.sendMail({ from: 'bob@sender.test', to: 'alice@example.com', subject: 'push me', text: 'hello' });
      t.close();
      expect(info.accepted).toEqual(['alice@example.com']);
      const e = await exists;
      expect(e.count).toBe(1);
      const latency = e.at - t0;
      console.log(`IDLE push latency (SMTP MAIL FROM .. 250 -> * 1 EXISTS): ${latency} ms`);
      expect(latency).toBeLessThan(1000);
    } finally {
      await c.logout().catch(() => c.close());
    }
  });
});
