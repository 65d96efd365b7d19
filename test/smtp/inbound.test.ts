// Inbound SMTP (MX) against the real listener: swaks and nodemailer deliver into the Maildir with trace and
// Authentication-Results headers; unknown users, relaying, oversize and rate limits get their codes; idle
// clients are disconnected.
import { execa } from 'execa';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import { WireClient } from './wire.js';

const DOMAIN = 'enabled = true\n';

describe('inbound SMTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      domains: { 'example.com': DOMAIN },
      users: { alice: { password: 'secret-alice', toml: 'addresses = ["alice@example.com"]\n' } },
      only: ['smtp'],
      server: { limits: { maxMessageBytes: 200_000 } },
    });
  });
  afterAll(() => h.stop({ closeStore: true }));

  it('advertises the ESMTP extensions', async () => {
    const c = await WireClient.open(h.ports.smtp!);
    const greeting = await c.reply();
    expect(greeting.code).toBe(220);
    // One ESMTP keyword, then the name (smtp-server adds the keyword itself).
    expect(greeting.text).toMatch(/^220 \S+ ESMTP everlock$/);
    const ehlo = await c.cmd('EHLO client.test');
    for (const ext of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'SIZE 200000', 'STARTTLS']) expect(ehlo.text).toContain(ext);
    expect(ehlo.text).not.toContain('AUTH');
    c.close();
  });

  it('accepts mail from swaks into the Maildir with trace and Authentication-Results headers', async () => {
    const r = await execa('swaks', ['--server', '127.0.0.1', '--port', String(h.ports.smtp), '--from', 'bob@sender.test', '--to', 'alice@example.com', '--header', 'Subject: via swaks', '--body', 'hello from swaks', '--helo', 'client.test'], { reject: false });
    expect(r.exitCode, r.stdout).toBe(0);
    const msgs = await h.messages('alice@example.com');
    expect(msgs).toHaveLength(1);
    const m = msgs[0]!;
    expect(m).toMatch(/^Return-Path: <bob@sender\.test>\r\n/);
    expect(m).toContain('Delivered-To: alice@example.com\r\n');
    expect(m).toMatch(/Received: from client\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.everlock\.test/);
    expect(m).toMatch(/Authentication-Results: mx\.everlock\.test;[\s\S]*spf=/);
    expect(m.match(/^Authentication-Results:/gim)).toHaveLength(1);
    expect(m).toContain('hello from swaks');
  });

  it('accepts mail from nodemailer', async () => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: h.ports.smtp, secure: false, tls: { rejectUnauthorized: false } });
    const info = await t.sendMail({ from: 'carol@sender.test', to: 'Alice@Example.com', subject: 'via nodemailer', text: 'hello from nodemailer' });
    expect(info.accepted).toHaveLength(1);
    const msgs = await h.messages('alice@example.com');
    expect(msgs.some((m) => m.includes('hello from nodemailer') && m.includes('Authentication-Results: mx.everlock.test'))).toBe(true);
    t.close();
  });

  it('refuses unknown users, relaying and oversized messages with enhanced codes', async () => {
    const c = await WireClient.open(h.ports.smtp!);
    await c.reply();
    await c.cmd('EHLO client.test');
    expect((await c.cmd('MAIL FROM:<x@sender.test>')).code).toBe(250);
    expect((await c.cmd('RCPT TO:<nobody@example.com>')).text).toMatch(/^550 5\.1\.1 /);
    expect((await c.cmd('RCPT TO:<someone@elsewhere.test>')).text).toMatch(/^550 5\.7\.1 Relaying denied/);
    await c.cmd('RSET');
    expect((await c.cmd('MAIL FROM:<x@sender.test> SIZE=300000')).text).toMatch(/^552 5\.3\.4 /);
    await c.cmd('MAIL FROM:<x@sender.test>');
    expect((await c.cmd('RCPT TO:<alice@example.com>')).code).toBe(250);
    expect((await c.cmd('DATA')).code).toBe(354);
    c.write('Subject: big\r\n\r\n' + ('x'.repeat(998) + '\r\n').repeat(250) + '.\r\n');
    expect((await c.reply()).text).toMatch(/^552 5\.3\.4 /);
    c.close();
    const swaks = await execa('swaks', ['--server', '127.0.0.1', '--port', String(h.ports.smtp), '--from', 'bob@sender.test', '--to', 'ghost@example.com'], { reject: false });
    expect(swaks.exitCode).not.toBe(0);
    expect(swaks.stdout).toMatch(/<\*\* 550 5\.1\.1/);
  });

  it('limits recipients per message', async () => {
    const c = await WireClient.open(h.ports.smtp!);
    await c.reply();
    await c.cmd('EHLO client.test');
    await c.cmd('MAIL FROM:<x@sender.test>');
    for (let i = 0; i < 100; i++) expect((await c.cmd('RCPT TO:<alice@example.com>')).code).toBe(250);
    expect((await c.cmd('RCPT TO:<alice@example.com>')).text).toMatch(/^452 4\.5\.3 /);
    c.close();
  });
});

