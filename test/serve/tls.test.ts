// TLS provider: SNI picks a domain's certificate, everything else gets the persisted self-signed one; replacing
// the files changes what new handshakes get while open connections keep working; TLS 1.1 is refused.
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../src/server/self-signed.js';
import { createTlsProvider, type ManagedTlsProvider } from '../../src/server/tls.js';
import { memoryLogger, waitFor } from './fixtures.js';
import { tempDir } from '../support/tmp.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function domainCert(names: string[]): { key: string; cert: string; fingerprint: string } {
  const pair = createSelfSignedCertificate({ names, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86400_000) });
  return { ...pair, fingerprint: new X509Certificate(pair.cert).fingerprint256 };
}

async function serve(provider: ManagedTlsProvider): Promise<{ server: Server; port: number }> {
  const server = createServer(provider.serverOptions(), (sock) => {
    sock.on('data', (d) => sock.write(d));
    sock.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { server, port: (server.address() as AddressInfo).port };
}

async function handshake(port: number, servername?: string, extra: { maxVersion?: 'TLSv1.1' } = {}): Promise<TLSSocket> {
  const sock = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername ? { servername } : {}), ...extra });
  await once(sock, 'secureConnect');
  cleanup.push(() => void sock.destroy());
  return sock;
}

const fingerprint = (sock: TLSSocket): string => sock.getPeerX509Certificate()?.fingerprint256 ?? '';

describe('TLS provider', () => {
  it('chooses certificates by SNI, reloads replaced files without dropping connections, refuses TLS 1.1', async () => {
    const data = await tempDir('everlock-tls-');
    const paths = { config: data, data };
    const certDir = join(data, 'config', 'mail.example.com');
    await mkdir(certDir, { recursive: true });
    const first = domainCert(['mail.example.com']);
    await writeFile(join(certDir, 'privkey.pem'), first.key);
    await writeFile(join(certDir, 'fullchain.pem'), first.cert);

    const { log } = memoryLogger();
    const provider = await createTlsProvider({ paths, names: ['mx.test', 'mail.example.com'], log, debounceMs: 50 });
    cleanup.push(() => provider.close());
    expect(provider.hosts()).toEqual(['mail.example.com']);
    const { port } = await serve(provider);

    const selfSigned = new X509Certificate(await readFile(join(data, 'config', 'self-signed', 'fullchain.pem'), 'utf8'));
    expect(selfSigned.subjectAltName).toContain('DNS:mx.test');
    expect(selfSigned.subjectAltName).toContain('DNS:localhost');
    expect(selfSigned.subjectAltName).toContain('DNS:mail.example.com');
    expect(selfSigned.subjectAltName).toContain('IP Address:127.0.0.1');

    const forDomain = await handshake(port, 'mail.example.com');
    expect(fingerprint(forDomain)).toBe(first.fingerprint);
    expect(fingerprint(await handshake(port, 'MAIL.EXAMPLE.COM'))).toBe(first.fingerprint);
    expect(fingerprint(await handshake(port, 'other.test'))).toBe(selfSigned.fingerprint256);
    expect(fingerprint(await handshake(port))).toBe(selfSigned.fingerprint256);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(forDomain.getProtocol());

    // Renewal: the certificate changes; new handshakes get it, the open connection keeps working.
    const second = domainCert(['mail.example.com']);
    await writeFile(join(certDir, 'privkey.pem'), second.key);
    await writeFile(join(certDir, 'fullchain.pem'), second.cert);
    await waitFor(async () => fingerprint(await handshake(port, 'mail.example.com')) === second.fingerprint, 10_000, 'renewed certificate');
    forDomain.write('still here');
    const [echo] = (await once(forDomain, 'data')) as [Buffer];
    expect(echo.toString()).toBe('still here');

    // A half-copied renewal (key of another certificate) keeps the working pair.
    await writeFile(join(certDir, 'privkey.pem'), domainCert(['mail.example.com']).key);
    await new Promise((r) => setTimeout(r, 400));
    expect(fingerprint(await handshake(port, 'mail.example.com'))).toBe(second.fingerprint);

    // A wildcard certificate in another directory serves every name it covers.
    const wildcard = domainCert(['*.example.org']);
    await mkdir(join(data, 'config', 'example.org'), { recursive: true });
    await writeFile(join(data, 'config', 'example.org', 'privkey.pem'), wildcard.key);
    await writeFile(join(data, 'config', 'example.org', 'fullchain.pem'), wildcard.cert);
    await waitFor(async () => fingerprint(await handshake(port, 'mail.example.org')) === wildcard.fingerprint, 10_000, 'wildcard certificate');

    const old = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' });
    cleanup.push(() => void old.destroy());
    const [err] = (await once(old, 'error')) as [Error];
    expect(err.message).toMatch(/protocol|version|alert/i);
  });

  it('keeps the self-signed certificate across restarts and regenerates it only when a name is missing', async () => {
    const data = await tempDir('everlock-tls-');
    const paths = { config: data, data };
    const { log } = memoryLogger();
    const file = join(data, 'config', 'self-signed', 'fullchain.pem');

    const a = await createTlsProvider({ paths, names: ['mx.test'], log, watch: false });
    const firstPem = await readFile(file, 'utf8');
    await a.close();
    const b = await createTlsProvider({ paths, names: ['MX.test'], log, watch: false });
    expect(await readFile(file, 'utf8')).toBe(firstPem);
    const keyMode = (await import('node:fs/promises')).stat(join(data, 'config', 'self-signed', 'privkey.pem'));
    expect((await keyMode).mode & 0o777).toBe(0o600);

    await b.setNames(['mx.test', 'mail.new.example']);
    const regenerated = new X509Certificate(await readFile(file, 'utf8'));
    expect(regenerated.subjectAltName).toContain('DNS:mail.new.example');
    expect(regenerated.subjectAltName).toContain('DNS:mx.test');
    const { port } = await serve(b);
    expect(fingerprint(await handshake(port, 'unknown.test'))).toBe(regenerated.fingerprint256);
    await b.close();
  });

  it('picks up self-signed files replaced by hand and tells subscribers, so clients without SNI get them', async () => {
    const data = await tempDir('everlock-tls-');
    const paths = { config: data, data };
    const { log } = memoryLogger();
    const provider = await createTlsProvider({ paths, names: ['mx.test'], log, debounceMs: 50 });
    cleanup.push(() => provider.close());
    const { server, port } = await serve(provider);
    let changes = 0;
    const off = provider.onChange(() => {
      changes++;
      server.setSecureContext(provider.serverOptions());
    });
    const generated = fingerprint(await handshake(port));

    const own = domainCert(['mx.test', 'localhost']);
    const dir = join(data, 'config', 'self-signed');
    await writeFile(join(dir, 'privkey.pem'), own.key);
    await writeFile(join(dir, 'fullchain.pem'), own.cert);
    await waitFor(async () => fingerprint(await handshake(port)) === own.fingerprint, 10_000, 'replaced self-signed certificate');
    expect(own.fingerprint).not.toBe(generated);
    expect(changes).toBeGreaterThan(0);
    expect(fingerprint(await handshake(port, 'unknown.test'))).toBe(own.fingerprint);

    // Unsubscribed listeners hear nothing more.
    off();
    const seen = changes;
    const next = domainCert(['mx.test']);
    await writeFile(join(dir, 'privkey.pem'), next.key);
    await writeFile(join(dir, 'fullchain.pem'), next.cert);
    await waitFor(() => provider.serverOptions().cert === next.cert, 10_000, 'second replacement loaded');
    expect(changes).toBe(seen);
  });
});
