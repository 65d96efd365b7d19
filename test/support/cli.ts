// Runs the built CLI (dist/, made by `npm test`'s pretest build) in a child process, as an admin would.
import { execa, type Result } from 'execa';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface CliOptions {
  input?: string;
  env?: Record<string, string>;
  cwd?: string;
}

/** Runs `everlock <args>`; never throws on a non-zero exit (tests assert on exitCode). */
export async function everlock(args: string[], opts: CliOptions = {}): Promise<Result> {
  return execa(process.execPath, [BIN, ...args], {
    reject: false,
    input: opts.input ?? '',
    cwd: opts.cwd ?? ROOT,
    env: { EVERLOCK_HOME: '', EVERLOCK_CONFIG: '', EVERLOCK_DATA: '', GIT_AUTHOR_NAME: 'everlock test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'everlock test', GIT_COMMITTER_EMAIL: 'test@example.com', ...opts.env },
    extendEnv: true,
    stripFinalNewline: true,
  });
}
