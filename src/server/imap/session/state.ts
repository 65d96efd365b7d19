// The connection state of RFC 9051 §3 as a discriminated union: which commands are valid depends only on
// `kind` (the registry lists allowed kinds per command), and data that exists only in a state lives only in it.
import type { ImapIdentity } from '../auth.js';
import type { Mailbox } from '../../../maildir/types.js';
import type { MailboxView } from './view.js';

/** A logged-in user with their Maildirs opened. */
export interface AuthenticatedUser {
  readonly identity: ImapIdentity;
  /** The personal namespace (""), the user's own Maildir. */
  readonly personal: Mailbox;
  /** Shared namespace entries, keyed by their address as shown in `Shared/<address>/`. */
  readonly shared: ReadonlyMap<string, { readonly mailbox: Mailbox; readonly readOnly: boolean }>;
}

export type SessionState =
  /** Greeting sent; only CAPABILITY, NOOP, LOGOUT, STARTTLS, AUTHENTICATE, LOGIN (and ID) are valid. */
  | { readonly kind: 'not-authenticated' }
  | {
      readonly kind: 'authenticated';
      /** Who logged in. */
      readonly user: AuthenticatedUser;
    }
  | {
      readonly kind: 'selected';
      readonly user: AuthenticatedUser;
      /** The selected folder as this session sees it (sequence numbers, \Recent, pending updates). */
      readonly view: MailboxView;
    }
  /** LOGOUT or BYE sent; nothing more is read. */
  | { readonly kind: 'logout' };

export type StateKind = SessionState['kind'];
