// RFC 8601 §5 on the real inbound listener: Authentication-Results fields that arrive carrying our hostname are
// not stored (in memory and for spooled messages over 256 KB); other hosts' fields and look-alike names are
// kept byte for byte; DKIM is verified on the message as received; the Maildir S= is the stored size.
import { generateKeyPairSync } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { dkimSign } from 'mailauth';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataFiles } from '../../src/config/paths.js';
import { authservId, stripHeaderBlock } from '../../src/server/smtp/forged-auth-results.js';
import { verifyWithMailauth } from './dkim-verify.js';
import { startHarness, type Harness } from './harness.js';

const ed = generateKeyPairSync('ed25519');
const edPublic = ed.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');

// Harness hostname: mx.everlock.test.
const FORGED = [
  'Authentication-Results: MX.Everlock.Test 1; dkim=pass header.d=bank.test\r\n',
  'Authentication-Results: (made up) mx.everlock.test;\r\n\tdkim=pass header.d=bank.test;\r\n\tdmarc=pass\r\n',
];
const KEPT = [
  'Authentication-Results: relay.other.test; spf=pass smtp.mailfrom=bob@sender.test\r\n',
  'X-Authentication-Results: mx.everlock.test; dkim=pass\r\n',
  'Authentication-Results: mx.everlock.test.example; dkim=pass\r\n',
  'Authentication-Results: everlock.test; dkim=pass\r\n',
];

function message(id: string, body: string): { raw: Buffer; expected: Buffer } {
  const top = `From: Bob <bob@sender.test>\r\nTo: alice@example.com\r\n`;
  const rest = `Subject: ${id}\r\nMessage-ID: <${id}@sender.test>\r\n\r\n${body}`;
  const raw = Buffer.from(FORGED[0]! + KEPT[0]! + top + KEPT[1]! + FORGED[1]! + KEPT[2]! + KEPT[3]! + rest);
  const expected = Buffer.from(KEPT[0]! + top + KEPT[1]! + KEPT[2]! + KEPT[3]! + rest);
  return { raw, expected };
}

/** The stored file of the message whose text contains `marker`: name, bytes. */
async function storedFile(h: Harness, marker: string): Promise<{ name: string; bytes: Buffer }> {
  const root = dataFiles.mailRoot(h.paths);
  for (const rel of await readdir(root, { recursive: true })) {
    if (!/(^|\/)(new|cur)\/[^/]+,S=\d+/.test(rel)) continue;
    const bytes = await readFile(join(root, rel));
    if (bytes.includes(marker)) return { name: rel, bytes };
  }
  throw new Error(`no stored message with ${marker}`);
}

function arFields(text: string): string[] {
  return text
    .slice(0, text.indexOf('\r\n\r\n') + 2)
    .split(/\r\n(?=\S)/)
    .filter((f) => /^Authentication-Results:/i.test(f));
}

