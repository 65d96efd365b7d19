// mbsync (isync) against a test IMAP server: a config for user alice over plain IMAP on loopback, syncing into
// a fresh local Maildir, and a run of it.
import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../support/tmp.js';

export interface MbsyncSetup {
  /** The local Maildir root (with a trailing slash, as mbsync wants it). */
  readonly local: string;
  /** Runs `mbsync -a` with this config. */
  run(): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }>;
}

/** `channel` lines after Far/Near, e.g. `Patterns *\nCreate Both\nExpunge Both`. */
export async function mbsyncSetup(port: number, channel: string, prefix = 'everlock-mbsync-'): Promise<MbsyncSetup> {
  const dir = await tempDir(prefix);
  const local = join(dir, 'local') + '/';
  await mkdir(local, { recursive: true });
  const rc = join(dir, 'mbsyncrc');
  await writeFile(
    rc,
    `IMAPAccount t\nHost 127.0.0.1\nPort ${port}\nUser alice@example.com\nPass secret\nSSLType None\nAuthMechs LOGIN PLAIN\n\n` +
      `IMAPStore remote\nAccount t\n\nMaildirStore local\nPath ${local}\nInbox ${local}INBOX\nSubFolders Verbatim\n\n` +
      `Channel c\nFar :remote:\nNear :local:\n${channel}\nSyncState *\nSync All\n`,
  );
  const run = async (): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> => {
    const r = await execa('mbsync', ['-c', rc, '-a'], { reject: false, timeout: 30_000 });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  return { local, run };
}
