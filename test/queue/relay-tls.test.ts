// A smarthost that gets credentials is reached over verified TLS only: with a certificate nobody trusts (or one
// for another name) no AUTH ever reaches it and the mail stays queued with the reason; with a trusted certificate
// it is delivered with AUTH; `tls_verify = false` lets an admin accept a self-signed relay knowingly.
import { createServer } from 'node:net';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataFiles } from '../../src/config/paths.js';
import { parseToml } from '../../src/config/toml.js';
import { validateDomain } from '../../src/config/validate-domain.js';
import { QueueFiles } from '../../src/server/queue/files.js';
import { sendToRoute } from '../../src/server/queue/send.js';
import { createSelfSignedCertificate } from '../../src/server/self-signed.js';
import { eventually, startHarness, type Harness } from '../smtp/harness.js';

interface TlsRelay {
  readonly port: number;
  /** Every AUTH attempt: the login and whether the session was under TLS when it came. */
  readonly auths: { user: string; pass: string; secure: boolean }[];
  readonly subjects: string[];
  readonly cert: string;
  close(): Promise<void>;
}

function certFor(names: string[]): { key: string; cert: string } {
  const notBefore = new Date(Date.now() - 3600_000);
  return createSelfSignedCertificate({ names, notBefore, notAfter: new Date(notBefore.getTime() + 2 * 86400_000) });
}

/** A relay with STARTTLS and AUTH PLAIN/LOGIN; AUTH is accepted in plaintext too, so a client that sent it would be seen. */
async function startTlsRelay(names: string[], implicitTls = false): Promise<TlsRelay> {
  const { key, cert } = certFor(names);
  const auths: TlsRelay['auths'] = [];
  const subjects: string[] = [];
  const server = new SMTPServer({
    key,
    cert,
    secure: implicitTls,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, session, cb) {
      auths.push({ user: auth.username ?? '', pass: auth.password ?? '', secure: session.secure });
      if (auth.username === 'relayuser' && auth.password === 'relay-secret') return cb(null, { user: auth.username });
      cb(new Error('535 bad credentials'));
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        subjects.push(/^Subject: (.*)$/m.exec(Buffer.concat(chunks).toString())?.[1] ?? '');
        cb();
      });
    },
  });
  // A client that rejects the certificate drops the handshake; the implicit-TLS server reports that as an 'error'.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, auths, subjects, cert, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const relayUrl = (r: TlsRelay, scheme = 'smtp') => `${scheme}://relayuser:relay-secret@127.0.0.1:${r.port}`;

