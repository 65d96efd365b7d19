// IDLE push latency end to end, as a user sees it: the real SMTP inbound and IMAP modules in one server (as
// `everlock serve` runs them, durable store with the change feed on), a session in IDLE on INBOX, and mail
// sent to the SMTP port. The time from the start of each SMTP transaction until `* n EXISTS` reaches the
// session must stay under a second; the figures are printed for the record.
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { dataFiles } from '../../src/config/paths.js';
import { openMailStore } from '../../src/maildir/index.js';
import { createImapModule } from '../../src/server/imap/module.js';
import { runServer } from '../../src/server/serve.js';
import { createSmtpModules } from '../../src/server/smtp/module.js';
import { tableResolver, writeHome } from '../smtp/harness.js';
import { memoryLogger } from '../serve/fixtures.js';
import { tempDir } from '../support/tmp.js';
import { TextWire } from './text-wire.js';

describe('IDLE push latency', () => {
  it('an SMTP delivery reaches a session in IDLE as * n EXISTS in under a second', async () => {
    const home = await tempDir('everlock-idle-latency-');
    const paths = await writeHome(home, {
      domains: { 'example.com': 'enabled = true\n' },
      users: { alice: { password: 'right-pass', toml: 'addresses = ["alice@example.com"]\n' } },
    });
    const ports: Record<string, number> = {};
    const server = await runServer({
      paths,
      log: memoryLogger().log,
      modules: [...createSmtpModules({ resolver: tableResolver(), queuePollMs: 50 }), createImapModule()],
      overrides: {
        hostname: 'localhost',
        listen: { smtp: '127.0.0.1:0', submission: '127.0.0.1:0', submissions: '127.0.0.1:0', imapTls: '127.0.0.1:0', imapStarttls: '127.0.0.1:0', http: '127.0.0.1:0' },
      },
      loadConfig,
      // As serve opens it: fsync on, change feed (watcher) on.
      openStore: (snap, l) => openMailStore({ root: dataFiles.mailRoot(snap.paths), log: l }),
      dev: true,
      watchConfig: false,
      announce: (_line, l) => (ports[l.label] = l.port),
    });
    const mx = nodemailer.createTransport({ host: '127.0.0.1', port: ports.SMTP, secure: false, ignoreTLS: true, name: 'client.test' });
    const wire = await (await TextWire.open(ports.IMAP!)).login('alice', 'right-pass');
    try {
      await wire.command('SELECT INBOX', { ok: true });
      const figures: Array<{ toExists: number; after250: number }> = [];
      for (let n = 1; n <= 3; n++) {
        const mark = await wire.idle();
        const exists = wire.untilAt(new RegExp(`\\* ${n} EXISTS\\r\\n`), mark);
        const start = performance.now();
        await mx.sendMail({ from: 'bob@remote.test', to: 'alice@example.com', subject: `ping ${n}`, text: 'hello' });
        const accepted = performance.now();
        const seen = (await exists).at;
        figures.push({ toExists: seen - start, after250: seen - accepted });
        await wire.done();
      }
      const worst = Math.max(...figures.map((f) => f.toExists));
      console.log(
        `IDLE push latency (SMTP transaction start -> * n EXISTS), 3 deliveries: ${figures.map((f) => f.toExists.toFixed(0)).join(', ')} ms ` +
          `(relative to the 250 reply: ${figures.map((f) => f.after250.toFixed(0)).join(', ')} ms; negative = pushed before the client read the 250)`,
      );
      expect(worst).toBeLessThan(1000);
    } finally {
      wire.socket.destroy();
      mx.close();
      await server.stop(Date.now() + 2000);
    }
  });
});
