// Inbound verification takes mailauth's `authenticate` apart (SPF from the envelope ahead of DATA, DKIM on the
// header block alone when nothing is signed). These cases check that the Authentication-Results header it
// builds is byte for byte the one `authenticate` builds, for unsigned, signed, tampered and forged mail.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { authenticate, dkimSign } from 'mailauth';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createAuthMemo, type AuthMemo } from '../../src/server/smtp/auth-memo.js';
import { startSpf, verifyMessage, type DnsResolve } from '../../src/server/smtp/verify.js';
import { parseHeaderBlock } from '../../src/server/smtp/headers.js';

const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const edPublic = ed.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
const rsaPublic = rsa.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

const txt: Record<string, string> = {
  'good.test': 'v=spf1 ip4:192.0.2.10 -all',
  '_dmarc.good.test': 'v=DMARC1; p=reject',
  'ed._domainkey.good.test': `v=DKIM1; k=ed25519; p=${edPublic}`,
  'rsa._domainkey.good.test': `v=DKIM1; k=rsa; p=${rsaPublic}`,
  'forger.test': 'v=spf1 -all',
  '_dmarc.forger.test': 'v=DMARC1; p=reject',
};
const resolver = async (name: string, type: string): Promise<string[][]> => {
  const v = txt[name.toLowerCase()];
  if (type === 'TXT' && v !== undefined) return [[v]];
  throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
};

const plain = (from: string, body = 'Hello there.\r\n'): Buffer =>
  Buffer.from(`From: Someone <${from}>\r\nTo: alice@example.com\r\nSubject: test\r\nMessage-ID: <1@x>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n${body}`);

async function signed(message: Buffer): Promise<Buffer> {
  const pem = (key: KeyObject): string => key.export({ format: 'pem', type: 'pkcs8' }).toString();
  const edKey = { signingDomain: 'good.test', selector: 'ed', privateKey: pem(ed.privateKey), algorithm: 'ed25519-sha256' };
  const rsaKey = { signingDomain: 'good.test', selector: 'rsa', privateKey: pem(rsa.privateKey), algorithm: 'rsa-sha256' };
  // mailauth signs with `signatureData` (the top-level key fields its types require are then unused).
  const { signatures } = await dkimSign(message, { ...edKey, canonicalization: 'relaxed/relaxed', signatureData: [edKey, rsaKey] });
  return Buffer.concat([Buffer.from(signatures), message]);
}

async function both(message: Buffer, env: { ip: string; helo: string; sender: string }, memo?: AuthMemo, ourResolver: DnsResolve = resolver): Promise<{ ours: string; theirs: string; dmarcReject: boolean }> {
  const hostname = 'mx.example.com';
  const theirs = await authenticate(message, { ...env, mta: hostname, resolver, disableBimi: true });
  const expected = theirs.headers
    .split(/\r\n(?=\S)/)
    .filter((h) => /^Authentication-Results:/i.test(h))
    .map((h) => h.replace(/\r\n$/, '') + '\r\n')
    .join('');
  const headers = parseHeaderBlock(message.subarray(0, message.indexOf('\r\n\r\n') + 2));
  const spf = startSpf({ ...env, hostname }, ourResolver, silentLogger, memo);
  const ours = await verifyMessage({ ...env, hostname, body: { data: message }, headers, headersComplete: true, spf }, ourResolver, silentLogger, memo);
  return { ours: ours.header, theirs: expected, dmarcReject: ours.dmarcReject };
}

describe('verifyMessage', () => {
  it('matches authenticate for unsigned mail (SPF none and SPF pass)', async () => {
    const a = await both(plain('x@nowhere.test'), { ip: '198.51.100.1', helo: 'client.test', sender: 'x@nowhere.test' });
    expect(a.ours).toBe(a.theirs);
    expect(a.ours).toMatch(/dkim=none/);
    const b = await both(plain('a@good.test'), { ip: '192.0.2.10', helo: '', sender: 'a@good.test' });
    expect(b.ours).toBe(b.theirs);
    expect(b.ours).toMatch(/spf=pass/);
    expect(b.ours).toMatch(/dmarc=pass/);
  });

  it('matches authenticate for unsigned mail whose From DMARC must find in folded, quoted or grouped forms', async () => {
    const froms = [
      'From: "Doe, Jane (Sales)" <a@good.test>',
      'From: =?UTF-8?Q?J=C3=B6rg?=\r\n <a@good.test>',
      'From: Team: a@good.test, b@forger.test;',
      'From: <a@good.test>, other@forger.test',
      'From: no address at all',
    ];
    for (const from of froms) {
      const message = Buffer.from(`${from}\r\nTo: alice@example.com\r\nSubject: t\r\n\r\nbody\r\n`);
      const r = await both(message, { ip: '192.0.2.10', helo: 'client.test', sender: 'a@good.test' });
      expect(r.ours, from).toBe(r.theirs);
    }
  });

  it('matches authenticate for Ed25519 + RSA signed mail, intact and with the body changed', async () => {
    const m = await signed(plain('a@good.test', 'Signed body.\r\n'));
    const ok = await both(m, { ip: '198.51.100.1', helo: 'client.test', sender: 'bounce@elsewhere.test' });
    expect(ok.ours).toBe(ok.theirs);
    expect(ok.ours.match(/dkim=pass/g)).toHaveLength(2);
    expect(ok.ours).toMatch(/dmarc=pass/);
    const tampered = Buffer.from(m.toString().replace('Signed body.', 'Signed b0dy.'));
    const bad = await both(tampered, { ip: '198.51.100.1', helo: 'client.test', sender: 'bounce@elsewhere.test' });
    expect(bad.ours).toBe(bad.theirs);
    expect(bad.ours).toMatch(/dkim=neutral \(body hash did not verify\)|dkim=fail/);
    expect(bad.ours).toMatch(/dmarc=fail/);
    expect(bad.dmarcReject).toBe(true);
  });

  it('matches authenticate for a forged author domain publishing p=reject', async () => {
    const f = await both(plain('ceo@forger.test'), { ip: '198.51.100.1', helo: 'client.test', sender: 'ceo@forger.test' });
    expect(f.ours).toBe(f.theirs);
    expect(f.ours).toMatch(/spf=fail/);
    expect(f.dmarcReject).toBe(true);
  });

  it('answers a repeated sender from the SPF/DMARC memo, with the same header and no DNS lookups', async () => {
    const memo = createAuthMemo();
    const asked: string[] = [];
    const counting: DnsResolve = (name, type) => {
      asked.push(`${type} ${name}`);
      return resolver(name, type);
    };
    const env = { ip: '192.0.2.10', helo: 'mail.good.test', sender: 'a@good.test' };
    const first = await both(plain('a@good.test'), env, memo, counting);
    expect(first.ours).toBe(first.theirs);
    expect(asked).toContain('TXT good.test');
    expect(asked).toContain('TXT _dmarc.good.test');
    asked.length = 0;
    const again = await both(plain('a@good.test', 'Another body.\r\n'), env, memo, counting);
    expect(again.ours).toBe(again.theirs);
    expect(again.ours).toMatch(/spf=pass .*dmarc=pass/s);
    expect(asked).toEqual([]);
    // Another envelope sender or client IP is a new question.
    await both(plain('a@good.test'), { ...env, ip: '198.51.100.7' }, memo, counting);
    expect(asked).toContain('TXT good.test');
  });
});
