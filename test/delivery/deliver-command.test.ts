// `everlock deliver` as Postfix/fetchmail call it: message on stdin, sysexits codes.
import { describe, expect, it, beforeAll } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { text as streamText } from 'node:stream/consumers';
import { everlock } from '../support/cli.js';
import { openMailStore } from '../../src/maildir/index.js';
import { writeHome } from '../smtp/harness.js';
import { tempDir } from '../support/tmp.js';

const MSG = 'From: bob@example.org\r\nTo: alice@example.com\r\nSubject: via deliver\r\nMessage-ID: <d1@example.org>\r\n\r\nhello\r\n';
const RULES = '[[rule]]\nid = "rule-no-ads"\nsubject_contains = "ADS"\naction = { type = "reject", message = "no ads" }\n';

describe('everlock deliver', () => {
  let home: string;
  beforeAll(async () => {
    home = await tempDir('everlock-deliver-');
    await writeHome(home, { domains: { 'example.com': 'enabled = true\n' }, users: { alice: { password: 'pw', toml: 'addresses = ["alice@example.com"]\n' } }, rules: RULES });
  });

  const messages = async (folder: string) => {
    const store = openMailStore({ root: join(home, 'mail'), watch: false });
    try {
      const f = await (await store.mailbox({ domain: 'example.com', local: 'alice' })).openFolder(folder);
      const n = (await f.sync()).messages.length;
      f.release();
      return n;
    } finally {
      await store.close();
    }
  };

  it('delivers into the INBOX (exit 0) and into --folder', async () => {
    const r = await everlock(['deliver', '--home', home, '--to', 'alice@example.com', '--from', 'bob@example.org'], { input: MSG });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(await messages('INBOX')).toBe(1);
    const f = await everlock(['deliver', '--home', home, '--to', 'alice@example.com', '--folder', 'Lists'], { input: MSG.replace(/\r\n/g, '\n') });
    expect(f.exitCode, String(f.stderr)).toBe(0);
    expect(await messages('Lists')).toBe(1);
  });

  it('takes the envelope sender from the Return-Path field when --from is not given, and stores one Return-Path', async () => {
    const stored = async (id: string): Promise<string> => {
      const store = openMailStore({ root: join(home, 'mail'), watch: false });
      try {
        const f = await (await store.mailbox({ domain: 'example.com', local: 'alice' })).openFolder('INBOX');
        try {
          for (const m of (await f.sync()).messages) {
            const text = await streamText(await f.read(m.uid));
            if (text.includes(`<${id}@example.org>`)) return text;
          }
        } finally {
          f.release();
        }
      } finally {
        await store.close();
      }
      throw new Error(`${id} not stored`);
    };
    const withRp = (id: string) => `Return-Path: <bounce-${id}@example.org>\r\n` + MSG.replace('<d1@example.org>', `<${id}@example.org>`);
    const a = await everlock(['deliver', '--home', home, '--to', 'alice@example.com'], { input: withRp('rp1') });
    expect(a.exitCode, String(a.stderr)).toBe(0);
    expect((await stored('rp1')).match(/^Return-Path:[^\r]*/gim)).toEqual(['Return-Path: <bounce-rp1@example.org>']);
    const b = await everlock(['deliver', '--home', home, '--to', 'alice@example.com', '--from', 'given@example.org'], { input: withRp('rp2') });
    expect(b.exitCode, String(b.stderr)).toBe(0);
    expect((await stored('rp2')).match(/^Return-Path:[^\r]*/gim)).toEqual(['Return-Path: <given@example.org>']);
  });

  it('exits 75 (try again later) when the user file\'s quota is full, without any IMAP login first', async () => {
    const small = await tempDir('everlock-deliver-quota-');
    await writeHome(small, { domains: { 'example.com': 'enabled = true\n' }, users: { alice: { password: 'pw', toml: 'addresses = ["alice@example.com"]\nquota = 300\n' } } });
    const first = await everlock(['deliver', '--home', small, '--to', 'alice@example.com'], { input: MSG });
    expect(first.exitCode, String(first.stderr)).toBe(0);
    const second = await everlock(['deliver', '--home', small, '--to', 'alice@example.com'], { input: MSG });
    expect(second.exitCode).toBe(75);
  });

  it('exits 67 for an unknown recipient', async () => {
    const r = await everlock(['deliver', '--home', home, '--to', 'nobody@example.com'], { input: MSG });
    expect(r.exitCode).toBe(67);
    expect(r.stderr).toMatch(/no such local recipient/);
  });

  it('exits 65 for input that is not a message', async () => {
    const r = await everlock(['deliver', '--home', home, '--to', 'alice@example.com'], { input: '' });
    expect(r.exitCode).toBe(65);
  });

  it('exits 77 when a rule refuses it', async () => {
    const r = await everlock(['deliver', '--home', home, '--to', 'alice@example.com'], { input: MSG.replace('via deliver', 'ADS inside') });
    expect(r.exitCode).toBe(77);
  });

  it('exits 75 when the Maildir cannot be written', async () => {
    const broken = await tempDir('everlock-deliver-broken-');
    await writeHome(broken, { domains: { 'example.com': 'enabled = true\n' }, users: { alice: { password: 'pw', toml: 'addresses = ["alice@example.com"]\n' } } });
    // A file where the mail directory should be: every write under it fails (even for root).
    await writeFile(join(broken, 'mail'), 'not a directory');
    const r = await everlock(['deliver', '--home', broken, '--to', 'alice@example.com'], { input: MSG });
    expect(r.exitCode, String(r.stderr)).toBe(75);
  });
});
