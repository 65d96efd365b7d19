// The admin's walk through the CLI (issue 2's "Must show", config and users part): init, a domain, a user with
// a password from stdin, a grant, config check clean, then broken (file and line named, exit 1), and one git
// commit per change. Runs the built CLI (dist/) as a child process.
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readdir, readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { cli as everlock } from './helpers.js';
import { tempDir } from '../support/tmp.js';
import { loadConfig } from '../../src/config/load.js';
import { authenticate } from '../../src/config/directory.js';

let home: string;
const h = (...args: string[]): string[] => [...args, '--home', home];

async function subjects(): Promise<string[]> {
  return (await execa('git', ['log', '--format=%s'], { cwd: home })).stdout.split('\n');
}


beforeAll(async () => {
  home = join(await tempDir('everlock-cli-'), 'home');
});

describe('config and users through the CLI', () => {
  it('init creates a repo with one commit', async () => {
    const r = await everlock(['init', home]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(home);
    expect(await subjects()).toEqual(['init: everlock config repo']);
    expect((await stat(join(home, 'keys'))).mode & 0o777).toBe(0o700);
    const again = await everlock(['init', home]);
    expect(again.exitCode).toBe(0);
    expect(await subjects()).toHaveLength(1);
  });

  it('adds a user with a password from stdin and prints the addresses', async () => {
    const d = await everlock(h('mail', 'domains', 'create', 'example.com'));
    expect(d.exitCode, d.stderr).toBe(0);
    const r = await everlock(h('users', 'add', 'alice', '--password-stdin'), { input: 's3cret pass\n' });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('alice@example.com');
    expect(r.stderr).toBe('');
    const text = await readFile(join(home, 'users', 'alice.toml'), 'utf8');
    expect(text).toMatch(/^password = "\$scrypt\$ln=17,r=8,p=1\$/m);
    expect(text).not.toContain('s3cret');
    const snap = await loadConfig({ config: home, data: home });
    expect((await authenticate(snap, 'alice@example.com', 's3cret pass'))?.login).toBe('alice');
    expect(await authenticate(snap, 'alice', 'wrong')).toBeNull();
  });

  it('grants, lists and checks', async () => {
    const g = await everlock(h('users', 'grant', 'alice', 'smtp/mail/example.com:alice', 'writer'));
    expect(g.exitCode, g.stderr).toBe(0);
    const grants = await everlock(h('users', 'grants', 'alice', '--json'));
    expect(JSON.parse(grants.stdout)).toEqual([{ path: 'smtp/mail/example.com:alice', role: 'writer' }]);
    const list = await everlock(h('users', 'list', '--json'));
    expect(JSON.parse(list.stdout)).toEqual([
      { login: 'alice', addresses: ['alice@example.com'], grants: [{ path: 'smtp/mail/example.com:alice', role: 'writer' }], hasPassword: true, quotaBytes: 0 },
    ]);
    const plain = await everlock(h('users', 'list'));
    expect(plain.stdout).toMatch(/^alice\talice@example\.com/);
    const check = await everlock(['config', 'check', home]);
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('config ok');
    // The domain's DKIM keys (checked by config check) are private and never tracked.
    const keys = await readdir(join(home, 'keys', 'dkim', 'example.com'));
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const k of keys) expect((await stat(join(home, 'keys', 'dkim', 'example.com', k))).mode & 0o777).toBe(0o600);
    const tracked = (await execa('git', ['ls-files'], { cwd: home })).stdout;
    expect(tracked).not.toMatch(/keys\//);
    expect(tracked).toContain('users/alice.toml');
    const log = await subjects();
    expect(log.slice(0, 2)).toEqual(['users: grant alice smtp/mail/example.com:alice writer', 'users: add alice']);
    expect(log.at(-1)).toBe('init: everlock config repo');
    expect(log.filter((s) => /example\.com/.test(s) && !s.startsWith('users:'))).toHaveLength(1); // the domain's one commit
  });

  it('sets passwords by login and by address, and warns about --password', async () => {
    const a = await everlock(h('users', 'passwd', 'alice', '--password-stdin'), { input: 'second\n' });
    expect(a.exitCode, a.stderr).toBe(0);
    const b = await everlock(h('users', 'password', 'alice@example.com', '--password', 'third'));
    expect(b.exitCode, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/warning: --password leaks into shell history/);
    const snap = await loadConfig({ config: home, data: home });
    expect(await authenticate(snap, 'alice', 'third')).not.toBeNull();
    expect(await authenticate(snap, 'alice', 'second')).toBeNull();
    expect((await subjects()).slice(0, 2)).toEqual(['users: set password of alice', 'users: set password of alice']);
  });

  it('adds, revokes and removes with --no-commit skipping the commit', async () => {
    const before = (await subjects()).length;
    const add = await everlock(h('users', 'add', 'bob', '--address', 'Bob.Smith@example.com', '--no-commit'));
    expect(add.exitCode, add.stderr).toBe(0);
    expect(add.stdout).toContain('bob.smith@example.com');
    expect(add.stderr).toMatch(/no password/);
    expect(await subjects()).toHaveLength(before);
    await everlock(h('users', 'grant', 'bob', 'imap/mail/example.com:support', 'reader'));
    const revoke = await everlock(h('users', 'revoke', 'bob', 'imap/mail/example.com:support'));
    expect(revoke.exitCode, revoke.stderr).toBe(0);
    expect(await readFile(join(home, 'users', 'bob.toml'), 'utf8')).not.toContain('grant');
    const rm = await everlock(h('users', 'remove', 'bob'));
    expect(rm.exitCode, rm.stderr).toBe(0);
    expect((await subjects()).slice(0, 3)).toEqual(['users: remove bob', 'users: revoke bob imap/mail/example.com:support', 'users: grant bob imap/mail/example.com:support reader']);
    expect((await execa('git', ['status', '--porcelain'], { cwd: home })).stdout).toBe('');
  });

  it('config check names the broken file and line and exits 1', async () => {
    const file = join(home, 'users', 'alice.toml');
    await writeFile(file, 'adresses = ["x@example.com"]\n' + (await readFile(file, 'utf8')));
    const r = await everlock(['config', 'check', home]);
    expect(r.exitCode).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/users\/alice\.toml:\d+:1: unknown key "adresses" \(did you mean "addresses"\?\)$/);
    const n = Number(/alice\.toml:(\d+):/.exec(lines[0] ?? '')?.[1]);
    const text = (await readFile(join(home, 'users', 'alice.toml'), 'utf8')).split('\n');
    expect(text[n - 1]).toMatch(/^adresses/);

    await writeFile(join(home, 'domains', 'example.com.toml'), 'enabled = true\n[aliases]\nsales = [\n  "alice",\n  "nobody",\n]\n');
    const r2 = await everlock(['config', 'check', '.'], { cwd: home });
    expect(r2.exitCode).toBe(1);
    expect(r2.stdout.split('\n')).toContain('domains/example.com.toml:5:3: alias target "nobody" is not a user, alias, shared mailbox or address');
    expect(r2.stdout.split('\n').filter((l) => /^(users|domains)\//.test(l))).toHaveLength(2);
  });

  it('config pull fast-forwards from the upstream repo', async () => {
    const base = await tempDir('everlock-pull-');
    const origin = join(base, 'origin');
    const clone = join(base, 'clone');
    const git = (cwd: string, ...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd });
    await everlock(['init', origin]);
    await git(base, 'clone', '-q', origin, clone);
    await writeFile(join(origin, 'domains', 'example.org.toml'), 'enabled = true\n');
    await git(origin, 'add', 'domains');
    await git(origin, 'commit', '-qm', 'domains: create example.org');
    const r = await everlock(['config', 'pull', '--config', clone, '--data', clone]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await readFile(join(clone, 'domains', 'example.org.toml'), 'utf8')).toBe('enabled = true\n');
  });
});
