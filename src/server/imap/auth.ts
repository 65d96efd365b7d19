// What the IMAP server needs to know about a logged-in user, and the function that checks a login. The
// module wires this to config/directory.ts; tests pass their own. Keeping it a plain function keeps the
// session independent of how users are configured.
import type { MailboxAddress, Role } from '../../config/types.js';

export interface ImapIdentity {
  /** The login as configured (user file name). */
  readonly login: string;
  /** The user's own Maildir: the personal namespace. */
  readonly personal: MailboxAddress;
  /** Quota in bytes for the personal Maildir; 0 = none. */
  readonly quotaBytes: number;
  /** Other Maildirs this user may open: shown under `Shared/<address>/`. */
  readonly shared: readonly { readonly address: MailboxAddress; readonly role: Role }[];
}

/** Resolves a login and password to an identity, or null when they do not match. Never throws for bad input. */
export type Authenticator = (login: string, password: string) => Promise<ImapIdentity | null>;
