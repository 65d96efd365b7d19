// Typed response values: commands build these, and the encoder (protocol/encode.ts) alone turns them into
// wire bytes, choosing atom, quoted string or literal, and modified UTF-7 vs UTF-8 for mailbox names. No
// command concatenates user data into wire text.
import type { Readable } from 'node:stream';

/** Sent verbatim: only for protocol atoms we produce (FLAGS names, BODY[1.TEXT], \Seen …), never user data. */
export class Atom {
  constructor(readonly value: string) {}
}

/** A string the encoder sends as quoted when safe, else as a literal. */
export class Str {
  constructor(readonly value: string | Buffer) {}
}

/** Always a literal; the body streams (large messages are never buffered whole). */
export class Literal {
  constructor(
    readonly source: Buffer | Readable,
    readonly size: number,
    /** literal8 (~{n}) for BINARY. */
    readonly binary = false,
  ) {}
}

/** A mailbox name: encoded as modified UTF-7 unless UTF8=ACCEPT is enabled. */
export class MailboxName {
  constructor(readonly value: string) {}
}

/** Sent as-is (e.g. a sequence set or `BODY[HEADER.FIELDS (FROM)]`); must come from our own formatting. */
export class Raw {
  constructor(readonly value: string) {}
}

export type Value = null | number | bigint | Atom | Str | Literal | MailboxName | Raw | readonly Value[];

export const atom = (v: string): Atom => new Atom(v);
export const str = (v: string | Buffer): Str => new Str(v);
export const nstr = (v: string | Buffer | null | undefined): Str | null => (v === null || v === undefined ? null : new Str(v));
