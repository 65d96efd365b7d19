// `mail domains` and `mail aliases` through the built CLI: the files they write, the commits they make and the
// DKIM key files' modes.
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { Home } from './helpers.js';

let home: Home;
const domainDoc = async (d = 'example.com'): Promise<Record<string, unknown>> => parse(await home.read(`domains/${d}.toml`));
/** The value at a dotted path of a parsed TOML document. */
const pick = (doc: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined), doc);

beforeAll(async () => {
  home = await Home.init();
  await home.ok('mail', 'domains', 'create', 'example.com');
  await home.ok('users', 'add', 'alice');
});

describe('mail domains create', () => {
  it('writes the SPEC §3 shape and commits it', async () => {
    expect(await domainDoc()).toEqual({
      enabled: true,
      submission: { enabled: true, auth: 'authenticated' },
      outbound: { hostname: 'mail.example.com', dkim: { enabled: true, selector: 'default', rsa_selector: 'default-rsa' } },
      inbound: { reject_dmarc_failures: false },
    });
    expect(await home.subjects()).toContain('domains: create example.com');
  });

  it('generates both DKIM keys, mode 0600 in a 0700 directory, not tracked by git', async () => {
    const dir = join(home.dir, 'keys/dkim/example.com');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    for (const f of ['default.pem', 'default-rsa.pem']) expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);
    expect(await home.git('ls-files')).not.toMatch(/keys|\.pem/);
    expect(await home.git('status', '--porcelain')).toBe('');
    const ignored = await execa('git', ['check-ignore', 'keys/dkim/example.com/default.pem'], { cwd: home.dir, reject: false });
    expect(ignored.exitCode).toBe(0);
  });

  it('--no-dkim writes no keys and leaves signing off; list shows both', async () => {
    await home.ok('mail', 'domains', 'create', 'example.org', '--no-dkim', '--hostname', 'mx.example.org');
    expect((await domainDoc('example.org')).outbound).toEqual({ hostname: 'mx.example.org', dkim: { enabled: false, selector: 'default', rsa_selector: 'default-rsa' } });
    await expect(stat(join(home.dir, 'keys/dkim/example.org'))).rejects.toThrow();
    const list = JSON.parse(await home.ok('mail', 'domains', 'list', '--json')) as { name: string; dkim: { enabled: boolean } }[];
    expect(list.map((d) => [d.name, d.dkim.enabled])).toEqual([
      ['example.com', true],
      ['example.org', false],
    ]);
    expect(await home.ok('mail', 'domains', 'list')).toMatch(/^example\.org\t.*dkim=off/m);
  });
});

describe('mail domains set', () => {
  // Every key, set one way and then back, each in one invocation: [key=value, where it lands, expected].
  const fields: [on: string, off: string, at: string, onValue: unknown, offValue: unknown][] = [
    ['submission=off', 'submission=on', 'submission.enabled', false, true],
    ['auth=off', 'auth=on', 'submission.auth', 'none', 'authenticated'],
    ['dkim=off', 'dkim=on', 'outbound.dkim.enabled', false, true],
    ['hostname=MX1.example.com', 'hostname=', 'outbound.hostname', 'mx1.example.com', undefined],
    ['catch_all=alice', 'catch_all=', 'catch_all', 'alice', undefined],
    ['relay=smtp://user:pw@smtp.provider.example:587', 'relay=', 'outbound.relay', 'smtp://user:pw@smtp.provider.example:587', undefined],
    ['tls_verify=off', 'tls_verify=', 'outbound.tls_verify', false, undefined],
    ['mx_override=127.0.0.1:2525,[::1]:2526', 'mx_override=', 'mx_override', ['127.0.0.1:2525', '[::1]:2526'], undefined],
    ['reject_dmarc=on', 'reject_dmarc=off', 'inbound.reject_dmarc_failures', true, false],
    ['dkim_published=old1,old2', 'dkim_published=', 'outbound.dkim.published', ['old1', 'old2'], undefined],
    ['enabled=off', 'enabled=on', 'enabled', false, true],
  ];

  it('sets every key', async () => {
    await home.ok('mail', 'domains', 'set', 'example.com', ...fields.map((f) => f[0]));
    const doc = await domainDoc();
    expect(fields.map((f) => [f[0], pick(doc, f[2])])).toEqual(fields.map((f) => [f[0], f[3]]));
    expect((await home.subjects())[0]).toBe(`domains: set example.com ${fields.map((f) => (f[0].startsWith('relay=') ? 'relay=…' : f[0])).join(' ')}`);
  });

  it('sets every key back (empty values clear)', async () => {
    await home.ok('mail', 'domains', 'set', 'example.com', ...fields.map((f) => f[1]));
    const doc = await domainDoc();
    expect(fields.map((f) => [f[1], pick(doc, f[2])])).toEqual(fields.map((f) => [f[1], f[4]]));
  });

  it('dkim=on on a domain without keys generates them', async () => {
    await home.ok('mail', 'domains', 'create', 'keys-later.example', '--no-dkim');
    const out = await home.ok('mail', 'domains', 'set', 'keys-later.example', 'dkim=on');
    expect(out).toContain('generated DKIM ed25519 key');
    for (const f of ['default.pem', 'default-rsa.pem']) expect((await stat(join(home.dir, 'keys/dkim/keys-later.example', f))).mode & 0o777).toBe(0o600);
  });
});

describe('mail aliases', () => {
  it('adds, extends, lists and removes aliases in the domain file', async () => {
    expect(await home.ok('mail', 'aliases', 'add', 'Sales@Example.com', 'alice', 'bob@example.net')).toBe('sales@example.com -> alice, bob@example.net');
    expect(await home.ok('mail', 'aliases', 'add', 'postmaster@example.com', 'alice')).toBe('postmaster@example.com -> alice');
    await home.ok('mail', 'aliases', 'add', 'sales@example.com', 'carol@example.net');
    expect((await domainDoc()).aliases).toEqual({ sales: ['alice', 'bob@example.net', 'carol@example.net'], postmaster: 'alice' });
    expect(JSON.parse(await home.ok('mail', 'aliases', 'list', 'example.com', '--json'))).toEqual([
      { address: 'postmaster@example.com', targets: ['alice'] },
      { address: 'sales@example.com', targets: ['alice', 'bob@example.net', 'carol@example.net'] },
    ]);
    await home.ok('mail', 'aliases', 'remove', 'sales@example.com', 'bob@example.net');
    expect(pick(await domainDoc(), 'aliases.sales')).toEqual(['alice', 'carol@example.net']);
    await home.ok('mail', 'aliases', 'remove', 'sales@example.com');
    expect((await domainDoc()).aliases).toEqual({ postmaster: 'alice' });
    expect(await home.subjects()).toEqual(expect.arrayContaining(['aliases: add sales@example.com -> alice, bob@example.net', 'aliases: remove sales@example.com']));
  });
});