describe('inbound: Authentication-Results in our name', () => {
  let h: Harness;
  const logLines: string[] = [];
  beforeAll(async () => {
    h = await startHarness({
      domains: { 'example.com': 'enabled = true\n' },
      users: { alice: { password: 'secret-alice', toml: 'addresses = ["alice@example.com"]\n' } },
      only: ['smtp'],
      txt: { 'ed._domainkey.sender.test': `v=DKIM1; k=ed25519; p=${edPublic}` },
      logLines,
    });
  });
  afterAll(() => h.stop({ closeStore: true }));

  async function send(raw: Buffer): Promise<void> {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.smtp, secure: false, tls: { rejectUnauthorized: false } });
    try {
      const info = await t.sendMail({ envelope: { from: 'bob@sender.test', to: ['alice@example.com'] }, raw });
      expect(info.accepted).toHaveLength(1);
    } finally {
      t.close();
    }
  }

  async function checkStored(id: string, expected: Buffer): Promise<string> {
    const { name, bytes } = await storedFile(h, `<${id}@sender.test>`);
    const text = bytes.toString('latin1');
    const ar = arFields(text);
    const ours = ar.filter((f) => authservId(f.slice(f.indexOf(':') + 1)) === 'mx.everlock.test');
    expect(ours).toHaveLength(1);
    // Ours is the first Authentication-Results field, and it is the one with our results.
    expect(ar[0]).toBe(ours[0]);
    expect(ours[0]).toMatch(/^Authentication-Results: mx\.everlock\.test;\r\n /);
    expect(text).not.toContain('header.d=bank.test');
    // After the lines we add, the message is the one received minus the two forged fields, byte for byte.
    expect(bytes.subarray(bytes.length - expected.length).equals(expected)).toBe(true);
    expect(bytes.subarray(0, bytes.length - expected.length).toString('latin1')).toMatch(/^Return-Path: [^\r]*\r\nDelivered-To: [^\r]*\r\nReceived: [\s\S]*\r\nAuthentication-Results: mx\.everlock\.test;[\s\S]*\r\n$/);
    // The size in the file name is the stored size.
    expect(Number(/,S=(\d+)/.exec(name)![1])).toBe(bytes.length);
    expect((await stat(join(dataFiles.mailRoot(h.paths), name))).size).toBe(bytes.length);
    const logged = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.messageId === `<${id}@sender.test>` && l.count !== undefined);
    expect(logged).toMatchObject({ count: 2, msg: expect.stringMatching(/Authentication-Results/) });
    return text;
  }

  it('removes them from a message held in memory and keeps other hosts and look-alike names', async () => {
    const { raw, expected } = message('small-1', 'hello\r\n');
    expect(raw.length).toBeLessThan(256 * 1024);
    await send(raw);
    await checkStored('small-1', expected);
  });

  it('removes them from a spooled message over 256 KB, body streamed unchanged', async () => {
    const line = 'x'.repeat(76) + '\r\n';
    const body = Array.from({ length: 4000 }, (_, i) => `${i} ${line}`).join('');
    const { raw, expected } = message('large-1', body);
    expect(raw.length).toBeGreaterThan(300 * 1024);
    await send(raw);
    await checkStored('large-1', expected);
  });

  it('drops Return-Path, Content-Length, Bcc and Resent-Bcc on receipt (Postfix message_drop_headers), in memory and spooled', async () => {
    for (const [id, body] of [
      ['drop-small', 'short body\r\n'],
      ['drop-large', Array.from({ length: 4000 }, (_, i) => `${i} ${'y'.repeat(76)}\r\n`).join('')],
    ] as const) {
      const head = `Return-Path: <forged@elsewhere.test>\r\nFrom: bob@sender.test\r\nContent-Length: 12\r\nBcc: hidden@sender.test,\r\n other@sender.test\r\nResent-Bcc: x@sender.test\r\nSubject: ${id}\r\nMessage-ID: <${id}@sender.test>\r\n\r\n`;
      const kept = `From: bob@sender.test\r\nSubject: ${id}\r\nMessage-ID: <${id}@sender.test>\r\n\r\n${body}`;
      await send(Buffer.from(head + body));
      const { name, bytes } = await storedFile(h, `<${id}@sender.test>`);
      const text = bytes.toString('latin1');
      expect(text.match(/^Return-Path:[^\r]*/gim)).toEqual(['Return-Path: <bob@sender.test>']);
      expect(text).not.toMatch(/^(Content-Length|Bcc|Resent-Bcc):|forged@elsewhere|hidden@sender/im);
      // The rest is the message as received, byte for byte, and the file name's size is the stored size.
      expect(text.endsWith(kept)).toBe(true);
      expect(Number(/,S=(\d+)/.exec(name)![1])).toBe(bytes.length);
    }
  });

  it('verifies DKIM on the message as received, forged field included in the signature', async () => {
    const { raw, expected } = message('signed-1', 'signed body\r\n');
    const pem = ed.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const key = { signingDomain: 'sender.test', selector: 'ed', privateKey: pem, algorithm: 'ed25519-sha256' };
    // mailauth reads headerList as a colon-separated string at run time (an array is ignored), though its types say string[].
    const headerList = 'From:Subject:Message-ID:Authentication-Results' as unknown as string[];
    const { signatures } = await dkimSign(raw, { ...key, canonicalization: 'relaxed/relaxed', headerList, signatureData: [key] });
    expect(signatures).toMatch(/h=[^;]*authentication-results/i);
    const sig = Buffer.from(signatures);
    await send(Buffer.concat([sig, raw]));
    const text = await checkStored('signed-1', Buffer.concat([sig, expected]));
    expect(arFields(text)[0]).toMatch(/dkim=pass header\.i=@sender\.test header\.s=ed/);
    // The signature covers the forged fields: checked after their removal it would have failed.
    const afterRemoval = await verifyWithMailauth(Buffer.concat([sig, expected]), { 'ed._domainkey.sender.test': `v=DKIM1; k=ed25519; p=${edPublic}` });
    expect(afterRemoval.map((r) => r.result)).toEqual(['fail']);
  });

  it('stores a message without such fields unchanged and logs nothing about them', async () => {
    const raw = Buffer.from(KEPT.join('') + 'From: bob@sender.test\r\nSubject: clean\r\nMessage-ID: <clean-1@sender.test>\r\n\r\nclean\r\n');
    await send(raw);
    const { bytes } = await storedFile(h, '<clean-1@sender.test>');
    expect(bytes.subarray(bytes.length - raw.length).equals(raw)).toBe(true);
    expect(arFields(bytes.toString('latin1'))).toHaveLength(4);
    expect(logLines.some((l) => l.includes('clean-1@sender.test') && l.includes('"count"'))).toBe(false);
  });
});

describe('authservId / stripHeaderBlock', () => {
  it('reads the authserv-id case-insensitively, without version or comments', () => {
    expect(authservId(' MX.example.COM 1; none')).toBe('mx.example.com');
    expect(authservId(' (c) mx.example.com.;dkim=pass')).toBe('mx.example.com');
    expect(authservId(' "mx.example.com" ; none')).toBe('mx.example.com');
    expect(authservId(' vm.example; none')).toBe('vm.example');
  });

  it('removes only whole fields named Authentication-Results with our id', () => {
    const block = Buffer.from('Authentication-Results: vm; dkim=pass\r\n\tmore\r\nX-Authentication-Results: vm; dkim=pass\r\nAuthentication-Results: vm.example; a\r\nauthentication-results :vm;none\r\nSubject: s\r\n');
    const r = stripHeaderBlock(block, 'VM');
    expect(r.removed).toBe(2);
    expect(r.block.toString()).toBe('X-Authentication-Results: vm; dkim=pass\r\nAuthentication-Results: vm.example; a\r\nSubject: s\r\n');
    const none = stripHeaderBlock(Buffer.from('Subject: s\r\n'), 'vm');
    expect(none.removed).toBe(0);
  });
});
