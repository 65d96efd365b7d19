// StoreError kinds mapped to IMAP response codes (RFC 5530), once. Handlers throw; the dispatcher catches,
// logs the internal detail, and sends the stable text here. Anything that is not a StoreError is our bug.
import { StoreError, type StoreErrorKind } from '../../errors.js';

export interface Completion {
  readonly status: 'OK' | 'NO' | 'BAD';
  /** Response code without brackets, e.g. `TRYCREATE` or `APPENDUID 1 5`. */
  readonly code?: string | undefined;
  readonly text: string;
}

export const ok = (text: string, code?: string): Completion => ({ status: 'OK', text, code });
export const no = (text: string, code?: string): Completion => ({ status: 'NO', text, code });
export const bad = (text: string, code?: string): Completion => ({ status: 'BAD', text, code });

const CODES: Record<StoreErrorKind, { code: string; text: string }> = {
  'not-found': { code: 'NONEXISTENT', text: 'Mailbox does not exist' },
  exists: { code: 'ALREADYEXISTS', text: 'Mailbox already exists' },
  'no-permission': { code: 'NOPERM', text: 'Permission denied' },
  'over-quota': { code: 'OVERQUOTA', text: 'Quota exceeded' },
  'in-use': { code: 'INUSE', text: 'Mailbox is busy, try again later' },
  expunged: { code: 'EXPUNGEISSUED', text: 'Some of the requested messages no longer exist' },
  limit: { code: 'LIMIT', text: 'Limit exceeded' },
  'invalid-name': { code: 'CANNOT', text: 'Invalid mailbox name' },
  temporary: { code: 'UNAVAILABLE', text: 'Temporary failure, try again later' },
};

export interface MapOptions {
  /** The command names a destination that may be created (APPEND, COPY, MOVE): not-found is TRYCREATE. */
  readonly tryCreate?: boolean;
}

/** The tagged completion for an error thrown by a handler, or undefined if it is not a StoreError. */
export function completionForError(err: unknown, opts: MapOptions = {}): Completion | undefined {
  if (!(err instanceof StoreError)) return undefined;
  if (err.kind === 'not-found' && opts.tryCreate) return no('Mailbox does not exist', 'TRYCREATE');
  const c = CODES[err.kind];
  return no(c.text, c.code);
}

export const serverBug = (): Completion => no('Internal server error', 'SERVERBUG');
