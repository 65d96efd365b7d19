// Incremental framing of client input into whole commands (RFC 9051 §2.2, §4.3). It knows lines and literals
// only: a line ending in `{n}` (synchronizing: the server must say "+" first), `{n+}` (LITERAL+, RFC 7888) or
// `~{n}` (literal8, RFC 3516) is followed by n raw bytes and then more of the same command. Everything else
// (tags, atoms, lists) is the parser's job. No I/O: bytes go in through push(), frames come out of next(),
// and `undefined` means "need more input". Limits are enforced here so no caller can buffer without bound.

export interface FramerLimits {
  /** Longest line (between literals), terminator included. */
  readonly maxLineBytes: number;
  /** Largest single literal (APPENDLIMIT). */
  readonly maxLiteralBytes: number;
  /** Largest whole command, literals included. */
  readonly maxCommandBytes: number;
}

export type Frame =
  /** A complete command: its lines and literals as sent, without the final line terminator. */
  | { readonly type: 'command'; readonly data: Buffer }
  /** A synchronizing literal was announced: the session must send a continuation request ("+ ..."). */
  | { readonly type: 'continue' }
  /** A line exceeded maxLineBytes; `head` is its start (to find a tag). The rest of the line is skipped. */
  | { readonly type: 'line-too-long'; readonly head: Buffer }
  /**
   * A literal exceeded the limits. For a synchronizing literal the client waits for our answer, so the command
   * is dropped and the connection goes on; a non-synchronizing one is already on its way: `fatal`.
   */
  | { readonly type: 'literal-too-large'; readonly head: Buffer; readonly size: number; readonly fatal: boolean };

const LF = 0x0a;
const EMPTY = Buffer.alloc(0);

export class CommandFramer {
  private pending: Buffer = Buffer.alloc(0);
  /** Completed segments (lines with their terminators, literal bodies) of the command being framed. */
  private parts: Buffer[] = [];
  private commandBytes = 0;
  /** Literal bytes still expected. */
  private literalRemaining = 0;
  /** Skipping the rest of an over-long line. */
  private discarding = false;
  /** Where to resume the LF search in `pending`. */
  private scanFrom = 0;

  /** Mutable: the session raises the literal limit after login. */
  constructor(public limits: FramerLimits) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
  }

  /** Bytes buffered but not yet framed. */
  get buffered(): number {
    return this.pending.length + this.commandBytes;
  }

  next(): Frame | undefined {
    for (;;) {
      if (this.literalRemaining > 0) {
        if (this.pending.length === 0) return undefined;
        const take = Math.min(this.literalRemaining, this.pending.length);
        this.addPart(this.pending.subarray(0, take));
        this.pending = this.pending.subarray(take);
        this.literalRemaining -= take;
        if (this.literalRemaining > 0) return undefined;
        continue;
      }
      const lf = this.pending.indexOf(LF, this.scanFrom);
      if (lf < 0) {
        if (!this.discarding && this.pending.length > this.limits.maxLineBytes) {
          const head = this.pending.subarray(0, 64);
          this.resetCommand();
          this.discarding = true;
          this.pending = Buffer.alloc(0);
          this.scanFrom = 0;
          return { type: 'line-too-long', head: Buffer.from(head) };
        }
        if (this.discarding) this.pending = Buffer.alloc(0);
        this.scanFrom = this.pending.length;
        return undefined;
      }
      const line = this.pending.subarray(0, lf + 1);
      // Fully consumed: drop the reference, so an idle connection does not pin the last chunk it received.
      this.pending = lf + 1 === this.pending.length ? EMPTY : this.pending.subarray(lf + 1);
      this.scanFrom = 0;
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      if (line.length > this.limits.maxLineBytes) {
        const head = Buffer.from(this.parts.length ? this.parts[0]!.subarray(0, 64) : line.subarray(0, 64));
        this.resetCommand();
        return { type: 'line-too-long', head };
      }
      const literal = literalHeader(line);
      if (literal) {
        const total = this.commandBytes + line.length + literal.size;
        if (literal.size > this.limits.maxLiteralBytes || total > this.limits.maxCommandBytes) {
          const head = Buffer.from(this.parts.length ? this.parts[0]!.subarray(0, 64) : line.subarray(0, 64));
          this.resetCommand();
          if (!literal.sync) this.pending = Buffer.alloc(0);
          return { type: 'literal-too-large', head, size: literal.size, fatal: !literal.sync };
        }
        this.addPart(line);
        this.literalRemaining = literal.size;
        if (literal.sync) return { type: 'continue' };
        continue;
      }
      this.addPart(line.subarray(0, line.length - (line.length >= 2 && line[line.length - 2] === 0x0d ? 2 : 1)));
      // One part is a view into a received chunk: copied so the command does not pin it. Several parts are
      // joined into a new buffer already; copying that again would double the memory of a 50 MB APPEND.
      const data = this.parts.length === 1 ? Buffer.from(this.parts[0]!) : Buffer.concat(this.parts, this.commandBytes);
      this.resetCommand();
      return { type: 'command', data };
    }
  }

  /** Drops everything buffered (after STARTTLS nothing sent in plaintext may be used). */
  reset(): void {
    this.resetCommand();
    this.pending = Buffer.alloc(0);
    this.scanFrom = 0;
    this.discarding = false;
  }

  private addPart(b: Buffer): void {
    this.parts.push(b);
    this.commandBytes += b.length;
  }

  private resetCommand(): void {
    this.parts = [];
    this.commandBytes = 0;
    this.literalRemaining = 0;
  }
}

/** `{123}` / `{123+}` / `~{123}` just before the line terminator, or undefined. */
function literalHeader(line: Buffer): { size: number; sync: boolean } | undefined {
  let end = line.length - 1; // the LF
  if (end > 0 && line[end - 1] === 0x0d) end--;
  if (end < 3 || line[end - 1] !== 0x7d /* } */) return undefined;
  let i = end - 2;
  let sync = true;
  if (line[i] === 0x2b /* + */) {
    sync = false;
    i--;
  }
  const digitsEnd = i + 1;
  while (i >= 0 && line[i]! >= 0x30 && line[i]! <= 0x39) i--;
  if (i < 0 || line[i] !== 0x7b /* { */ || digitsEnd - (i + 1) === 0 || digitsEnd - (i + 1) > 12) return undefined;
  const size = Number(line.toString('latin1', i + 1, digitsEnd));
  return { size, sync };
}
