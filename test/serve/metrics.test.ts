// /metrics over HTTP with the real SMTP and IMAP modules: connections per protocol (total and open), SMTP and
// IMAP commands, local deliveries, queue size, login failures on both protocols, and the config generation,
// each read back from the Prometheus text after real clients did the matching thing.
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { dataFiles } from '../../src/config/paths.js';
import { openMailStore } from '../../src/maildir/index.js';
import { createImapModule } from '../../src/server/imap/module.js';
import { runServer } from '../../src/server/serve.js';
import { createSmtpModules } from '../../src/server/smtp/module.js';
import { tableResolver, writeHome } from '../smtp/harness.js';
import { tempDir } from '../support/tmp.js';
import { memoryLogger, waitFor } from './fixtures.js';

/** One sample of the Prometheus text: `name{labels} value`; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`)
    .join(',');
  const line = text.split('\n').find((l) => l.startsWith(want ? `${name}{${want}} ` : `${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('/metrics', () => {
  it('counts connections, commands, deliveries, queue, login failures and the config generation', async () => {
    const home = await tempDir('everlock-metrics-');
    const paths = await writeHome(home, {
      domains: { 'example.com': 'enabled = true\n' },
      users: { alice: { password: 'right-pass', toml: 'addresses = ["alice@example.com"]\n' } },
    });
    const { log } = memoryLogger();
    const ports: Record<string, number> = {};
    const server = await runServer({
      paths,
      log,
      modules: [...createSmtpModules({ resolver: tableResolver(), queuePollMs: 50 }), createImapModule()],
      overrides: {
        hostname: 'localhost',
        listen: { smtp: '127.0.0.1:0', submission: '127.0.0.1:0', submissions: '127.0.0.1:0', imapTls: '127.0.0.1:0', imapStarttls: '127.0.0.1:0', http: '127.0.0.1:0' },
      },
      loadConfig,
      openStore: (snap, l) => openMailStore({ root: dataFiles.mailRoot(snap.paths), log: l, watch: false }),
      dev: true,
      watchConfig: false,
      announce: (_line, l) => (ports[l.label] = l.port),
    });
    const metrics = async (): Promise<string> => {
      const res = await fetch(`http://127.0.0.1:${ports.HTTP}/metrics`);
      expect(res.status).toBe(200);
      return res.text();
    };
    try {
      expect(Object.keys(ports).sort()).toEqual(['HTTP', 'IMAP', 'IMAP (TLS)', 'SMTP', 'SMTP submission', 'SMTP submissions']);
      const before = await metrics();
      expect(sample(before, 'everlock_config_generation')).toBe(1);
      for (const protocol of ['smtp', 'submission', 'imap']) {
        expect(sample(before, 'everlock_connections_total', { protocol })).toBe(0);
        expect(sample(before, 'everlock_connections_open', { protocol })).toBe(0);
      }
      for (const name of ['everlock_connections_total', 'everlock_smtp_commands_total', 'everlock_imap_commands_total', 'everlock_imap_auth_total', 'everlock_queue_entries']) {
        expect(before).toContain(`# HELP ${name} `);
      }

      // Inbound SMTP: one message to a local user.
      const mx = nodemailer.createTransport({ host: '127.0.0.1', port: ports.SMTP, secure: false, ignoreTLS: true, name: 'client.test' });
      await mx.sendMail({ from: 'bob@remote.test', to: 'alice@example.com', subject: 'hi', text: 'hello' });
      mx.close();

      // Submission: one wrong password.
      const sub = nodemailer.createTransport({ host: '127.0.0.1', port: ports['SMTP submission'], secure: false, ignoreTLS: true, auth: { user: 'alice', pass: 'wrong' } });
      await expect(sub.sendMail({ from: 'alice@example.com', to: 'alice@example.com', text: 'x' })).rejects.toThrow();
      sub.close();

      // IMAP: one wrong password, then a session that logs in, selects and stays open.
      const bad = new ImapFlow({ host: '127.0.0.1', port: ports.IMAP, secure: false, doSTARTTLS: false, auth: { user: 'alice', pass: 'wrong' }, logger: false });
      bad.on('error', () => undefined);
      await expect(bad.connect()).rejects.toThrow();
      bad.close();
      const imap = new ImapFlow({ host: '127.0.0.1', port: ports.IMAP, secure: false, doSTARTTLS: false, auth: { user: 'alice', pass: 'right-pass' }, logger: false });
      await imap.connect();
      await imap.mailboxOpen('INBOX');
      expect(imap.mailbox && imap.mailbox.exists).toBe(1);
      await imap.noop();

      const during = await waitFor(async () => {
        const t = await metrics();
        return sample(t, 'everlock_connections_total', { protocol: 'imap' }) === 2 && sample(t, 'everlock_connections_open', { protocol: 'smtp' }) === 0 ? t : undefined;
      }, 5000, 'IMAP connections counted and SMTP ones closed');
      expect(sample(during, 'everlock_connections_open', { protocol: 'imap' })).toBe(1);
      expect(sample(during, 'everlock_connections_total', { protocol: 'smtp' })).toBe(1);
      expect(sample(during, 'everlock_connections_total', { protocol: 'submission' })).toBe(1);
      expect(sample(during, 'everlock_smtp_commands_total', { protocol: 'smtp', command: 'EHLO' })).toBe(1);
      expect(sample(during, 'everlock_smtp_commands_total', { protocol: 'smtp', command: 'RCPT' })).toBe(1);
      expect(sample(during, 'everlock_smtp_commands_total', { protocol: 'smtp', command: 'DATA' })).toBe(1);
      expect(sample(during, 'everlock_smtp_commands_total', { protocol: 'submission', command: 'AUTH' })).toBe(1);
      expect(sample(during, 'everlock_smtp_local_deliveries_total', { result: 'stored' })).toBe(1);
      expect(sample(during, 'everlock_smtp_inbound_messages_total', { result: 'accepted' })).toBe(1);
      expect(sample(during, 'everlock_smtp_auth_total', { result: 'failure' })).toBe(1);
      expect(sample(during, 'everlock_imap_auth_total', { result: 'failure' })).toBe(1);
      expect(sample(during, 'everlock_imap_auth_total', { result: 'success' })).toBe(1);
      expect(sample(during, 'everlock_imap_commands_total', { command: 'LOGIN', status: 'NO' }) ?? sample(during, 'everlock_imap_commands_total', { command: 'AUTHENTICATE', status: 'NO' })).toBe(1);
      expect(sample(during, 'everlock_imap_commands_total', { command: 'SELECT', status: 'OK' })).toBe(1);
      expect(sample(during, 'everlock_imap_commands_total', { command: 'NOOP', status: 'OK' })).toBe(1);
      expect(sample(during, 'everlock_queue_entries')).toBe(0);

      await imap.logout();
      const after = await waitFor(async () => {
        const t = await metrics();
        return sample(t, 'everlock_connections_open', { protocol: 'imap' }) === 0 ? t : undefined;
      }, 5000, 'IMAP connection closed');
      expect(sample(after, 'everlock_imap_commands_total', { command: 'LOGOUT', status: 'OK' })).toBe(1);

      // The generation follows a reload.
      await server.reload('test');
      expect(sample(await metrics(), 'everlock_config_generation')).toBe(2);
    } finally {
      await server.stop(Date.now() + 2000);
    }
  });
});
