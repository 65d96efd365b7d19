// `dkim keygen|rotate|show`, `dns zone` and `mail domains remove` through the built CLI. Each test works on its
// own domain, so they run concurrently.
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { Home } from './helpers.js';
import { splitTxt } from '../../src/dns/zone.js';

let home: Home;
const domainDoc = async (d: string): Promise<Record<string, unknown>> => parse(await home.read(`domains/${d}.toml`));
/** The value at a dotted path of a parsed TOML document. */
const pick = (doc: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined), doc);

beforeAll(async () => {
  home = await Home.init();
  await home.ok('mail', 'domains', 'create', 'example.com');
});

describe.concurrent('dkim keygen, rotate, show', () => {
  it('rotate signs with dated selectors and keeps the old ones published; show prints every TXT record', async () => {
    await home.ok('mail', 'domains', 'create', 'rot.example');
    await home.ok('dkim', 'rotate', 'rot.example');
    const doc = await domainDoc('rot.example');
    const selector = String(pick(doc, 'outbound.dkim.selector'));
    const rsaSelector = String(pick(doc, 'outbound.dkim.rsa_selector'));
    expect(selector).toMatch(/^\d{8}$/);
    expect(rsaSelector).toBe(`${selector}-rsa`);
    expect(pick(doc, 'outbound.dkim.published')).toEqual(['default', 'default-rsa']);
    const show = JSON.parse(await home.ok('dkim', 'show', 'rot.example', '--json')) as { selectors: { selector: string; role: string; value: string }[] };
    expect(show.selectors.map((s) => [s.selector, s.role])).toEqual([
      [selector, 'signing'],
      [rsaSelector, 'signing'],
      ['default', 'published'],
      ['default-rsa', 'published'],
    ]);
    // A second rotation the same day gets a fresh name.
    await home.ok('dkim', 'rotate', 'rot.example');
    expect(pick(await domainDoc('rot.example'), 'outbound.dkim.selector')).toBe(`${selector}-2`);
    // Dropping the old selectors.
    await home.ok('mail', 'domains', 'set', 'rot.example', 'dkim_published=');
    expect(pick(await domainDoc('rot.example'), 'outbound.dkim.published')).toBeUndefined();
  });

  it('keygen makes a new selector the signing one and keeps the replaced one published', async () => {
    await home.ok('mail', 'domains', 'create', 'kg.example');
    const out = await home.ok('dkim', 'keygen', 'kg.example', '--algo', 'rsa', '--selector', 'mail2026');
    expect(out).toMatch(/^publish: mail2026\._domainkey\.kg\.example\. TXT "v=DKIM1; k=rsa; p=/m);
    const doc = await domainDoc('kg.example');
    expect([pick(doc, 'outbound.dkim.rsa_selector'), pick(doc, 'outbound.dkim.published')]).toEqual(['mail2026', ['default-rsa']]);
    expect((await stat(join(home.dir, 'keys/dkim/kg.example/mail2026.pem'))).mode & 0o777).toBe(0o600);
    expect((await home.run('dkim', 'keygen', 'kg.example', '--algo', 'rsa', '--selector', 'mail2026')).exitCode).toBe(1);
    await home.ok('dkim', 'keygen', 'kg.example', '--algo', 'rsa', '--selector', 'mail2026', '--force');
  });

  it('a message signed with the keys verifies against the TXT values dkim show prints', async () => {
    await home.ok('mail', 'domains', 'create', 'sig.example');
    const show = JSON.parse(await home.ok('dkim', 'show', 'sig.example', '--json')) as { selectors: { selector: string; name: string; value: string; type: string; file: string }[] };
    const keys = await Promise.all(show.selectors.map(async (s) => ({ ...s, pem: await readFile(s.file, 'utf8') })));
    const message = Buffer.from('From: a@sig.example\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nbody\r\n');
    const options = {
      signingDomain: 'sig.example',
      selector: keys[0]?.selector ?? '',
      privateKey: keys[0]?.pem ?? '',
      signatureData: keys.map((k) => ({ signingDomain: 'sig.example', selector: k.selector, privateKey: k.pem, algorithm: k.type === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256' })),
    };
    const signed = await dkimSign(message, options);
    const txt = new Map(keys.map((k) => [k.name, splitTxt(k.value)]));
    const resolver = async (name: string): Promise<string[][]> => {
      const v = txt.get(name);
      if (!v) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return [v];
    };
    const result = await dkimVerify(Buffer.concat([Buffer.from(signed.signatures), message]), { resolver });
    expect(result.results.map((r) => r.status.result)).toEqual(['pass', 'pass']);
  });
});

describe.concurrent('dns zone', () => {
  it('prints a fragment that named-checkzone accepts behind an SOA and NS', async () => {
    const out = await home.ok('dns', 'zone', 'example.com', '--ip', '192.0.2.10');
    expect(out).toContain('mail.example.com.\t3600\tIN\tA\t192.0.2.10');
    expect(out).toMatch(/^default-rsa\._domainkey\.example\.com\.\t3600\tIN\tTXT\t"v=DKIM1; k=rsa; p=[^"]+" "[^"]+"$/m);
    const file = join(home.dir, '..', 'example.com.zone');
    await writeFile(file, `$TTL 3600\nexample.com. IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 3600\nexample.com. IN NS ns1.example.com.\nns1.example.com. IN A 192.0.2.53\n${out}\n`);
    const check = await execa('named-checkzone', ['example.com', file], { reject: false });
    expect(check.stdout).toMatch(/OK$/);
    expect(check.exitCode).toBe(0);
  });

  it('--format json lists the records', async () => {
    const records = JSON.parse(await home.ok('dns', 'zone', 'example.com', '--format', 'json', '--ip6', '2001:db8::10')) as { name: string; type: string; value: string }[];
    expect(records.find((r) => r.type === 'AAAA')).toMatchObject({ name: 'mail.example.com.', value: '2001:db8::10' });
    expect(records.filter((r) => r.type === 'SRV').map((r) => r.name)).toEqual(['_imaps._tcp.example.com.', '_imap._tcp.example.com.', '_submission._tcp.example.com.', '_submissions._tcp.example.com.']);
  });
});

describe('mail domains remove', () => {
  it('removes the file, keeps the keys, and commits', async () => {
    await home.ok('mail', 'domains', 'create', 'gone.example');
    const subjects = await home.subjects();
    await home.ok('mail', 'domains', 'remove', 'gone.example');
    await expect(stat(join(home.dir, 'domains/gone.example.toml'))).rejects.toThrow();
    expect((await stat(join(home.dir, 'keys/dkim/gone.example/default.pem'))).isFile()).toBe(true);
    expect(await home.subjects()).toContain('domains: remove gone.example');
    expect((await home.subjects()).length).toBeGreaterThan(subjects.length);
  });
});