describe('inbound rate limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      domains: { 'example.com': DOMAIN },
      users: { alice: { password: 'pw', toml: 'addresses = ["alice@example.com"]\n' } },
      only: ['smtp'],
      server: { limits: { smtpConnectionsPerIp: 2, smtpMessagesPerIpPerMinute: 2, smtpCommandsPerIpPerMinute: 30 } },
    });
  });
  afterAll(() => h.stop({ closeStore: true }));

  it('limits connections per IP with 421 4.7.0', async () => {
    const a = await WireClient.open(h.ports.smtp!);
    const b = await WireClient.open(h.ports.smtp!);
    expect((await a.reply()).code).toBe(220);
    expect((await b.reply()).code).toBe(220);
    const c = await WireClient.open(h.ports.smtp!);
    expect((await c.reply()).text).toMatch(/^421 4\.7\.0 /);
    a.close();
    b.close();
    c.close();
  });

  it('limits messages per IP per minute with 450 4.7.1, then commands with 421 4.7.0', async () => {
    await new Promise((r) => setTimeout(r, 100));
    const c = await WireClient.open(h.ports.smtp!);
    await c.reply();
    await c.cmd('EHLO client.test');
    expect((await c.cmd('MAIL FROM:<x@sender.test>')).code).toBe(250);
    await c.cmd('RSET');
    expect((await c.cmd('MAIL FROM:<x@sender.test>')).code).toBe(250);
    await c.cmd('RSET');
    expect((await c.cmd('MAIL FROM:<x@sender.test>')).text).toMatch(/^450 4\.7\.1 /);
    let last = await c.cmd('NOOP');
    for (let i = 0; i < 40 && last.code === 250; i++) last = await c.cmd('NOOP');
    expect(last.text).toMatch(/^421 4\.7\.0 /);
    c.close();
  });
});

describe('inbound idle timeout', () => {
  it('closes an idle connection with 421', async () => {
    const h = await startHarness({ only: ['smtp'], domains: { 'example.com': DOMAIN }, modules: { socketTimeoutMs: 300 } });
    try {
      const c = await WireClient.open(h.ports.smtp!);
      await c.reply();
      await c.cmd('EHLO client.test');
      const started = Date.now();
      expect((await c.reply(3000)).text).toMatch(/^421 /);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      await new Promise((r) => setTimeout(r, 100));
      expect(c.isClosed).toBe(true);
    } finally {
      await h.stop({ closeStore: true });
    }
  });
});

describe('inbound with no domain configured', () => {
  it('refuses everything by default and accepts anything in bootstrap mode', async () => {
    const closed = await startHarness({ only: ['smtp'] });
    const open = await startHarness({ only: ['smtp'], server: { acceptAnyRecipient: true } });
    try {
      const c = await WireClient.open(closed.ports.smtp!);
      await c.reply();
      await c.cmd('EHLO client.test');
      await c.cmd('MAIL FROM:<x@sender.test>');
      expect((await c.cmd('RCPT TO:<anyone@anywhere.test>')).text).toMatch(/^550 5\.7\.1 /);
      c.close();

      const swaks = await execa('swaks', ['--server', '127.0.0.1', '--port', String(open.ports.smtp), '--from', 'x@sender.test', '--to', 'anyone@anywhere.test', '--body', 'bootstrap'], { reject: false });
      expect(swaks.exitCode, swaks.stdout).toBe(0);
      const msgs = await open.messages('anyone@anywhere.test');
      expect(msgs).toHaveLength(1);
      expect(msgs[0]).toContain('bootstrap');
    } finally {
      await closed.stop({ closeStore: true });
      await open.stop({ closeStore: true });
    }
  });
});
