// Certificates swapped under a running server with the real SMTP and IMAP listeners: clients with and without
// SNI, on implicit TLS (IMAPS, SMTPS) and STARTTLS (IMAP, SMTP submission), get the new certificate on their next
// connection while a connection opened before keeps working; a listen address changed in everlock.toml is
// logged as needing a restart.
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { dataFiles } from '../../src/config/paths.js';
import { openMailStore } from '../../src/maildir/index.js';
import { createImapModule } from '../../src/server/imap/module.js';
import { runServer } from '../../src/server/serve.js';
import { createSelfSignedCertificate } from '../../src/server/self-signed.js';
import { createSmtpModules } from '../../src/server/smtp/module.js';
import { tableResolver, writeHome } from '../smtp/harness.js';
import { tempDir } from '../support/tmp.js';
import { configHome, memoryLogger, recordingModule, unusedStore, waitFor } from './fixtures.js';

function certFor(names: string[]): { key: string; cert: string; fingerprint: string } {
  const pair = createSelfSignedCertificate({ names, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86400_000) });
  return { ...pair, fingerprint: new X509Certificate(pair.cert).fingerprint256 };
}

/** Installs a pair the way a renewal hook should: both files written beside, then renamed into place. */
async function install(dir: string, pair: { key: string; cert: string }): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'privkey.pem.new'), pair.key);
  await writeFile(join(dir, 'fullchain.pem.new'), pair.cert);
  await rename(join(dir, 'privkey.pem.new'), join(dir, 'privkey.pem'));
  await rename(join(dir, 'fullchain.pem.new'), join(dir, 'fullchain.pem'));
}

/** Reads until `done` accepts the text received so far. */
async function readUntil(sock: Socket | TLSSocket, done: (text: string) => boolean): Promise<string> {
  let text = '';
  while (!done(text)) {
    const [chunk] = (await once(sock, 'data')) as [Buffer];
    text += chunk.toString();
  }
  return text;
}

type Kind = 'implicit' | 'imap-starttls' | 'smtp-starttls';

/** Completes a TLS handshake on `port` and returns the certificate fingerprint the server presented. */
async function presented(port: number, kind: Kind, servername?: string): Promise<string> {
  const sock = await open(port, kind, servername);
  const fp = sock.getPeerX509Certificate()?.fingerprint256 ?? '';
  sock.destroy();
  return fp;
}

async function open(port: number, kind: Kind, servername?: string): Promise<TLSSocket> {
  const sni = servername ? { servername } : {};
  if (kind === 'implicit') {
    const sock = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...sni });
    await once(sock, 'secureConnect');
    return sock;
  }
  const plain = netConnect({ host: '127.0.0.1', port });
  await once(plain, 'connect');
  if (kind === 'imap-starttls') {
    await readUntil(plain, (t) => t.includes('\r\n'));
    plain.write('a STARTTLS\r\n');
    await readUntil(plain, (t) => /^a OK/m.test(t));
  } else {
    await readUntil(plain, (t) => /^220 /m.test(t));
    plain.write('EHLO client.test\r\n');
    await readUntil(plain, (t) => /^250 /m.test(t));
    plain.write('STARTTLS\r\n');
    await readUntil(plain, (t) => /^220 /m.test(t));
  }
  const sock = tlsConnect({ socket: plain, rejectUnauthorized: false, ...sni });
  await once(sock, 'secureConnect');
  return sock;
}

