// The README's first steps, exactly: `npm start` (= `everlock serve --dev` on ./everlock-mail) in a fresh
// directory starts every listener on the dev ports with the self-signed certificate and prints the first
// user's address and password once; with those, imapflow logs in over 1993 and nodemailer submits over 2587.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { once } from 'node:events';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { startServer } from '../support/server.js';
import { tempDir } from '../support/tmp.js';

const DEV_PORTS = [2525, 2587, 2465, 1993, 1143, 8080];

async function portFree(port: number): Promise<boolean> {
  const srv = createServer();
  return new Promise((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
  });
}

describe('README: npm install && npm start', () => {
  it('a fresh directory gets every listener, a first user, and working IMAP and submission', async () => {
    const busy = [];
    for (const p of DEV_PORTS) if (!(await portFree(p))) busy.push(p);
    expect(busy, `the dev ports must be free for this test (something else listens on ${busy.join(', ')})`).toEqual([]);

    const dir = await tempDir('everlock-readme-');
    const server = await startServer({ npmStartIn: dir });
    try {
      const listeners = server.lines.map((l) => l.msg).filter((m) => / listener on /.test(m));
      for (const port of DEV_PORTS) expect(listeners.some((m) => m.endsWith(`:${port}`)), `a listener on ${port} in ${JSON.stringify(listeners)}`).toBe(true);
      expect(listeners).toContain('SMTP submission listener on 0.0.0.0:2587');
      expect(server.user?.login).toBe('postmaster@localhost');
      expect(server.user?.password).toMatch(/^\S{16,}$/);
      const { login, password } = server.user ?? { login: '', password: '' };

      // The password is stored only as a scrypt hash in the config repo.
      const userFile = await readFile(join(dir, 'everlock-mail', 'users', 'postmaster@localhost.toml'), 'utf8');
      expect(userFile).toContain('$scrypt$');
      expect(userFile).not.toContain(password);

      // IMAPS on 1993 presents the self-signed certificate kept in the data dir.
      const kept = new X509Certificate(await readFile(join(dir, 'everlock-mail', 'config', 'self-signed', 'fullchain.pem'), 'utf8'));
      const tls = connect({ host: '127.0.0.1', port: 1993, servername: 'localhost', rejectUnauthorized: false });
      await once(tls, 'secureConnect');
      expect(tls.getPeerX509Certificate()?.fingerprint256).toBe(kept.fingerprint256);
      tls.destroy();

      const transport = nodemailer.createTransport({
        host: 'localhost',
        port: 2587,
        secure: false,
        requireTLS: true,
        tls: { rejectUnauthorized: false },
        auth: { user: login, pass: password },
      });
      const info = await transport.sendMail({ from: login, to: login, subject: 'hello from the README', text: 'It works.\r\n' });
      transport.close();
      expect(info.accepted).toEqual([login]);

      const imap = new ImapFlow({ host: 'localhost', port: 1993, secure: true, tls: { rejectUnauthorized: false }, auth: { user: login, pass: password }, logger: false });
      await imap.connect();
      try {
        const end = Date.now() + 10_000;
        let subjects: string[] = [];
        while (!subjects.includes('hello from the README')) {
          if (Date.now() > end) throw new Error(`not in INBOX: ${JSON.stringify(subjects)}`);
          const box = await imap.mailboxOpen('INBOX');
          subjects = [];
          if (box.exists > 0) for await (const m of imap.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '');
          if (!subjects.includes('hello from the README')) await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        await imap.logout();
      }
    } finally {
      expect((await server.stop()).exitCode).toBe(0);
    }

    // Second start: nothing created, no password printed again, the same certificate.
    const again = await startServer({ npmStartIn: dir });
    try {
      expect(again.user).toBeUndefined();
      expect(again.lines.some((l) => /password/i.test(l.msg))).toBe(false);
    } finally {
      expect((await again.stop()).exitCode).toBe(0);
    }
  });
});
