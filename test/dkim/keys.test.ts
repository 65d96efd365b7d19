import { describe, expect, it, beforeAll } from 'vitest';
import { execa } from 'execa';
import { createPublicKey } from 'node:crypto';
import { stat, readFile, readdir } from 'node:fs/promises';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { tempDir } from '../support/tmp.js';
import { dkimKeyPath, dkimTxtValue, generateDkimKey, keyType, loadSigningKeys, publishedSelectors, readDkimKey, writeDkimKey } from '../../src/dkim/keys.js';
import { splitTxt } from '../../src/dns/zone.js';
import type { Paths } from '../../src/config/paths.js';
import type { DomainConfig } from '../../src/config/types.js';

let ed: string;
let rsa: string;
beforeAll(async () => {
  [ed, rsa] = await Promise.all([generateDkimKey('ed25519'), generateDkimKey('rsa')]);
});

async function paths(): Promise<Paths> {
  const dir = await tempDir();
  return { config: dir, data: dir };
}

function domain(dkim: Partial<DomainConfig['outbound']['dkim']> = {}): DomainConfig {
  return {
    name: 'example.com',
    enabled: true,
    submission: { enabled: true, auth: 'authenticated' },
    outbound: { hostname: 'mail.example.com', dkim: { enabled: true, selector: 'default', rsaSelector: 'default-rsa', published: [], ...dkim } },
    inbound: { rejectDmarcFailures: false },
    mxOverride: [],
    aliases: new Map(),
    file: 'domains/example.com.toml',
  };
}

const MESSAGE = Buffer.from(
  'From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: signed\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHello, signed world.\r\n',
);

