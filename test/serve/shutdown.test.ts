// SIGTERM during a burst of SMTP deliveries: every message that got 250 is in the Maildir (no acknowledged
// message lost), the rest were refused or cut off (the client retries), and the process exits 0 within 35 s.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { startServer } from '../support/server.js';

async function deliveredIds(maildir: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const sub of ['new', 'cur']) {
    let names: string[] = [];
    try {
      names = await readdir(join(maildir, sub));
    } catch {
      continue;
    }
    for (const n of names) {
      const text = await readFile(join(maildir, sub, n), 'utf8');
      const m = /^X-Burst-Id: (\d+)\r?$/im.exec(text);
      if (m?.[1]) ids.add(m[1]);
    }
  }
  return ids;
}

describe('SIGTERM during an SMTP burst', () => {
  it('keeps every acknowledged message and exits 0 within 35 s', async () => {
    const server = await startServer({ args: ['--frontend-smtp', '--backend-mail-smtp'] });
    const transport = nodemailer.createTransport({
      pool: true,
      maxConnections: 5,
      maxMessages: Infinity,
      host: '127.0.0.1',
      port: server.ports.smtp,
      secure: false,
      tls: { rejectUnauthorized: false },
    });
    const acknowledged: string[] = [];
    const refused: string[] = [];
    let stopped: Promise<{ exitCode: number | undefined; ms: number }> | undefined;
    const sends = Array.from({ length: 100 }, (_, i) =>
      transport
        .sendMail({
          from: 'burst@example.net',
          to: 'postmaster@localhost',
          subject: `burst ${i}`,
          headers: { 'X-Burst-Id': String(i) },
          text: `message ${i}\r\n`.repeat(200),
        })
        .then(
          (info) => {
            if (/^250 /.test(info.response)) acknowledged.push(String(i));
            if (acknowledged.length === 20) stopped ??= server.stop('SIGTERM');
          },
          () => void refused.push(String(i)),
        ),
    );
    await Promise.all(sends);
    transport.close();
    const { exitCode, ms } = await (stopped ?? server.stop('SIGTERM'));
    console.info(`burst: ${acknowledged.length} acknowledged, ${refused.length} refused, exit after ${ms} ms`);
    expect(exitCode).toBe(0);
    expect(ms).toBeLessThan(35_000);
    expect(acknowledged.length).toBeGreaterThanOrEqual(20);
    expect(acknowledged.length + refused.length).toBe(100);

    const inMaildir = await deliveredIds(join(server.home, 'mail', 'localhost', 'postmaster'));
    const lost = acknowledged.filter((id) => !inMaildir.has(id));
    expect(lost).toEqual([]);
    expect(server.lines.some((l) => /^SIGTERM: shutting down/.test(l.msg))).toBe(true);
  });
});
