// IDLE push latency end to end, as a user sees it: the real SMTP inbound and IMAP modules in one server (as
// `everlock serve` runs them, durable store with the change feed on), a session in IDLE on INBOX, and mail
// sent to the SMTP port. The time from the start of each SMTP transaction until `* n EXISTS` reaches the
// session must stay under a second; the figures are printed for the record.
import net from 'node:net';
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

/** A bare IMAP connection: everything received is kept, so a wait can look for any text after a mark. */
class Wire {
  private text = '';
  private waiters: Array<() => void> = [];
  constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.text += d;
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static open(port: number): Promise<Wire> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Wire(s)));
      s.once('error', reject);
    });
  }
  get length(): number {
    return this.text.length;
  }
  /** Resolves with the time (performance.now()) at which `pattern` first matched the text after `from`. */
  until(pattern: RegExp, from = 0, timeoutMs = 5000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; got: ${this.text.slice(from)}`)), timeoutMs);
      const check = (): void => {
        if (pattern.test(this.text.slice(from))) {
          clearTimeout(timer);
          resolve(performance.now());
        } else this.waiters.push(check);
      };
      check();
    });
  }
  async command(line: string): Promise<void> {
    const tag = line.slice(0, line.indexOf(' '));
    const from = this.length;
    this.socket.write(line + '\r\n');
    await this.until(new RegExp(`(^|\\r\\n)${tag} OK`), from);
  }
}

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
    const wire = await Wire.open(ports.IMAP!);
    try {
      await wire.until(/^\* OK/);
      await wire.command('a1 LOGIN alice right-pass');
      await wire.command('a2 SELECT INBOX');
      const figures: Array<{ toExists: number; after250: number }> = [];
      for (let n = 1; n <= 3; n++) {
        const mark = wire.length;
        wire.socket.write(`i${n} IDLE\r\n`);
        await wire.until(/^\+ /m, mark);
        const exists = wire.until(new RegExp(`\\* ${n} EXISTS\\r\\n`), mark);
        const start = performance.now();
        await mx.sendMail({ from: 'bob@remote.test', to: 'alice@example.com', subject: `ping ${n}`, text: 'hello' });
        const accepted = performance.now();
        const seen = await exists;
        figures.push({ toExists: seen - start, after250: seen - accepted });
        const done = wire.length;
        wire.socket.write('DONE\r\n');
        await wire.until(new RegExp(`i${n} OK`), done);
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
