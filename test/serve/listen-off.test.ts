// `everlock serve` with listeners turned off ("off" in everlock.toml [listen], a listen flag or its env var), as an
// operator offering implicit TLS only (RFC 8314) runs it: no listener and no start-up line for what is off, a
// reload that turns one on only warns that it needs a restart, and a module left with no listener says so.
import { once } from 'node:events';
import { createServer, connect as connectTcp, type AddressInfo } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { everlock } from '../support/cli.js';
import { startServer, type StartedServer } from '../support/server.js';
import { tempDir } from '../support/tmp.js';

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The error code of a TCP connection to 127.0.0.1:port ('connected' when something accepts it). */
async function dial(port: number): Promise<string> {
  const sock = connectTcp({ host: '127.0.0.1', port });
  return new Promise((resolve) => {
    sock.once('connect', () => {
      sock.destroy();
      resolve('connected');
    });
    sock.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
  });
}

async function initHome(everlockToml: string): Promise<string> {
  const home = join(await tempDir('everlock-listen-off-'), 'home');
  expect((await everlock(['init', home])).exitCode).toBe(0);
  await writeFile(join(home, 'everlock.toml'), everlockToml);
  return home;
}

/**
 * A round trip to /healthz: the server answers only once its event loop runs again, by which time `serve` has
 * installed its signal handlers (the "live" line comes just before), so a signal sent next is handled.
 */
async function settled(server: StartedServer): Promise<void> {
  expect((await fetch(`http://127.0.0.1:${server.ports.http}/healthz`)).status).toBe(200);
}

const listenerLabels = (server: StartedServer): string[] =>
  server.lines.flatMap((l) => /^(.+) listener on /.exec(l.msg)?.[1] ?? []).sort();

describe('everlock serve with listeners off', () => {
  it('[listen] imap_starttls = "off": no 143 listener and no line for it; turning it on by reload warns that it needs a restart', async () => {
    const home = await initHome('[listen]\nimap_starttls = "off"\n');
    const server = await startServer({ home, dev: false, without: ['imapStarttls'], args: ['--frontend-imap'] });
    try {
      expect(listenerLabels(server)).toEqual(['HTTP', 'IMAP (TLS)']);
      expect(Object.keys(server.ports).sort()).toEqual(['http', 'imapTls']);

      const port = await freePort();
      await writeFile(join(home, 'everlock.toml'), `[listen]\nimap_starttls = "127.0.0.1:${port}"\n`);
      await settled(server);
      process.kill(server.pid, 'SIGHUP');
      const warning = await server.waitForLine((l) => l.msg.startsWith('everlock.toml: listen addresses changed'));
      expect(warning.level).toBe('warn');
      expect(warning.msg).toBe(`everlock.toml: listen addresses changed (imap_starttls off -> 127.0.0.1:${port}); they apply after a restart, the old ones keep serving`);
      await server.waitForLine(/^config generation \d+ live/);
      expect(await dial(port)).toBe('ECONNREFUSED');
      expect(listenerLabels(server)).toEqual(['HTTP', 'IMAP (TLS)']);
    } finally {
      expect((await server.stop()).exitCode).toBe(0);
    }
  });

  it('EVERLOCK_FRONTEND_IMAP_STARTTLS_LISTEN=off wins over everlock.toml: its port is refused while IMAPS serves', async () => {
    const port = await freePort();
    const home = await initHome(`[listen]\nimap_starttls = "127.0.0.1:${port}"\n`);
    // Control: without the variable the server listens on exactly that port.
    const on = await startServer({ home, dev: false, without: ['imapStarttls'], args: ['--frontend-imap'] });
    expect(on.ports.imapStarttls).toBe(port);
    await settled(on);
    expect((await on.stop()).exitCode).toBe(0);

    const off = await startServer({ home, dev: false, without: ['imapStarttls'], args: ['--frontend-imap'], env: { EVERLOCK_FRONTEND_IMAP_STARTTLS_LISTEN: 'off' } });
    try {
      expect(listenerLabels(off)).toEqual(['HTTP', 'IMAP (TLS)']);
      expect(await dial(port)).toBe('ECONNREFUSED');
      const imaps = connectTls({ host: '127.0.0.1', port: off.ports.imapTls, rejectUnauthorized: false });
      imaps.on('error', () => undefined);
      const [greeting] = (await once(imaps, 'data')) as [Buffer];
      imaps.destroy();
      expect(greeting.toString('latin1')).toMatch(/^\* OK/);
    } finally {
      expect((await off.stop()).exitCode).toBe(0);
    }
  });

  it('off flags win over --dev ports; a module left with no listener still runs and says so', async () => {
    const server = await startServer({
      without: ['imapTls', 'imapStarttls', 'submission'],
      args: ['--frontend-imap', '--frontend-smtp-submission', '--frontend-imap-tls-listen', 'off', '--frontend-imap-starttls-listen', 'off', '--frontend-smtp-submission-listen', 'off'],
    });
    try {
      expect(listenerLabels(server)).toEqual(['HTTP', 'SMTP submissions']);
      const warning = server.lines.find((l) => l.msg.startsWith('module imap runs with no listener'));
      expect(warning?.level).toBe('warn');
      expect(warning?.msg).toMatch(/^module imap runs with no listener \(imap_tls off, imap_starttls off\)/);
      expect(server.lines.some((l) => l.msg.startsWith('module submission runs with no listener'))).toBe(false);
      const health = (await (await fetch(`http://127.0.0.1:${server.ports.http}/healthz`)).json()) as { modules: Record<string, string> };
      expect(health.modules).toMatchObject({ imap: 'ok', submission: 'ok' });
    } finally {
      expect((await server.stop()).exitCode).toBe(0);
    }
  });

  it('rejects a listen flag that is neither an address nor "off" as a usage error', async () => {
    const res = await everlock(['serve', '--dev', '--home', join(await tempDir('everlock-listen-off-'), 'h'), '--frontend-imap-starttls-listen', 'Off']);
    expect(res.exitCode).toBe(2);
    expect(String(res.stderr)).toContain('imapStarttls: "Off" is not a listen address (host:port, [ipv6]:port, a bare port or "off")');
  });
});
