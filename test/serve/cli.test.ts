// `everlock serve` as an operator runs it: a busy port is one line and exit 1, env vars work like flags,
// SIGHUP reloads, SIGTERM exits 0, and a missing config says what to do.
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BIN, everlock } from '../support/cli.js';
import { startServer } from '../support/server.js';
import { tempDir } from '../support/tmp.js';
import { createSelfSignedCertificate } from '../../src/server/self-signed.js';

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

describe('everlock serve (CLI)', () => {
  it('a port that cannot be bound is one clear line and exit 1; env vars work like flags', async () => {
    const home = join(await tempDir('everlock-cli-'), 'home');
    expect((await everlock(['init', home])).exitCode).toBe(0);
    const busy = await occupy();
    try {
      const res = await everlock(['serve', '--home', home, '--frontend-imap', '--frontend-imap-starttls-listen', '127.0.0.1:0'], {
        env: { EVERLOCK_FRONTEND_IMAP_TLS_LISTEN: `127.0.0.1:${busy.port}` },
      });
      expect(res.exitCode).toBe(1);
      const errors = String(res.stderr).split('\n').filter(Boolean);
      expect(errors).toEqual([`error: IMAP (TLS): 127.0.0.1:${busy.port} is already in use`]);
    } finally {
      busy.server.close();
    }
  });

  it('without a config and without --dev it says to run init', async () => {
    const res = await everlock(['serve', '--home', join(await tempDir('everlock-cli-'), 'nothing')]);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/^error: no config at .*nothing: run `everlock init` first/);
  });

  it('rejects a malformed listen address as a usage error', async () => {
    const res = await everlock(['serve', '--dev', '--home', join(await tempDir('everlock-cli-'), 'h'), '--http-listen', 'not an address']);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain('not a listen address');
  });

  it('SIGHUP reloads the config; SIGTERM exits 0', async () => {
    const server = await startServer({ args: ['--frontend-imap'] });
    process.kill(server.pid, 'SIGHUP');
    const live = await server.waitForLine(/^config generation 2 live/);
    expect(live.reason).toBe('SIGHUP');
    expect(Object.keys(server.ports).sort()).toEqual(['http', 'imapStarttls', 'imapTls']);
    const health = (await (await fetch(`http://127.0.0.1:${server.ports.http}/healthz`)).json()) as { modules: Record<string, string>; config: { generation: number } };
    expect(health.modules).toEqual({ imap: 'ok', http: 'ok' });
    expect(health.config.generation).toBe(2);

    // An open IMAP session is told goodbye before the process exits.
    const imap = connect({ host: '127.0.0.1', port: server.ports.imapTls, rejectUnauthorized: false });
    let wire = '';
    imap.on('data', (d: Buffer) => (wire += d.toString('latin1')));
    imap.on('error', () => undefined);
    const closed = once(imap, 'close');
    await new Promise<void>((resolve) => {
      const check = (): void => (wire.includes('\r\n') ? resolve() : void setTimeout(check, 20));
      check();
    });
    expect(wire).toMatch(/^\* OK/);
    const { exitCode, ms } = await server.stop('SIGTERM');
    await closed;
    expect(wire).toMatch(/\r\n\* BYE [^\r\n]*\r\n/);
    expect(exitCode).toBe(0);
    expect(ms).toBeLessThan(5000);
  });

  it('a SIGTERM that arrives while the server is still starting stops it cleanly (exit 0), it does not kill it', async () => {
    const home = join(await tempDir('everlock-cli-'), 'home');
    const loopback = '127.0.0.1:0';
    const child = execa(process.execPath, [BIN, 'serve', '--home', home, '--dev', '--frontend-smtp-listen', loopback, '--frontend-smtp-submission-listen', loopback, '--frontend-smtp-submissions-listen', loopback, '--frontend-imap-tls-listen', loopback, '--frontend-imap-starttls-listen', loopback, '--http-listen', loopback], {
      reject: false,
      stdin: 'ignore',
      env: { EVERLOCK_HOME: '', EVERLOCK_CONFIG: '', EVERLOCK_DATA: '', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
    });
    // The first listener line comes before the other modules have started and before "config generation 1 live".
    let signalled = false;
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (!signalled && / listener on /.test(out)) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    const result = await child;
    expect(signalled).toBe(true);
    expect(result.signal).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(out).toMatch(/SIGTERM: shutting down/);
  });

  it('a certificate dropped into config/mail.<domain>/ is served by SNI on IMAPS and submissions without a restart', async () => {
    const server = await startServer();
    try {
      const pair = createSelfSignedCertificate({ names: ['mail.example.com'], notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86400_000) });
      const want = new X509Certificate(pair.cert).fingerprint256;
      const dir = join(server.home, 'config', 'mail.example.com');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'privkey.pem'), pair.key);
      await writeFile(join(dir, 'fullchain.pem'), pair.cert);
      const peer = async (port: number | undefined, servername: string): Promise<string> => {
        const sock = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
        sock.on('error', () => undefined);
        await once(sock, 'secureConnect');
        const fp = sock.getPeerX509Certificate()?.fingerprint256 ?? '';
        sock.destroy();
        return fp;
      };
      const end = Date.now() + 10_000;
      while ((await peer(server.ports.imapTls, 'mail.example.com')) !== want) {
        if (Date.now() > end) throw new Error('IMAPS never served the new certificate');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await peer(server.ports.submissions, 'mail.example.com')).toBe(want);
      expect(await peer(server.ports.imapTls, 'localhost')).not.toBe(want);
    } finally {
      expect((await server.stop()).exitCode).toBe(0);
    }
  });
});
