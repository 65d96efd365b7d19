// The config repo's git side, through execa: the audit trail (`git log`) and undo (`git revert`) of every CLI
// change. Commits name their paths explicitly so nothing else the admin staged is swept in. Callers hold the
// config lock (write.ts), which also keeps our own commits from racing on git's index.lock.
// execa is imported only when git actually runs: loading the config (every CLI start) must stay cheap.
import { access, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

async function git(dir: string, args: string[], env?: Record<string, string>): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const { execa } = await import('execa');
  const r = await execa('git', args, { cwd: dir, reject: false, env, stdin: 'ignore' });
  return { ok: r.exitCode === 0, stdout: String(r.stdout ?? '').trim(), stderr: String(r.stderr ?? '').trim() };
}

/**
 * True when `dir` is the top of a git work tree (holds `.git`). A config dir that merely sits inside some other
 * repo (./everlock-mail in a project checkout) is not one: its changes must not land in that repo.
 */
export async function isGitRepo(dir: string): Promise<boolean> {
  try {
    await access(join(dir, '.git'));
    return true;
  } catch {
    return false;
  }
}

const OID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * HEAD's commit id, or undefined outside a repo or before the first commit. Read from .git directly in the
 * common layout (no process spawn on every config load); anything unusual asks git.
 */
export async function headCommit(dir: string): Promise<string | undefined> {
  if (!(await isGitRepo(dir))) return undefined;
  const fromFiles = await headFromFiles(join(dir, '.git'));
  if (fromFiles !== 'ask-git') return fromFiles;
  const r = await git(dir, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  return r.ok && OID.test(r.stdout) ? r.stdout : undefined;
}

async function headFromFiles(gitDir: string): Promise<string | undefined | 'ask-git'> {
  try {
    if (!(await stat(gitDir)).isDirectory()) return 'ask-git'; // worktree or submodule: .git is a file
    if (await stat(join(gitDir, 'reftable')).then(() => true, () => false)) return 'ask-git';
    const head = (await readFile(join(gitDir, 'HEAD'), 'utf8')).trim();
    if (OID.test(head)) return head; // detached
    const m = /^ref: (refs\/[^\s]+)$/.exec(head);
    if (!m?.[1]) return 'ask-git';
    const ref = m[1];
    if (resolve(gitDir, ref).startsWith(resolve(gitDir) + '/')) {
      try {
        const oid = (await readFile(join(gitDir, ref), 'utf8')).trim();
        return OID.test(oid) ? oid : 'ask-git';
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return 'ask-git';
      }
    }
    let packed: string;
    try {
      packed = await readFile(join(gitDir, 'packed-refs'), 'utf8');
    } catch {
      return undefined; // unborn branch: no commit yet
    }
    for (const line of packed.split('\n')) {
      const [oid, name] = line.split(' ');
      if (name === ref && oid && OID.test(oid)) return oid;
    }
    return undefined;
  } catch {
    return 'ask-git';
  }
}

/** A committer identity for machines where git has none configured (a fresh server). */
async function identityEnv(dir: string): Promise<Record<string, string> | undefined> {
  const r = await git(dir, ['var', 'GIT_COMMITTER_IDENT']);
  if (r.ok) return undefined;
  return { GIT_AUTHOR_NAME: 'everlock', GIT_AUTHOR_EMAIL: 'everlock@localhost', GIT_COMMITTER_NAME: 'everlock', GIT_COMMITTER_EMAIL: 'everlock@localhost' };
}

/**
 * Stages `paths` (relative to `dir`; additions, changes and deletions) and commits exactly them. Does nothing
 * when they hold no change. Retries briefly while another git process holds index.lock.
 */
export async function commitPaths(dir: string, paths: readonly string[], message: string): Promise<void> {
  const status = await git(dir, ['status', '--porcelain', '--untracked-files=all', '--', ...paths]);
  if (!status.ok) throw new Error(`git status failed in ${dir}: ${status.stderr}`);
  if (status.stdout === '') return;
  const env = await identityEnv(dir);
  for (let attempt = 0; ; attempt++) {
    const add = await git(dir, ['add', '--all', '--', ...paths], env);
    const commit = add.ok ? await git(dir, ['commit', '--quiet', '--no-verify', '-m', message, '--', ...paths], env) : add;
    if (commit.ok) return;
    if (attempt < 20 && /index\.lock/.test(commit.stderr)) {
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100 * (attempt + 1)));
      continue;
    }
    throw new Error(`git commit failed in ${dir}: ${commit.stderr.split('\n')[0] ?? ''}`);
  }
}

export async function gitInit(dir: string): Promise<void> {
  const r = await git(dir, ['init', '--quiet']);
  if (!r.ok) throw new Error(`git init failed in ${dir}: ${r.stderr}`);
}
