// IMAP limits in everlock.toml apply on reload, without a restart, to sessions opened afterwards: here the
// command rate (limits.imap_commands_per_second) and the connections per client address
// (limits.imap_connections_per_ip, counted across both IMAP listeners) of a running `everlock serve`.
import { writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../support/server.js';

/** Logs in, pipelines `count` NOOPs and returns how long their answers took. */
async function noopBurst(port: number, login: string, password: string, count: number): Promise<number> {
  const socket: Socket = connect(port, '127.0.0.1');
  let wire = '';
  socket.on('data', (d: Buffer) => (wire += d.toString('latin1')));
  const until = async (re: RegExp): Promise<void> => {
    const end = Date.now() + 20_000;
    while (!re.test(wire)) {
      if (Date.now() > end) throw new Error(`timeout waiting for ${re}; got: ${wire.slice(-300)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await until(/^\* OK/);
  socket.write(`l LOGIN ${login} ${password}\r\n`);
  await until(/\r\nl OK/);
  const t0 = Date.now();
  socket.write(Array.from({ length: count }, (_, i) => `n${i} NOOP\r\n`).join(''));
  await until(new RegExp(`\\r\\nn${count - 1} OK`));
  const ms = Date.now() - t0;
  expect(wire.match(/\r\nn\d+ OK/g)).toHaveLength(count);
  socket.destroy();
  return ms;
}

describe('IMAP limits on reload', () => {
  it('a lower imap_commands_per_second slows new sessions down once the config is live', async () => {
    const server = await startServer({ args: ['--frontend-imap'] });
    const user = server.user!;
    // Default rate (200 per second): 15 commands are one burst.
    expect(await noopBurst(server.ports.imapStarttls!, user.login, user.password, 15)).toBeLessThan(1000);
    await writeFile(join(server.home, 'everlock.toml'), '[limits]\nimap_commands_per_second = 5\n');
    await server.waitForLine(/^config generation 2 live/);
    // 5 per second, LOGIN took one: 4 NOOPs at once, the other 11 over about 2.2 s.
    expect(await noopBurst(server.ports.imapStarttls!, user.login, user.password, 15)).toBeGreaterThanOrEqual(2000);
    await server.stop();
  });

  it('imap_connections_per_ip caps connections from one address across both listeners, live', async () => {
    const server = await startServer({ args: ['--frontend-imap'] });
    const greeting = (socket: Socket): Promise<string> =>
      new Promise((resolve, reject) => {
        let wire = '';
        socket.on('data', (d: Buffer) => {
          wire += d.toString('latin1');
          if (wire.includes('\r\n')) resolve(wire.slice(0, wire.indexOf('\r\n')));
        });
        socket.on('error', reject);
      });
    const plain = (): [Socket, Promise<string>] => {
      const s = connect(server.ports.imapStarttls!, '127.0.0.1');
      return [s, greeting(s)];
    };
    const open: Socket[] = [];
    try {
      await writeFile(join(server.home, 'everlock.toml'), '[limits]\nimap_connections_per_ip = 2\n');
      await server.waitForLine(/^config generation 2 live/);
      const [a, aHello] = plain();
      open.push(a);
      expect(await aHello).toMatch(/^\* OK/);
      const b = tlsConnect({ port: server.ports.imapTls!, host: '127.0.0.1', rejectUnauthorized: false });
      open.push(b);
      expect(await greeting(b)).toMatch(/^\* OK/);
      // Two are open (one on each listener): the third is turned away, on either listener.
      const [c, cHello] = plain();
      open.push(c);
      expect(await cHello).toBe('* BYE [UNAVAILABLE] Too many connections from your address');
      const d = tlsConnect({ port: server.ports.imapTls!, host: '127.0.0.1', rejectUnauthorized: false });
      open.push(d);
      expect(await greeting(d)).toBe('* BYE [UNAVAILABLE] Too many connections from your address');
      // One closes: its slot is free again (the refused ones never took one).
      await new Promise<void>((r) => {
        a.once('close', () => r());
        a.destroy();
      });
      for (let i = 0; ; i++) {
        const [e, eHello] = plain();
        open.push(e);
        const line = await eHello;
        if (line.startsWith('* OK')) break;
        // The server may see the close a moment after we do.
        if (i > 20) throw new Error(`still refused: ${line}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      for (const s of open) s.destroy();
      await server.stop();
    }
  });
});
