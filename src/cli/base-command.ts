// Shared flags and error handling for every command: --home/--config/--data (and EVERLOCK_* env vars), and
// failures printed as one line with exit code 1 (usage errors 2). Import only light modules here: this runs on
// every cold start.
import { Command, Flags, Errors } from '@oclif/core';
import { resolvePaths, type Paths } from '../config/paths.js';
import { ConfigError, UserError, StoreError, formatIssue } from '../errors.js';

export const pathFlags = {
  home: Flags.string({ description: 'directory holding config and data (default ./everlock-mail)', env: 'EVERLOCK_HOME', helpGroup: 'LOCATION' }),
  config: Flags.string({ description: 'config repo directory (overrides --home)', env: 'EVERLOCK_CONFIG', helpGroup: 'LOCATION' }),
  data: Flags.string({ description: 'data directory: mail, queue, keys (overrides --home)', env: 'EVERLOCK_DATA', helpGroup: 'LOCATION' }),
};

export const commitFlags = {
  'no-commit': Flags.boolean({ description: 'do not commit the change to the config repo', default: false }),
};

export abstract class BaseCommand extends Command {
  static override baseFlags = pathFlags;

  protected paths(flags: { home?: string | undefined; config?: string | undefined; data?: string | undefined }): Paths {
    return resolvePaths({ home: flags.home, config: flags.config, data: flags.data });
  }

  /** Prints one line (or one per config issue) to stderr and exits 1, or 2 for usage errors. */
  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (err instanceof ConfigError) {
      // Warnings (an inline key, a low password cost) are config check's business: a failed command names
      // only what made it fail.
      const errors = err.issues.filter((i) => i.severity === 'error');
      for (const issue of errors.length ? errors : err.issues) process.stderr.write(formatIssue(issue) + '\n');
      this.exit(1);
    }
    if (err instanceof UserError) {
      process.stderr.write(`error: ${err.message}\n`);
      this.exit(err.exitCode);
    }
    if (err instanceof StoreError) {
      process.stderr.write(`error: ${err.message}\n`);
      this.exit(1);
    }
    // A file system failure (not a directory, permission denied, disk full): one line naming the path.
    const sys = systemErrorLine(err);
    if (sys) {
      process.stderr.write(`error: ${sys}\n`);
      this.exit(1);
    }
    // oclif's own parse errors (unknown flag, missing argument) are usage errors.
    if (err instanceof Errors.CLIError && !(err instanceof Errors.ExitError)) {
      const line = usageLine(err.message);
      process.stderr.write(`error: ${line}\nSee more help with --help\n`);
      this.exit(2);
    }
    return super.catch(err);
  }
}

/** `/path: not a directory (mkdir)` for a Node system error, or undefined for anything else. */
export function systemErrorLine(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code !== 'string' || typeof e.syscall !== 'string' || !/^E[A-Z]+$/.test(e.code)) return undefined;
  // Node's message is "ENOTDIR: not a directory, mkdir '/x/y'": keep the description only.
  const what = /^E[A-Z]+: ([^,]+)/.exec(e.message)?.[1] ?? e.code;
  return `${e.path ? `${e.path}: ` : ''}${what} (${e.syscall})`;
}

/**
 * The one line of an oclif parse error. Most are one line already; a flag parse failure is
 * "Parsing --flag \n\t<reason>\nSee more help with --help", joined here as "--flag: <reason>".
 */
export function usageLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l !== '' && l !== 'See more help with --help');
  const parsing = /^Parsing (--\S+)$/.exec(lines[0] ?? '');
  if (parsing && lines[1]) return `${parsing[1]}: ${lines[1]}`;
  return lines[0] ?? message;
}
