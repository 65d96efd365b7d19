// Every users/config/init/systemd/queue command given bad input prints one clear line, exits non-zero and
// leaves every file of the home (config, git objects, data) exactly as it was. Each case runs on its own copy
// of the home, so the cases run concurrently and a failure is pinned on the command that caused it.
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../support/tmp.js';
import { cli } from './helpers.js';

let home: string;

/** A hash over every file path and content under `dir` (including .git). */
async function treeHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (d: string): Promise<void> => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      h.update(p + '\0');
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) h.update(await readFile(p));
    }
  };
  await walk(dir);
  return h.digest('hex');
}

/** A copy of the prepared home, git repo included, for one case. */
async function copyOfHome(): Promise<string> {
  const dir = join(await tempDir('everlock-bad-case-'), 'home');
  await cp(home, dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  home = join(await tempDir('everlock-bad-'), 'home');
  expect((await cli(['init', home])).exitCode).toBe(0);
  // Cheap hashes for a throwaway home: the product's own setting, not a test-only switch.
  await writeFile(join(home, 'everlock.toml'), '[passwords]\nscrypt_ln = 10\n');
  await execa('git', ['commit', '-q', '-m', 'test: cheap password hashes', '--', 'everlock.toml'], { cwd: home, env: { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
  const d = await cli(['mail', 'domains', 'create', 'example.com', '--no-dkim', '--home', home]);
  expect(d.exitCode, d.stderr).toBe(0);
  const add = await cli(['users', 'add', 'alice', '--password-stdin', '--home', home], { input: 'pw-alice\n' });
  expect(add.exitCode, add.stderr).toBe(0);
  const g = await cli(['users', 'grant', 'alice', 'smtp/mail/example.com:alice', 'writer', '--home', home]);
  expect(g.exitCode, g.stderr).toBe(0);
  const a = await cli(['mail', 'aliases', 'add', 'sales@example.com', 'alice', '--home', home]);
  expect(a.exitCode, a.stderr).toBe(0);
});

const cases: { args: string[]; input?: string; message: RegExp; exit?: number }[] = [
  { args: ['users', 'add', 'Alice'], message: /login must be lower case/ },
  { args: ['users', 'add', '../evil'], message: /invalid login/ },
  { args: ['users', 'add', 'a/b'], message: /invalid character/ },
  { args: ['users', 'add', '.hidden'], message: /must not start/ },
  { args: ['users', 'add', 'alice'], message: /user "alice" already exists/ },
  { args: ['users', 'add', 'bob', '--address', 'bob@nowhere.org'], message: /domain "nowhere.org" is not configured/ },
  { args: ['users', 'add', 'bob', '--address', 'not-an-address'], message: /is not an address/ },
  { args: ['users', 'add', 'bob', '--address', 'sales@example.com'], message: /is an alias/ },
  { args: ['users', 'add', 'bob', '--address', 'alice@example.com'], message: /already belongs to user "alice"/ },
  { args: ['users', 'add', 'bob@other.org'], message: /domain "other.org" is not configured/ },
  { args: ['users', 'add', 'alice@example.com'], message: /"alice@example.com" already belongs to user "alice"/ },
  { args: ['users', 'add', 'bob', '--password-stdin'], input: '\n', message: /empty password/ },
  { args: ['users', 'add'], message: /Missing 1 required arg/, exit: 2 },
  { args: ['users', 'passwd', 'ghost', '--password-stdin'], input: 'x\n', message: /no such user "ghost"/ },
  { args: ['users', 'passwd', 'alice'], input: '', message: /no password given/ },
  { args: ['users', 'password', 'ghost@example.com', '--password-stdin'], input: 'x\n', message: /no user owns "ghost@example.com"/ },
  { args: ['users', 'password', 'no-at-sign', '--password-stdin'], input: 'x\n', message: /is not an address/ },
  { args: ['users', 'grant', 'alice', 'smtp/mail/example.com:alice', 'boss'], message: /unknown role "boss"/ },
  { args: ['users', 'grant', 'alice', 'smtp/mail/example.com:alice', 'writr'], message: /did you mean "writer"/ },
  { args: ['users', 'grant', 'alice', 'ftp/mail/example.com', 'writer'], message: /malformed grant path/ },
  { args: ['users', 'grant', 'alice', 'imap/mail/example.com', 'reader'], message: /imap grants name one mailbox/ },
  { args: ['users', 'grant', 'alice', 'smtp/mail/../../etc:x', 'writer'], message: /malformed grant path/ },
  { args: ['users', 'grant', 'alice', 'smtp/mail/nowhere.org', 'writer'], message: /unknown domain "nowhere.org"/ },
  { args: ['users', 'grant', 'ghost', 'smtp/mail/example.com', 'writer'], message: /no such user "ghost"/ },
  { args: ['users', 'grant', 'alice', 'imap/mail/example.com:sales', 'reader'], message: /names an alias/ },
  { args: ['users', 'grant', 'alice'], message: /Missing 2 required args/, exit: 2 },
  { args: ['users', 'revoke', 'alice', 'smtp/mail/example.com:zed'], message: /has no grant/ },
  { args: ['users', 'revoke', 'ghost', 'smtp/mail/example.com'], message: /no such user/ },
  { args: ['users', 'remove', 'ghost'], message: /no such user "ghost"/ },
  { args: ['users', 'remove', 'alice'], message: /alias sales@example.com delivers to "alice"/ },
  { args: ['users', 'grants', 'ghost'], message: /no such user "ghost"/ },
  { args: ['users', 'list', '--bogus'], message: /Nonexistent flag/, exit: 2 },
  { args: ['config', 'pull'], message: /git pull --ff-only/ },
  { args: ['config', 'check', '{home}/everlock.toml'], message: /everlock\.toml: is not a directory/ },
  { args: ['init', '{home}/everlock.toml'], message: /everlock\.toml exists and is not a directory/ },
  { args: ['systemd', 'unit', '--user', 'Bad User'], message: /--user "Bad User" is not a valid user name/, exit: 2 },
  { args: ['systemd', 'unit', '--group', '../x'], message: /--group "..\/x" is not a valid group name/, exit: 2 },
  { args: ['queue', 'remove', '../../etc/passwd'], message: /invalid queue id/ },
  { args: ['queue', 'remove', '0MHJ3K2A1B2C3D4E5F6'], message: /no queue entry|invalid queue id/ },
  { args: ['queue', 'retry', 'nope!'], message: /invalid queue id/ },
  { args: ['serve', '--git-sync', 'abc'], message: /--git-sync: Expected an integer but received: abc/, exit: 2 },
  { args: ['serve', '--frontend-smtp-listen', 'nonsense'], message: /"nonsense" is not a listen address/, exit: 2 },
  { args: ['serve', '--dns-server', 'x:y:z'], message: /--dns-server must be host:port/, exit: 2 },
  { args: ['serve', '--log-level', 'loud'], message: /--log-level=loud to be one of/, exit: 2 },
];

describe.concurrent('bad input leaves every file unchanged', () => {
  it.each(cases.map((c) => ({ ...c, name: c.args.join(' ') })))('everlock $name', async ({ args, input, message, exit }) => {
    const home = await copyOfHome();
    const before = await treeHash(home);
    const r = await cli([...args.map((a) => a.replace('{home}', home)), '--home', home], { input: input ?? '' });
    expect(r.exitCode).toBe(exit ?? 1);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('See more help'));
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(r.stdout).toBe('');
    expect(await treeHash(home)).toBe(before);
  });

  it('a config file that cannot be read is named in one line, and nothing is written', async () => {
    const home = await copyOfHome();
    await mkdir(join(home, 'domains', 'broken.example.toml'));
    const before = await treeHash(home);
    for (const args of [['users', 'list'], ['mail', 'domains', 'list'], ['dns', 'zone', 'example.com']]) {
      const r = await cli([...args, '--home', home]);
      expect(r.exitCode, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toEqual([expect.stringMatching(/^domains\/broken\.example\.toml: cannot read: EISDIR/)]);
    }
    expect(await treeHash(home)).toBe(before);
  });

  it('commands on a home that does not exist say so in one line', async () => {
    const missing = join(await tempDir('everlock-none-'), 'nothing');
    for (const args of [['users', 'list'], ['users', 'add', 'x', '--password-stdin'], ['config', 'check', missing]]) {
      const r = await cli([...args, '--home', missing], { input: 'pw\n' });
      expect(r.exitCode).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/config directory does not exist/);
    }
  });
});
