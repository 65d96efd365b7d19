// The shape of one command module: its name, the states it is valid in and its pipelining flags (read by the
// dispatcher, never checked by handlers), and the handler itself.
import type { Parser } from '../protocol/parser.js';
import type { Completion } from '../errors.js';
import type { Session } from '../session/session.js';
import type { StateKind } from '../session/state.js';

export interface CommandContext {
  readonly tag: string;
  /** Upper-case command name (without UID). */
  readonly name: string;
  /** Invoked as `UID <name>`: sequence sets are UIDs. */
  readonly uid: boolean;
  /** Positioned just after the command name. */
  readonly p: Parser;
  readonly session: Session;
}

export interface CommandSpec {
  readonly name: string;
  readonly states: readonly StateKind[];
  /** Also valid as `UID <name>`. */
  readonly uid?: boolean;
  /**
   * Answers with message sequence numbers, so no EXPUNGE may be sent while it runs (RFC 3501 §7.4.1:
   * FETCH, STORE, SEARCH). Their UID forms are exempt.
   */
  readonly holdsExpunges?: boolean;
  /** Reconcile the selected folder with the store before running (the command reads messages). */
  readonly syncFirst?: boolean;
  readonly run: (ctx: CommandContext) => Promise<Completion>;
}

export const NOT_AUTH: readonly StateKind[] = ['not-authenticated'];
export const ANY: readonly StateKind[] = ['not-authenticated', 'authenticated', 'selected'];
export const AUTH: readonly StateKind[] = ['authenticated', 'selected'];
export const SELECTED: readonly StateKind[] = ['selected'];