describe('live certificates under serve', () => {
  it('new connections get replaced certificates, with SNI or not, on every TLS listener; open ones keep working', async () => {
    const home = await tempDir('everlock-tls-live-');
    const paths = await writeHome(home, { domains: { 'example.com': 'enabled = true\n' } });
    const { log } = memoryLogger();
    const ports: Record<string, number> = {};
    const server = await runServer({
      paths,
      log,
      modules: [...createSmtpModules({ resolver: tableResolver() }), createImapModule()],
      overrides: {
        hostname: 'mail.example.com',
        listen: { smtp: '127.0.0.1:0', submission: '127.0.0.1:0', submissions: '127.0.0.1:0', imapTls: '127.0.0.1:0', imapStarttls: '127.0.0.1:0' },
      },
      loadConfig,
      openStore: (snap, l) => openMailStore({ root: dataFiles.mailRoot(snap.paths), log: l, watch: false }),
      dev: true,
      watchConfig: false,
      announce: (_line, l) => (ports[l.label] = l.port),
    });
    const listeners: Array<[string, number, Kind]> = [
      ['IMAPS', ports['IMAP (TLS)']!, 'implicit'],
      ['SMTPS', ports['SMTP submissions']!, 'implicit'],
      ['IMAP STARTTLS', ports.IMAP!, 'imap-starttls'],
      ['submission STARTTLS', ports['SMTP submission']!, 'smtp-starttls'],
      ['MX STARTTLS', ports.SMTP!, 'smtp-starttls'],
    ];
    /** What each listener presents, without SNI and with SNI for the hostname. */
    const survey = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const [, port, kind] of listeners) out.push(await presented(port, kind), await presented(port, kind, 'mail.example.com'));
      return out;
    };
    try {
      const selfSigned = new X509Certificate(await import('node:fs/promises').then((fs) => fs.readFile(join(dataFiles.selfSignedDir(paths), 'fullchain.pem'), 'utf8'))).fingerprint256;
      expect(new Set(await survey())).toEqual(new Set([selfSigned]));

      // An IMAPS session opened before the change, to prove it survives.
      const early = await open(ports['IMAP (TLS)']!, 'implicit');
      await readUntil(early, (t) => t.includes('\r\n'));

      // A certificate for the hostname arrives: every listener presents it, SNI or not.
      const first = certFor(['mail.example.com']);
      await install(join(paths.data, 'config', 'mail.example.com'), first);
      await waitFor(async () => (await survey()).every((fp) => fp === first.fingerprint), 10_000, 'first certificate everywhere');

      // Renewal: replaced again; the next connections get the renewed one.
      const second = certFor(['mail.example.com']);
      await install(join(paths.data, 'config', 'mail.example.com'), second);
      await waitFor(async () => (await survey()).every((fp) => fp === second.fingerprint), 10_000, 'renewed certificate everywhere');
      // A name no certificate covers gets the default too.
      expect(await presented(ports['IMAP (TLS)']!, 'implicit', 'other.test')).toBe(second.fingerprint);

      early.write('e1 NOOP\r\n');
      expect(await readUntil(early, (t) => /^e1 /m.test(t))).toMatch(/^e1 OK/m);
      expect(early.getPeerX509Certificate()?.fingerprint256).toBe(selfSigned);
      early.destroy();

    } finally {
      await server.stop(Date.now() + 2000);
    }
  });

  it('logs that changed listen addresses need a restart, and keeps serving', async () => {
    const paths = await configHome();
    await writeFile(join(paths.config, 'everlock.toml'), '[listen]\nimap_tls = "127.0.0.1:1993"\n');
    const { log, lines } = memoryLogger();
    const imap = recordingModule('imap');
    const server = await runServer({ paths, log, modules: [imap], overrides: {}, loadConfig, openStore: () => unusedStore, dev: true, watchConfig: false, announce: () => undefined });
    try {
      await writeFile(join(paths.config, 'everlock.toml'), '[listen]\nimap_tls = "127.0.0.1:2993"\n');
      expect((await server.reload('test')).ok).toBe(true);
      const warning = lines.find((l) => l.level === 'warn' && l.msg.includes('listen addresses changed'));
      expect(warning?.msg).toMatch(/imap_tls 127\.0\.0\.1:1993 -> 127\.0\.0\.1:2993.*restart/);
      expect(imap.reloads).toHaveLength(1);
      // A reload that leaves them alone says nothing.
      await writeFile(join(paths.config, 'rules.toml'), '');
      await server.reload('test');
      expect(lines.filter((l) => l.msg.includes('listen addresses changed'))).toHaveLength(1);
    } finally {
      await server.stop(Date.now() + 2000);
    }
  });
});
