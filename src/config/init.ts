// `everlock init`: the config repo and data layout of SPEC §1. Idempotent: running it again adds only what is
// missing and never touches existing config. The .gitignore keeps everything that is not config (mail, queue,
// keys, certificates, our lock and temp files) out of git, so secrets never reach the repo.
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Paths } from './paths.js';
import { commitPaths, gitInit, headCommit, isGitRepo } from './git.js';
import { writeFileAtomic, LOCK_NAME } from './write.js';

const SERVER_TEMPLATE = `# everlock server settings. Every field is optional; flags and EVERLOCK_* env vars of \`everlock serve\` win.
# hostname = "mail.example.com"       # default: this machine's host name
# allow_insecure_auth = false         # AUTH/LOGIN without TLS
#
# [listen]
# smtp = "0.0.0.0:25"
# submission = "0.0.0.0:587"
# submissions = "0.0.0.0:465"
# imap_tls = "0.0.0.0:993"
# imap_starttls = "0.0.0.0:143"
# http = "127.0.0.1:8080"             # health, metrics, autoconfig; off unless set
#
# [limits]
# max_message_bytes = 52428800
# max_recipients = 100
# auth_failures_per_minute = 5
# auth_lockout_seconds = 60
# imap_idle_timeout_seconds = 1800
# imap_commands_per_second = 200      # an IMAP session over this rate is slowed down, not refused
# imap_connections_per_ip = 100       # from one address, both IMAP listeners together
# submission_recipients_per_user_per_hour = 1000  # then 450 4.7.1 until the hour is over
#
# [passwords]
# scrypt_ln = 17                      # cost of new password hashes: 2^17, 128 MiB, OWASP's scrypt minimum
`;

/** The lines the config repo's .gitignore must hold (data paths only when data lives inside the repo). */
function ignoreLines(paths: Paths): string[] {
  const lines = [`/${LOCK_NAME}`, '*.tmp'];
  const rel = relative(resolve(paths.config), resolve(paths.data));
  if (!rel.startsWith('..') && !rel.startsWith('/')) {
    const prefix = rel === '' ? '/' : `/${rel}/`;
    lines.push(`${prefix}mail/`, `${prefix}queue/`, `${prefix}keys/`, `${prefix}config/`);
  }
  return lines;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function initHome(paths: Paths): Promise<void> {
  await mkdir(join(paths.config, 'domains'), { recursive: true });
  await mkdir(join(paths.config, 'users'), { recursive: true });
  for (const d of ['mail', 'queue', 'config']) await mkdir(join(paths.data, d), { recursive: true });
  await mkdir(join(paths.data, 'keys', 'dkim'), { recursive: true, mode: 0o700 });
  await chmod(join(paths.data, 'keys'), 0o700);

  const created: string[] = [];
  const gitignore = join(paths.config, '.gitignore');
  const current = await readIfExists(gitignore);
  const have = new Set((current ?? '').split('\n').map((l) => l.trim()));
  const missing = ignoreLines(paths).filter((l) => !have.has(l));
  if (missing.length > 0) {
    const head = current === undefined ? '# Not config: mail, queue, keys, certificates, locks. Secrets never enter git.\n' : current.endsWith('\n') || current === '' ? current : current + '\n';
    await writeFileAtomic(gitignore, head + missing.join('\n') + '\n');
    created.push('.gitignore');
  }
  const serverFile = join(paths.config, 'everlock.toml');
  if ((await readIfExists(serverFile)) === undefined) {
    await writeFileAtomic(serverFile, SERVER_TEMPLATE);
    created.push('everlock.toml');
  }

  if (!(await isGitRepo(paths.config))) await gitInit(paths.config);
  if (created.length > 0 || (await headCommit(paths.config)) === undefined) {
    await commitPaths(paths.config, ['.gitignore', 'everlock.toml'], 'init: everlock config repo');
  }
}
