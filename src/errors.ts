// Typed errors, mapped to the wire in one place each (IMAP: server/imap/errors.ts, SMTP: server/smtp/errors.ts,
// CLI: cli/base-command.ts, sysexits: commands/deliver.ts). Storage and config throw these; protocol code
// catches at the command boundary, logs `detail`, and sends a stable message.

export type StoreErrorKind =
  | 'not-found' // folder or message does not exist
  | 'exists' // folder already exists
  | 'no-permission' // ACL / grant denies it, or EACCES on disk
  | 'over-quota' // Maildir++ quota or ENOSPC/EDQUOT
  | 'in-use' // lock held too long, folder busy
  | 'expunged' // message vanished between sync and read
  | 'limit' // size or count limit
  | 'invalid-name' // folder name not allowed (separator, traversal, reserved)
  | 'temporary'; // anything else that may work on retry (EIO, EMFILE, …)

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    /** Internal detail for the log; never sent on the wire. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** Maps a Node fs error to a StoreError kind. */
export function storeErrorFromErrno(err: unknown, what: string): StoreError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ENOENT':
      return new StoreError('not-found', `${what}: not found`, detail);
    case 'EEXIST':
      return new StoreError('exists', `${what}: already exists`, detail);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new StoreError('no-permission', `${what}: permission denied`, detail);
    case 'ENOSPC':
    case 'EDQUOT':
      return new StoreError('over-quota', `${what}: out of space`, detail);
    default:
      return new StoreError('temporary', `${what}: temporary failure`, detail);
  }
}

/** A problem in a config file, reported as `file:line:col: message`. */
export interface ConfigIssue {
  file: string;
  line?: number | undefined;
  col?: number | undefined;
  message: string;
  severity: 'error' | 'warning';
}

export function formatIssue(i: ConfigIssue): string {
  const where = [i.file, i.line, i.line !== undefined ? i.col : undefined].filter((x) => x !== undefined).join(':');
  return `${where}: ${i.severity === 'warning' ? 'warning: ' : ''}${i.message}`;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.filter((i) => i.severity === 'error').map(formatIssue).join('\n') || 'invalid configuration');
  }
}

/** A user-facing CLI failure: one line, exit code 1 (or 2 for usage). */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
