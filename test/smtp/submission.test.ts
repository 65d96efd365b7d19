// Submission (587 STARTTLS, 465 TLS) against the real listeners: a local and a remote recipient, the remote
// copy arriving at a loopback "remote MX" through a static route, DKIM-signed with Ed25519 and RSA and both
// signatures verified by mailauth and by Debian's dkimverify; spoofing, plaintext AUTH and brute force refused.
import { readFile } from 'node:fs/promises';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dkimTxtValue, generateDkimKey, writeDkimKey, dkimKeyPath } from '../../src/dkim/keys.js';
import { eventually, startHarness, type Harness } from './harness.js';
import { startRemoteMx, type RemoteMx } from './remote-mx.js';
import { verifyWithDkimverify, verifyWithMailauth } from './dkim-verify.js';
import { WireClient } from './wire.js';
import { tempDir } from '../support/tmp.js';

describe('submission', () => {
  let h: Harness;
  let mx: RemoteMx;
  let txt: Record<string, string>;

  beforeAll(async () => {
    mx = await startRemoteMx();
    const home = await tempDir('everlock-sub-');
    const paths = { config: home, data: home };
    await writeDkimKey(paths, 'example.com', 'default', await generateDkimKey('ed25519'));
    await writeDkimKey(paths, 'example.com', 'default-rsa', await generateDkimKey('rsa'));
    txt = {
      'default._domainkey.example.com': dkimTxtValue(await readFile(dkimKeyPath(paths, 'example.com', 'default'), 'utf8')),
      'default-rsa._domainkey.example.com': dkimTxtValue(await readFile(dkimKeyPath(paths, 'example.com', 'default-rsa'), 'utf8')),
    };
    h = await startHarness({
      home,
      domains: { 'example.com': 'enabled = true\n[outbound]\nhostname = "mail.example.com"\n[outbound.dkim]\nenabled = true\n' },
      users: {
        alice: { password: 'alice-pw', toml: 'addresses = ["alice@example.com"]\n' },
        bob: { password: 'bob-pw', toml: 'addresses = ["bob@example.com"]\n' },
      },
      server: { routes: new Map([['remote.test', `127.0.0.1:${mx.port}`]]) },
    });
  });
  afterAll(async () => {
    await h.stop({ closeStore: true });
    await mx.close();
  });

  const transport = (port: number, secure: boolean, user = 'alice', pass = 'alice-pw') =>
    nodemailer.createTransport({ host: '127.0.0.1', port, secure, requireTLS: !secure, auth: { user, pass }, tls: { rejectUnauthorized: false } });

  it('delivers locally and remotely, signed with Ed25519 and RSA, with a copy in Sent', async () => {
    const t = transport(h.ports.submission!, false);
    const info = await t.sendMail({ from: 'Alice <alice@example.com>', to: ['bob@example.com', 'carol@remote.test'], subject: 'Hello both', text: 'Greetings\n\nfrom alice\n' });
    t.close();
    expect(info.accepted).toHaveLength(2);

    const bobs = await h.messages('bob@example.com');
    expect(bobs).toHaveLength(1);
    expect(bobs[0]).toContain('Subject: Hello both');

    const sent = await eventually(async () => {
      const mb = await h.store.mailbox({ domain: 'example.com', local: 'alice' });
      const f = await mb.openFolder('Sent');
      const st = await f.sync();
      f.release();
      return st.messages.length ? st.messages : undefined;
    });
    expect(sent[0]!.flags).toContain('\\Seen');

    const remote = await eventually(async () => mx.received[0]);
    expect(remote.to).toEqual(['carol@remote.test']);
    expect(remote.from).toBe('alice@example.com');
    const raw = remote.data.toString('latin1');
    expect(raw.match(/^DKIM-Signature:/gim)).toHaveLength(2);
    expect(raw).toMatch(/a=ed25519-sha256/);
    expect(raw).toMatch(/a=rsa-sha256/);
    expect(raw).toMatch(/Message-ID: <[^>]+@/i);

    const ma = await verifyWithMailauth(remote.data, txt);
    expect(ma.map((r) => [r.selector, r.result]).sort()).toEqual([
      ['default', 'pass'],
      ['default-rsa', 'pass'],
    ]);
    expect(await verifyWithDkimverify(remote.data, txt)).toEqual([true, true]);
  });

  it('adds Message-ID (outbound hostname) and Date when missing, signed over them; logs in with AUTH LOGIN', async () => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.submission, requireTLS: true, authMethod: 'LOGIN', auth: { user: 'alice', pass: 'alice-pw' }, tls: { rejectUnauthorized: false } });
    // `raw` goes out as written: no Message-ID or Date from the client.
    await t.sendMail({ envelope: { from: 'alice@example.com', to: ['carol@remote.test'] }, raw: 'From: alice@example.com\r\nTo: carol@remote.test\r\nSubject: bare\r\n\r\nno id, no date\r\n' });
    t.close();
    const got = await eventually(async () => mx.received.find((r) => r.data.toString().includes('Subject: bare')));
    const raw = got.data.toString('latin1');
    expect(raw).toMatch(/^Message-ID: <[^>\s]+@mail\.example\.com>\r\n/m);
    expect(raw).toMatch(/^Date: \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r\n/m);
    expect(raw.match(/^Message-ID:/gim)).toHaveLength(1);
    expect((await verifyWithMailauth(got.data, txt)).map((r) => r.result)).toEqual(['pass', 'pass']);
  });

  it('removes Bcc, Resent-Bcc, Return-Path and Content-Length from what recipients get, signed without them; Sent keeps Bcc', async () => {
    const t = transport(h.ports.submission!, false);
    const raw = [
      'From: alice@example.com',
      'To: bob@example.com',
      'Bcc: carol@remote.test,',
      ' dave@remote.test',
      'Resent-Bcc: erin@remote.test',
      'Return-Path: <forged@elsewhere.test>',
      'Content-Length: 3',
      'Subject: blind copies',
      '',
      'who else got this?',
      '',
    ].join('\r\n');
    await t.sendMail({ envelope: { from: 'alice@example.com', to: ['bob@example.com', 'carol@remote.test'] }, raw });
    t.close();
    const bob = (await h.messages('bob@example.com')).find((m) => m.includes('Subject: blind copies'))!;
    const remote = await eventually(async () => mx.received.find((r) => r.data.toString().includes('Subject: blind copies')));
    for (const copy of [bob, remote.data.toString('latin1')]) {
      expect(copy).not.toMatch(/^(Bcc|Resent-Bcc|Content-Length):/im);
      expect(copy).not.toMatch(/dave@remote\.test|erin@remote\.test|forged@elsewhere/);
      expect(copy).toMatch(/who else got this\?/);
    }
    expect(bob.match(/^Return-Path:/gim)).toEqual(['Return-Path:']);
    expect((await verifyWithMailauth(remote.data, txt)).map((r) => r.result)).toEqual(['pass', 'pass']);
    const sent = await eventually(async () => (await h.messages('alice@example.com', 'Sent')).find((m) => m.includes('Subject: blind copies')));
    expect(sent).toMatch(/^Bcc: carol@remote\.test,\r\n dave@remote\.test\r\n/m);
    expect(sent).toMatch(/^Resent-Bcc: erin@remote\.test\r\n/m);
    expect(sent).not.toMatch(/forged@elsewhere|^Content-Length:/im);
  });

  it('accepts submission over implicit TLS (465)', async () => {
    const t = transport(h.ports.submissions!, true, 'bob', 'bob-pw');
    const info = await t.sendMail({ from: 'bob@example.com', to: 'alice@example.com', subject: 'over 465', text: 'tls' });
    t.close();
    expect(info.accepted).toEqual(['alice@example.com']);
    expect((await h.messages('alice@example.com')).some((m) => m.includes('over 465'))).toBe(true);
  });

  it('refuses a spoofed envelope sender at MAIL FROM and a spoofed From header after DATA', async () => {
    const t = transport(h.ports.submission!, false);
    await expect(t.sendMail({ envelope: { from: 'bob@example.com', to: 'carol@remote.test' }, from: 'alice@example.com', to: 'carol@remote.test', text: 'x' })).rejects.toMatchObject({
      command: 'MAIL FROM',
      responseCode: 550,
      response: expect.stringMatching(/^550 5\.7\.1 /),
    });
    await expect(t.sendMail({ envelope: { from: 'alice@example.com', to: 'carol@remote.test' }, from: 'bob@example.com', to: 'carol@remote.test', text: 'x' })).rejects.toMatchObject({
      responseCode: 550,
      response: expect.stringMatching(/^550 5\.7\.1 /),
    });
    // A Sender header names who sent it: it may not be someone else either.
    await expect(t.sendMail({ envelope: { from: 'alice@example.com', to: 'carol@remote.test' }, from: 'alice@example.com', sender: 'bob@example.com', to: 'carol@remote.test', text: 'x' })).rejects.toMatchObject({
      responseCode: 550,
      response: expect.stringMatching(/^550 5\.7\.1 .*<bob@example\.com> in Sender/),
    });
    t.close();
  });

  it('does not offer or accept AUTH on a plain connection', async () => {
    const c = await WireClient.open(h.ports.submission!);
    await c.reply();
    const ehlo = await c.cmd('EHLO client.test');
    expect(ehlo.text).toContain('STARTTLS');
    expect(ehlo.text).not.toMatch(/AUTH/);
    const auth = await c.cmd(`AUTH PLAIN ${Buffer.from('\0alice\0alice-pw').toString('base64')}`);
    expect(auth.code).toBeGreaterThanOrEqual(500);
    expect(auth.code).not.toBe(235);
    expect((await c.cmd('MAIL FROM:<alice@example.com>')).text).toMatch(/^530 5\.7\.0 /);
    c.close();
  });

  it('locks an IP out after 5 failed logins, even for the right password', async () => {
    for (let i = 0; i < 5; i++) {
      const bad = transport(h.ports.submission!, false, 'alice', 'wrong');
      await expect(bad.verify()).rejects.toMatchObject({ responseCode: 535 });
      bad.close();
    }
    const good = transport(h.ports.submission!, false);
    await expect(good.verify()).rejects.toMatchObject({ responseCode: 535, response: expect.stringMatching(/^535 5\.7\.8 /) });
    good.close();
  });
});
