// GitOps end to end: `everlock serve --dev` runs as a child process; a rules.toml change is committed in a
// separate clone and pulled into the served repo; mail sent over SMTP lands in the new folder, seen over IMAP,
// with no restart. A broken rules.toml leaves the old rules serving and the log names file and line; fixing
// it applies.
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { startServer, type StartedServer } from '../support/server.js';
import { tempDir } from '../support/tmp.js';

const gitEnv = { GIT_AUTHOR_NAME: 'ops', GIT_AUTHOR_EMAIL: 'ops@example.com', GIT_COMMITTER_NAME: 'ops', GIT_COMMITTER_EMAIL: 'ops@example.com' };
const git = (cwd: string, ...args: string[]) => execa('git', args, { cwd, env: gitEnv });

async function send(server: StartedServer, subject: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.ports.smtp, secure: false, tls: { rejectUnauthorized: false } });
  try {
    const info = await transport.sendMail({ from: 'monitor@example.net', to: 'postmaster@localhost', subject, text: `${subject}\r\n` });
    expect(info.response).toMatch(/^250 /);
  } finally {
    transport.close();
  }
}

/** Subjects in a folder, polled until `subject` shows up (mail is visible within a second or so). */
async function waitInFolder(imap: ImapFlow, folder: string, subject: string): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    const subjects: string[] = [];
    const exists = (await imap.list()).some((f) => f.path.toLowerCase() === folder.toLowerCase());
    if (exists) {
      const lock = await imap.getMailboxLock(folder);
      try {
        for await (const m of imap.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '');
      } catch {
        // empty folder: 1:* matches nothing
      } finally {
        lock.release();
      }
    }
    if (subjects.includes(subject)) return;
    if (Date.now() > end) throw new Error(`"${subject}" not in ${folder}; it has ${JSON.stringify(subjects)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('GitOps: a reviewed change pulled into the served repo applies live', () => {
  it('rules.toml committed in a clone, pulled, applied; broken is rejected with file:line; fixed applies', async () => {
    const server = await startServer();
    expect(server.user?.login).toBe('postmaster@localhost');
    const served = server.home;
    const clone = join(await tempDir('everlock-clone-'), 'config');
    await execa('git', ['clone', '--quiet', served, clone]);
    const branch = (await git(served, 'rev-parse', '--abbrev-ref', 'HEAD')).stdout.trim();
    await git(served, 'remote', 'add', 'review', clone);
    const pull = () => git(served, 'pull', '--ff-only', '--quiet', 'review', branch);

    const imap = new ImapFlow({
      host: '127.0.0.1',
      port: server.ports.imapTls ?? 0,
      secure: true,
      tls: { rejectUnauthorized: false },
      auth: { user: server.user?.login ?? '', pass: server.user?.password ?? '' },
      logger: false,
    });
    await imap.connect();
    try {
      // 1. A new rule, reviewed and merged in the clone, then pulled by the server's repo.
      await writeFile(join(clone, 'rules.toml'), '[[rule]]\nid = "rule-alerts"\nsubject_contains = "ALERT"\naction = { type = "store", folder = "Alerts" }\n');
      await git(clone, 'add', 'rules.toml');
      await git(clone, 'commit', '-q', '-m', 'rules: file alerts');
      const commit1 = (await git(clone, 'rev-parse', 'HEAD')).stdout.trim();
      await pull();
      const live = await server.waitForLine((l) => /^config generation \d+ live/.test(l.msg) && l.commit === commit1);
      expect(live.msg).toContain(commit1.slice(0, 12));
      await send(server, 'ALERT disk full');
      await waitInFolder(imap, 'Alerts', 'ALERT disk full');

      // 2. A broken change: the old rules keep serving, the log names file and line.
      await writeFile(join(clone, 'rules.toml'), '[[rule]]\nid = "rule-alerts"\nsubject_contains = "ALERT"\naction = { type = "store", folder = "Pager" }\n\n[[rule]]\nid = "rule-broken"\naction = { type = "explode" }\n');
      await git(clone, 'commit', '-q', '-am', 'rules: broken');
      await pull();
      const rejected = await server.waitForLine((l) => l.level === 'error' && /^config change rejected: rules\.toml:\d+/.test(l.msg));
      expect(rejected.file).toBe('rules.toml');
      expect(rejected.line).toBe(8);
      await send(server, 'ALERT still old rules');
      await waitInFolder(imap, 'Alerts', 'ALERT still old rules');

      // 3. Fixed: applies.
      await writeFile(join(clone, 'rules.toml'), '[[rule]]\nid = "rule-alerts"\nsubject_contains = "ALERT"\naction = { type = "store", folder = "Pager" }\n');
      await git(clone, 'commit', '-q', '-am', 'rules: fix');
      const commit3 = (await git(clone, 'rev-parse', 'HEAD')).stdout.trim();
      await pull();
      await server.waitForLine((l) => /^config generation \d+ live/.test(l.msg) && l.commit === commit3);
      await send(server, 'ALERT new folder');
      await waitInFolder(imap, 'Pager', 'ALERT new folder');

      const metrics = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
      expect(metrics).toMatch(/^everlock_config_generation [3-9]$/m);
      expect(metrics).toMatch(/^everlock_config_reload_failures_total 1$/m);
      expect(metrics).toMatch(/^everlock_module_up\{module="imap"\} 1$/m);
    } finally {
      await imap.logout().catch(() => undefined);
      const { exitCode } = await server.stop();
      expect(exitCode).toBe(0);
    }
  });

  it('--git-sync pulls on its own', async () => {
    const upstream = join(await tempDir('everlock-upstream-'), 'config');
    const first = await startServer();
    const served = first.home;
    await first.stop();
    await execa('git', ['clone', '--quiet', '--bare', served, upstream]);
    await git(served, 'remote', 'add', 'origin', upstream);
    const branch = (await git(served, 'rev-parse', '--abbrev-ref', 'HEAD')).stdout.trim();
    await git(served, 'fetch', '--quiet', 'origin');
    await git(served, 'branch', '--quiet', `--set-upstream-to=origin/${branch}`);

    const server = await startServer({ home: served, args: ['--git-sync', '1'] });
    try {
      const work = join(await tempDir('everlock-work-'), 'config');
      await execa('git', ['clone', '--quiet', upstream, work]);
      await writeFile(join(work, 'rules.toml'), '[[rule]]\nid = "rule-synced"\naction = { type = "store", folder = "Synced" }\n');
      await git(work, 'add', 'rules.toml');
      await git(work, 'commit', '-q', '-m', 'rules: synced');
      await git(work, 'push', '--quiet', 'origin', branch);
      const commit = (await git(work, 'rev-parse', 'HEAD')).stdout.trim();
      const live = await server.waitForLine((l) => /^config generation \d+ live/.test(l.msg) && l.commit === commit, 20_000);
      expect(live.rules).toBe(1);

      // Someone committed on the server: the histories diverge, the pull is refused and the config stays.
      await writeFile(join(served, 'rules.toml'), '[[rule]]\nid = "rule-local"\naction = { type = "store", folder = "Local" }\n');
      await git(served, 'commit', '-q', '-am', 'rules: edited on the server');
      await writeFile(join(work, 'rules.toml'), '[[rule]]\nid = "rule-upstream"\naction = { type = "store", folder = "Upstream" }\n');
      await git(work, 'commit', '-q', '-am', 'rules: upstream');
      await git(work, 'push', '--quiet', 'origin', branch);
      const refused = await server.waitForLine((l) => l.level === 'warn' && /^git pull --ff-only failed/.test(l.msg), 20_000);
      expect(refused.module).toBe('git-sync');
      expect((await git(served, 'log', '-1', '--format=%s')).stdout).toBe('rules: edited on the server');
    } finally {
      expect((await server.stop()).exitCode).toBe(0);
    }
  });
});