describe('smarthost with credentials', () => {
  let h: Harness;
  let untrusted: TlsRelay;
  let wrongName: TlsRelay;
  let trusted: TlsRelay;
  let optOut: TlsRelay;
  let implicitUntrusted: TlsRelay;
  const logLines: string[] = [];
  beforeAll(async () => {
    untrusted = await startTlsRelay(['127.0.0.1']);
    wrongName = await startTlsRelay(['relay.elsewhere.test']);
    trusted = await startTlsRelay(['127.0.0.1']);
    optOut = await startTlsRelay(['127.0.0.1']);
    implicitUntrusted = await startTlsRelay(['127.0.0.1'], true);
    // Trust stands in for a public CA: the trusted relay's and the wrong-name relay's certificates are roots now.
    setDefaultCACertificates([...getCACertificates('default'), trusted.cert, wrongName.cert]);
    const domain = (relay: TlsRelay, extra = '', scheme = 'smtp') => `enabled = true\n[outbound]\nrelay = "${relayUrl(relay, scheme)}"\n${extra}`;
    h = await startHarness({
      domains: {
        'untrusted.test': domain(untrusted),
        'wrongname.test': domain(wrongName),
        'trusted.test': domain(trusted),
        'optout.test': domain(optOut, 'tls_verify = false\n'),
        'implicit.test': domain(implicitUntrusted, '', 'smtps'),
      },
      users: {
        alice: { password: 'alice-pw', toml: 'addresses = ["alice@untrusted.test", "alice@wrongname.test", "alice@trusted.test", "alice@optout.test", "alice@implicit.test"]\n' },
      },
      only: ['submission', 'queue'],
      logLines,
    });
  });
  afterAll(async () => {
    await h.stop({ closeStore: true });
    await Promise.all([untrusted, wrongName, trusted, optOut, implicitUntrusted].map((r) => r.close()));
  });

  async function submit(from: string, subject: string): Promise<void> {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.submission, requireTLS: true, auth: { user: 'alice', pass: 'alice-pw' }, tls: { rejectUnauthorized: false } });
    await t.sendMail({ from, to: 'someone@far-away.test', subject, text: subject });
    t.close();
  }

  /** The queued recipient of the entry from `from`, once it has had at least two attempts. */
  async function retriedEntry(from: string) {
    const files = new QueueFiles(dataFiles.queue(h.paths));
    return eventually(async () => {
      for (const id of await files.ids()) {
        const env = await files.read(id);
        const r = env?.from === from ? env.recipients[0] : undefined;
        if (r && r.attempts >= 2) return r;
      }
      return undefined;
    });
  }

  it('never sends AUTH to a relay whose certificate does not verify, and keeps the mail queued with the reason', async () => {
    await submit('alice@untrusted.test', 'untrusted relay');
    const r = await retriedEntry('alice@untrusted.test');
    expect(r.state).toBe('pending');
    expect(r.lastError).toMatch(/^TLS certificate of relay 127\.0\.0\.1 not verified: .*self-signed certificate/);
    expect(untrusted.auths).toEqual([]);
    expect(untrusted.subjects).toEqual([]);
    const logged = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'outbound delivery' && l.from === 'alice@untrusted.test');
    expect(logged).toMatchObject({ result: 'temporary', reply: expect.stringMatching(/TLS certificate of relay 127\.0\.0\.1 not verified/) });
  });

  it('verifies an implicit-TLS (smtps://) relay the same way', async () => {
    await submit('alice@implicit.test', 'implicit untrusted');
    const r = await retriedEntry('alice@implicit.test');
    expect(r.state).toBe('pending');
    expect(r.lastError).toMatch(/^TLS certificate of relay 127\.0\.0\.1 not verified: .*self-signed certificate/);
    expect(implicitUntrusted.auths).toEqual([]);
    expect(implicitUntrusted.subjects).toEqual([]);
  });

  it('checks the certificate against the relay host: a trusted certificate for another name is refused', async () => {
    await submit('alice@wrongname.test', 'wrong name');
    const r = await retriedEntry('alice@wrongname.test');
    expect(r.state).toBe('pending');
    expect(r.lastError).toMatch(/^TLS certificate of relay 127\.0\.0\.1 not verified: .*IP: 127\.0\.0\.1 is not in the cert's list/);
    expect(wrongName.auths).toEqual([]);
    expect(wrongName.subjects).toEqual([]);
  });

  it('delivers with AUTH over TLS when the certificate is trusted for the relay host', async () => {
    await submit('alice@trusted.test', 'trusted relay');
    await eventually(async () => trusted.subjects.includes('trusted relay'));
    expect(trusted.auths).toEqual([{ user: 'relayuser', pass: 'relay-secret', secure: true }]);
  });

  it('with tls_verify = false still requires TLS but accepts a self-signed certificate', async () => {
    await submit('alice@optout.test', 'opted out');
    await eventually(async () => optOut.subjects.includes('opted out'));
    expect(optOut.auths).toEqual([{ user: 'relayuser', pass: 'relay-secret', secure: true }]);
  });
});

describe('[outbound] tls_verify', () => {
  const check = (toml: string) => {
    const v = validateDomain('example.com', parseToml(toml, 'domains/example.com.toml'), 'domains/example.com.toml', '/x/domains/example.com.toml');
    return { tlsVerify: v.config.outbound.tlsVerify, issues: v.checker.issues.map((i) => `${i.severity}: ${i.message}`) };
  };

  it('defaults to verifying, warns when turned off, and must be a boolean', () => {
    expect(check('[outbound]\nrelay = "smtp://u@relay.example:587"\n')).toEqual({ tlsVerify: true, issues: [] });
    const off = check('[outbound]\nrelay = "smtp://u@relay.example:587"\ntls_verify = false\n');
    expect(off.tlsVerify).toBe(false);
    expect(off.issues).toEqual([expect.stringMatching(/^warning: the relay's TLS certificate is not verified/)]);
    expect(check('[outbound]\ntls_verify = false\n').issues).toEqual([expect.stringMatching(/^warning: "tls_verify" only applies to a relay with credentials/)]);
    expect(check('[outbound]\nrelay = "smtp://relay.example:587"\ntls_verify = false\n').issues).toEqual([expect.stringMatching(/^warning: "tls_verify" only applies/)]);
    expect(check('[outbound]\nrelay = "smtp://u@relay.example:587"\ntls_verify = "no"\n').issues).toEqual([expect.stringMatching(/^error: .*tls_verify/)]);
  });
});

describe('a mail host that refuses the connection', () => {
  it('is a temporary failure without a remote MTA, not an attempt that never ends', async () => {
    // A port that was just free: nothing listens on it.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const verdicts = await sendToRoute(
      { kind: 'hops', hops: [{ host: '127.0.0.1', port, name: 'mx.far-away.test' }] },
      { from: 'a@example.com', recipients: ['b@far-away.test'], messagePath: '/nonexistent', size: 1, ehlo: 'mail.example.com', timeoutMs: 5000 },
    );
    expect(verdicts.get('b@far-away.test')).toMatchObject({ result: 'temporary', reply: expect.stringMatching(/ECONNREFUSED/), mta: undefined });
  });
});
