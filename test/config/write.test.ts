// updateConfigFile: atomic replace, delete, commit per change, nothing changed when the mutation throws, and
// concurrent writers in one process all land.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initHome } from '../../src/config/init.js';
import { updateConfigFile } from '../../src/config/write.js';
import { headCommit, isGitRepo } from '../../src/config/git.js';
import { tempDir } from '../support/tmp.js';

const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
Object.assign(process.env, env);

async function home(): Promise<{ config: string; data: string }> {
  const dir = await tempDir('everlock-write-');
  const paths = { config: dir, data: dir };
  await initHome(paths);
  return paths;
}

async function log(dir: string): Promise<string[]> {
  const r = await execa('git', ['log', '--format=%s'], { cwd: dir });
  return r.stdout.split('\n');
}

describe('initHome', () => {
  it('creates the layout and one commit, and is idempotent', async () => {
    const paths = await home();
    expect(await isGitRepo(paths.config)).toBe(true);
    const first = await headCommit(paths.config);
    expect(first).toMatch(/^[0-9a-f]{40}$/);
    await initHome(paths);
    expect(await headCommit(paths.config)).toBe(first);
    expect(await log(paths.config)).toEqual(['init: everlock config repo']);
    const ignore = await readFile(join(paths.config, '.gitignore'), 'utf8');
    for (const line of ['/keys/', '/mail/', '/queue/', '/.everlock.lock']) expect(ignore).toContain(line);
  });

  it('keeps data paths out of .gitignore when data lives elsewhere', async () => {
    const base = await tempDir('everlock-split-');
    const paths = { config: join(base, 'etc'), data: join(base, 'var') };
    await initHome(paths);
    const ignore = await readFile(join(paths.config, '.gitignore'), 'utf8');
    expect(ignore).not.toContain('/mail/');
    expect((await readdir(paths.data)).sort()).toEqual(['config', 'keys', 'mail', 'queue']);
  });
});

describe('updateConfigFile', () => {
  it('writes, rewrites and deletes with one commit each', async () => {
    const paths = await home();
    await updateConfigFile(paths, 'users/alice.toml', (doc) => {
      expect(doc).toBeUndefined();
      return { addresses: ['alice@example.com'] };
    }, { message: 'users: add alice', commit: true });
    expect(await readFile(join(paths.config, 'users/alice.toml'), 'utf8')).toBe('addresses = [ "alice@example.com" ]\n');
    await updateConfigFile(paths, 'users/alice.toml', (doc) => ({ ...doc, quota: '1G' }), { message: 'users: quota alice', commit: true });
    await updateConfigFile(paths, 'users/alice.toml', () => undefined, { message: 'users: remove alice', commit: true });
    await expect(readFile(join(paths.config, 'users/alice.toml'))).rejects.toThrow(/ENOENT/);
    expect(await log(paths.config)).toEqual(['users: remove alice', 'users: quota alice', 'users: add alice', 'init: everlock config repo']);
    const status = await execa('git', ['status', '--porcelain'], { cwd: paths.config });
    expect(status.stdout).toBe('');
  });

  it('reads HEAD like git does, loose or packed', async () => {
    const paths = await home();
    const rev = async () => (await execa('git', ['rev-parse', 'HEAD'], { cwd: paths.config })).stdout;
    expect(await headCommit(paths.config)).toBe(await rev());
    await updateConfigFile(paths, 'users/x.toml', () => ({}), { message: 'users: add x', commit: true });
    expect(await headCommit(paths.config)).toBe(await rev());
    await execa('git', ['pack-refs', '--all'], { cwd: paths.config });
    expect(await headCommit(paths.config)).toBe(await rev());
    expect(await headCommit(join(paths.config, 'users'))).toBeUndefined();
  });

  it('skips the commit when asked, and leaves no temp files', async () => {
    const paths = await home();
    await updateConfigFile(paths, 'users/bob.toml', () => ({ quota: 5 }), { message: 'users: add bob', commit: false });
    expect(await log(paths.config)).toEqual(['init: everlock config repo']);
    expect(await readdir(join(paths.config, 'users'))).toEqual(['bob.toml']);
  });

  it('changes nothing when the mutation throws', async () => {
    const paths = await home();
    await expect(updateConfigFile(paths, 'users/carol.toml', () => {
      throw new Error('refused');
    }, { message: 'x', commit: true })).rejects.toThrow('refused');
    expect(await readdir(join(paths.config, 'users'))).toEqual([]);
    expect(await readdir(paths.config)).not.toContain('.everlock.lock');
  });

  it('refuses paths outside the config dir', async () => {
    const paths = await home();
    await expect(updateConfigFile(paths, '../evil.toml', () => ({}), { message: 'x', commit: false })).rejects.toThrow(/escapes/);
  });

  it('serialises concurrent writers to one file without losing updates', async () => {
    const paths = await home();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        updateConfigFile(paths, 'domains/example.com.toml', (doc) => ({ ...doc, aliases: { ...((doc?.aliases as object) ?? {}), [`a${i}`]: 'x@example.org' } }), {
          message: `aliases: a${i}`,
          commit: true,
        }),
      ),
    );
    const text = await readFile(join(paths.config, 'domains/example.com.toml'), 'utf8');
    for (let i = 0; i < 10; i++) expect(text).toContain(`a${i} = "x@example.org"`);
    expect((await log(paths.config)).length).toBe(11);
  });
});
