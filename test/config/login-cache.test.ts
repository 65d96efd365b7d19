// The verified-login cache and the bound on concurrent scrypt runs: a repeated login skips scrypt until the
// entry expires, a changed password hash or a different password always pays the full verification, wrong
// passwords are remembered shorter, the cache is bounded, and no more than MAX_CONCURRENT_VERIFY hashes run at once.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authenticate } from '../../src/config/directory.js';
import { loadConfig } from '../../src/config/load.js';
import { LOGIN_CACHE_FAILURE_MS, LOGIN_CACHE_SUCCESS_MS, LoginCache } from '../../src/config/login-cache.js';
import { hashPassword, MAX_CONCURRENT_VERIFY, verifyLoad, verifyPassword } from '../../src/config/passwords.js';
import { tempDir } from '../support/tmp.js';

describe('LoginCache', () => {
  it('remembers verdicts per login, hash and password until they expire', () => {
    let now = 1_000_000;
    const cache = new LoginCache(() => now);
    cache.set('alice', '$phc1', 'right', true);
    cache.set('alice', '$phc1', 'wrong', false);
    expect(cache.get('alice', '$phc1', 'right')).toBe(true);
    expect(cache.get('alice', '$phc1', 'wrong')).toBe(false);
    expect(cache.get('alice', '$phc1', 'other')).toBeUndefined();
    expect(cache.get('alice', '$phc2', 'right')).toBeUndefined(); // password changed in the config
    expect(cache.get('bob', '$phc1', 'right')).toBeUndefined();
    // Field boundaries matter: ("ab", "c") is not ("a", "bc").
    cache.set('ab', 'c', 'x', true);
    expect(cache.get('a', 'bc', 'x')).toBeUndefined();
    // NFC and NFD spellings of one password are one password (scrypt normalises too).
    cache.set('carol', '$phc', 'pa\u0308sswort', true);
    expect(cache.get('carol', '$phc', 'pässwort')).toBe(true);

    now += LOGIN_CACHE_FAILURE_MS;
    expect(cache.get('alice', '$phc1', 'wrong')).toBeUndefined();
    expect(cache.get('alice', '$phc1', 'right')).toBe(true);
    now += LOGIN_CACHE_SUCCESS_MS - LOGIN_CACHE_FAILURE_MS;
    expect(cache.get('alice', '$phc1', 'right')).toBeUndefined();
  });

  it('holds at most 10,000 entries, dropping the oldest', () => {
    const cache = new LoginCache();
    for (let i = 0; i < 10_050; i++) cache.set(`u${i}`, '$phc', 'pw', true);
    expect(cache.size).toBe(10_000);
    expect(cache.get('u0', '$phc', 'pw')).toBeUndefined();
    expect(cache.get('u10049', '$phc', 'pw')).toBe(true);
  });
});

describe('authenticate with the login cache', () => {
  it('verifies a repeated login without scrypt, and a changed hash with it', async () => {
    const home = await tempDir('everlock-login-cache-');
    await mkdir(join(home, 'users'), { recursive: true });
    await mkdir(join(home, 'domains'), { recursive: true });
    await writeFile(join(home, 'domains', 'example.com.toml'), 'enabled = true\n');
    const write = async (pw: string): Promise<void> =>
      writeFile(join(home, 'users', 'alice.toml'), `password = "${await hashPassword(pw, 15)}"\naddresses = ["alice@example.com"]\n`);
    await write('first');
    const snap1 = await loadConfig({ config: home, data: home });

    const cpu = async (f: () => Promise<unknown>): Promise<number> => {
      const t = process.cpuUsage();
      await f();
      const d = process.cpuUsage(t);
      return (d.user + d.system) / 1000;
    };
    // ln=15: tens of ms of CPU for the first check; a cache hit is one HMAC.
    const cold = await cpu(async () => expect((await authenticate(snap1, 'alice', 'first'))?.login).toBe('alice'));
    const warm = await cpu(async () => {
      for (let i = 0; i < 20; i++) expect((await authenticate(snap1, 'alice@example.com', 'first'))?.login).toBe('alice');
    });
    expect(warm).toBeLessThan(cold);
    expect(await authenticate(snap1, 'alice', 'second')).toBeNull();

    // The password changes in the config: the old one stops working at once, the new one works.
    await write('second');
    const snap2 = await loadConfig({ config: home, data: home }, { generation: 2 });
    expect(await authenticate(snap2, 'alice', 'first')).toBeNull();
    expect((await authenticate(snap2, 'alice', 'second'))?.login).toBe('alice');
  });
});

describe('verifyPassword concurrency', () => {
  it(`runs at most ${MAX_CONCURRENT_VERIFY} scrypt verifications at once and answers every one`, async () => {
    const phc = await hashPassword('pw', 12);
    const n = MAX_CONCURRENT_VERIFY * 3;
    const pending = Promise.all(Array.from({ length: n }, (_, i) => verifyPassword(phc, i % 2 ? 'pw' : 'nope')));
    expect(verifyLoad()).toEqual({ running: MAX_CONCURRENT_VERIFY, waiting: n - MAX_CONCURRENT_VERIFY });
    const results = await pending;
    expect(verifyLoad()).toEqual({ running: 0, waiting: 0 });
    expect(results).toEqual(Array.from({ length: n }, (_, i) => i % 2 === 1));
  });
});
