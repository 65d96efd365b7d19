// Twenty `users add` processes at once: twenty user files, each valid TOML with a password hash, twenty
// commits, and a clean work tree (no lost or torn write, no git index.lock failure).
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { verifyPassword } from '../../src/config/passwords.js';
import { tempDir } from '../support/tmp.js';
import { cli } from './helpers.js';

describe('concurrent users add', () => {
  it('twenty processes, twenty users, twenty commits', async () => {
    const home = join(await tempDir('everlock-conc-'), 'home');
    expect((await cli(['init', home])).exitCode).toBe(0);
    // The cost of new hashes comes from everlock.toml; a low one keeps twenty processes from needing 2.5 GiB.
    await writeFile(join(home, 'everlock.toml'), '[passwords]\nscrypt_ln = 12\n');
    expect((await cli(['mail', 'domains', 'create', 'example.com', '--no-dkim', '--home', home])).exitCode).toBe(0);
    const logins = Array.from({ length: 20 }, (_, i) => `user${String(i).padStart(2, '0')}`);
    const results = await Promise.all(logins.map((l) => cli(['users', 'add', l, '--password-stdin', '--home', home], { input: `pw-${l}\n` })));
    for (const r of results) expect(r.exitCode, r.stderr).toBe(0);
    const files = (await readdir(join(home, 'users'))).sort();
    expect(files).toEqual(logins.map((l) => `${l}.toml`));
    for (const f of files) {
      const doc = parse(await readFile(join(home, 'users', f), 'utf8'));
      expect(doc.password).toMatch(/^\$scrypt\$ln=12,r=8,p=1\$/);
      expect(await verifyPassword(String(doc.password), `pw-${f.replace(/\.toml$/, '')}`)).toBe(true);
    }
    const subjects = (await execa('git', ['log', '--format=%s'], { cwd: home })).stdout.split('\n');
    expect(subjects.filter((s) => s.startsWith('users: add ')).sort()).toEqual(logins.map((l) => `users: add ${l}`));
    const status = (await execa('git', ['status', '--porcelain', '--', 'users'], { cwd: home })).stdout;
    expect(status).toBe('');
    const list = await cli(['users', 'list', '--json', '--home', home]);
    expect(JSON.parse(list.stdout)).toHaveLength(20);
  }, 120_000);
});