describe('DKIM keys', () => {
  it('generates Ed25519 and RSA-2048 keys', () => {
    expect(keyType(ed)).toBe('ed25519');
    expect(keyType(rsa)).toBe('rsa');
    const der = Buffer.from(/p=([A-Za-z0-9+/=]+)$/.exec(dkimTxtValue(rsa))?.[1] ?? '', 'base64');
    const pub = createPublicKey({ key: der, format: 'der', type: 'spki' });
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('TXT values follow RFC 8463 (raw 32-byte Ed25519 key) and RFC 6376 (RSA SPKI)', () => {
    const edValue = dkimTxtValue(ed);
    expect(edValue).toMatch(/^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);
    const raw = Buffer.from(edValue.split('p=')[1] ?? '', 'base64');
    expect(raw).toHaveLength(32);
    const spki = createPublicKey(ed).export({ format: 'der', type: 'spki' });
    expect(raw.equals(spki.subarray(spki.length - 32))).toBe(true);
    expect(dkimTxtValue(rsa)).toMatch(/^v=DKIM1; k=rsa; p=MII[A-Za-z0-9+/=]+$/);
  });

  it('writes key files mode 0600 in a 0700 directory, and refuses to replace one silently', async () => {
    const p = await paths();
    const file = await writeDkimKey(p, 'example.com', 'default', ed);
    expect(file).toBe(dkimKeyPath(p, 'example.com', 'default'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(`${p.data}/keys/dkim/example.com`)).mode & 0o777).toBe(0o700);
    expect(await readFile(file, 'utf8')).toBe(ed);
    await expect(writeDkimKey(p, 'example.com', 'default', rsa)).rejects.toThrow(/already exists/);
    expect(await readFile(file, 'utf8')).toBe(ed);
    await writeDkimKey(p, 'example.com', 'default', rsa, { overwrite: true });
    expect(await readFile(file, 'utf8')).toBe(rsa);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // No temp files left behind.
    expect(await readdir(`${p.data}/keys/dkim/example.com`)).toEqual(['default.pem']);
  });

  it.each([
    ['../etc', 'default'],
    ['example.com', '../../x'],
    ['example.com', 'a/b'],
    ['Example.COM', 'default'],
    ['example.com', '.hidden'],
  ])('rejects names that could leave keys/dkim/: %s %s', async (d, s) => {
    const p = await paths();
    await expect(writeDkimKey(p, d, s, ed)).rejects.toThrow();
    await expect(readdir(p.data)).resolves.toEqual([]);
  });

  it('loads signing keys: both algorithms, from files or inline, none when disabled or missing', async () => {
    const p = await paths();
    expect(await loadSigningKeys(p, domain())).toEqual([]);
    await writeDkimKey(p, 'example.com', 'default', ed);
    await writeDkimKey(p, 'example.com', 'default-rsa', rsa);
    expect(await loadSigningKeys(p, domain())).toEqual([
      { selector: 'default', algorithm: 'ed25519-sha256', privateKey: ed },
      { selector: 'default-rsa', algorithm: 'rsa-sha256', privateKey: rsa },
    ]);
    expect(await loadSigningKeys(p, domain({ enabled: false }))).toEqual([]);
    expect(await loadSigningKeys(p, domain({ selector: 'missing', rsaSelector: 'default-rsa' }))).toEqual([
      { selector: 'default-rsa', algorithm: 'rsa-sha256', privateKey: rsa },
    ]);
    expect(await loadSigningKeys(p, domain({ selector: 'inline', rsaSelector: 'none', inlineKey: ed }))).toEqual([
      { selector: 'inline', algorithm: 'ed25519-sha256', privateKey: ed },
    ]);
    expect(await readDkimKey(p, 'example.com', 'nope')).toBeUndefined();
    expect(publishedSelectors(domain({ published: ['old', 'old-rsa', 'default'] }))).toEqual(['default', 'default-rsa', 'old', 'old-rsa']);
  });

  it('a signature made with each key verifies against its published TXT value', async () => {
    const p = await paths();
    await writeDkimKey(p, 'example.com', 'ed', ed);
    await writeDkimKey(p, 'example.com', 'rs', rsa);
    const keys = await loadSigningKeys(p, domain({ selector: 'ed', rsaSelector: 'rs' }));
    const txt = new Map(keys.map((k) => [`${k.selector}._domainkey.example.com`, splitTxt(dkimTxtValue(k.privateKey))]));
    // RSA values are longer than one TXT string: the resolver hands them over in 255-byte pieces, as DNS does.
    expect(txt.get('rs._domainkey.example.com')?.length).toBeGreaterThan(1);
    const resolver = async (name: string, rr: string): Promise<string[][]> => {
      const value = rr === 'TXT' ? txt.get(name) : undefined;
      if (!value) throw Object.assign(new Error(`no ${rr} for ${name}`), { code: 'ENOTFOUND' });
      return [value];
    };
    // mailauth's typings name only single-signature options; at run time it signs every `signatureData` entry.
    const options = {
      canonicalization: 'relaxed/relaxed',
      signingDomain: 'example.com',
      selector: keys[0]?.selector ?? '',
      privateKey: keys[0]?.privateKey ?? '',
      signatureData: keys.map((k) => ({ signingDomain: 'example.com', selector: k.selector, privateKey: k.privateKey, algorithm: k.algorithm })),
    };
    const signed = await dkimSign(MESSAGE, options);
    expect(signed.errors).toEqual([]);
    const signatures = [signed.signatures];
    const result = await dkimVerify(Buffer.concat([Buffer.from(signatures.join('')), MESSAGE]), { resolver });
    const byAlgo = Object.fromEntries(result.results.map((r) => [/header\.a=(\S+)/.exec(r.info)?.[1], r.status.result]));
    expect(byAlgo).toEqual({ 'ed25519-sha256': 'pass', 'rsa-sha256': 'pass' });
    // An independent verifier (Debian's python3-dkim) agrees on both TXT formats.
    const script = [
      'import sys, json, dkim',
      'txt = json.loads(sys.argv[1])',
      'msg = sys.stdin.buffer.read()',
      'dns = lambda name, timeout=5: txt.get(name.decode().rstrip("."), "").encode()',
      'd = dkim.DKIM(msg)',
      'print(" ".join(str(d.verify(idx=i, dnsfunc=dns)) for i in range(2)))',
    ].join('\n');
    const py = await execa('/usr/bin/python3', ['-c', script, JSON.stringify(Object.fromEntries([...txt].map(([k, v]) => [k, v.join('')])))], {
      input: Buffer.concat([Buffer.from(signatures.join('')), MESSAGE]),
      reject: false,
    });
    expect(py.stderr).toBe('');
    expect(py.stdout).toBe('True True');
    // And a tampered body fails: the check can fail.
    const tampered = await dkimVerify(Buffer.concat([Buffer.from(signatures.join('')), Buffer.from(MESSAGE.toString().replace('Hello', 'Jello'))]), { resolver });
    expect(tampered.results).toHaveLength(2);
    expect(tampered.results.filter((r) => r.status.result === 'pass')).toEqual([]);
  });
});
