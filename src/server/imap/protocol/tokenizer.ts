// Incremental framing of client input into whole commands (RFC 9051 §2.2, §4.3). It knows lines and literals
// only: a line ending in `{n}` (synchronizing: the server must say "+" first), `{n+}` (LITERAL+, RFC 7888) or
// `~{n}` (literal8, RFC 3516) is followed by n raw bytes and then more of the same command. Everything else
// (tags, atoms, lists) is the parser's job. Bytes go in through push(), frames come out of next(), and
// `undefined` means "need more input". Limits are enforced here so no caller can buffer without bound.
// A literal the caller's `spill` takes (a large APPEND body) is written to its sink as it arrives instead of
// being held: the command's data then has the literal's `{n}` header but not its bytes, and the frame says
// where they would have been (`spilled`), for the parser to hand out the sink's file instead.

export interface FramerLimits {
  /** Longest line (between literals), terminator included. */
  readonly maxLineBytes: number;
  /** Largest single literal (APPENDLIMIT). */
  readonly maxLiteralBytes: number;
  /** Largest whole command, literals included. */
  readonly maxCommandBytes: number;
}

/** Where a spilled literal's bytes went: a temp file the command's handler reads, then discards. */
export interface SpilledLiteral {
  readonly path: string;
  readonly size: number;
  /** A NUL byte was among them (not allowed in a literal that is not literal8). */
  readonly hasNul: boolean;
  /** Writing the file failed (disk full, say): the bytes were read and dropped. */
  readonly failed: boolean;
  /** Removes the file (idempotent). */
  discard(): void;
}

/** Receives one literal's bytes as they arrive; synchronous, so framing stays a pure loop. */
export interface LiteralSink {
  write(chunk: Buffer): void;
  /** Every byte is written. */
  finish(): SpilledLiteral;
  /** The command was dropped: remove what was written. */
  abort(): void;
}

/** Offered each literal header with the command's first line; a sink takes the literal out of memory. */
export type LiteralSpill = (firstLine: Buffer, size: number) => LiteralSink | undefined;

/** A spilled literal and the offset in the command's data where its bytes would have started. */
export interface SpilledAt {
  readonly at: number;
  readonly literal: SpilledLiteral;
}

export type Frame =
  /** A complete command: its lines and literals as sent, without the final line terminator. */
  | { readonly type: 'command'; readonly data: Buffer; readonly spilled?: readonly SpilledAt[] | undefined }
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
  /** The literal being written to a sink, and where its bytes would start in the command's data. */
  private sink: { readonly sink: LiteralSink; readonly at: number } | undefined;
  /** Literals of the command being framed that went to sinks. */
  private spilled: SpilledAt[] = [];
  private spilledBytes = 0;
  /** Where to resume the LF search in `pending`. */
  private scanFrom = 0;

  /** Mutable: the session raises the literal limit after login. */
  constructor(
    public limits: FramerLimits,
    private readonly spill?: LiteralSpill | undefined,
  ) {}

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
        if (this.sink) this.sink.sink.write(this.pending.subarray(0, take));
        else this.addPart(this.pending.subarray(0, take));
        this.pending = this.pending.subarray(take);
        this.literalRemaining -= take;
        if (this.literalRemaining > 0) return undefined;
        if (this.sink) {
          this.spilled.push({ at: this.sink.at, literal: this.sink.sink.finish() });
          this.sink = undefined;
        }
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
        const total = this.commandBytes + this.spilledBytes + line.length + literal.size;
        if (literal.size > this.limits.maxLiteralBytes || total > this.limits.maxCommandBytes) {
          const head = Buffer.from(this.parts.length ? this.parts[0]!.subarray(0, 64) : line.subarray(0, 64));
          this.resetCommand();
          if (!literal.sync) this.pending = Buffer.alloc(0);
          return { type: 'literal-too-large', head, size: literal.size, fatal: !literal.sync };
        }
        const sink = literal.size > 0 ? this.spill?.(this.parts.length ? this.parts[0]! : line, literal.size) : undefined;
        this.addPart(line);
        this.literalRemaining = literal.size;
        if (sink) {
          this.sink = { sink, at: this.commandBytes };
          this.spilledBytes += literal.size;
        }
        if (literal.sync) return { type: 'continue' };
        continue;
      }
      this.addPart(line.subarray(0, line.length - (line.length >= 2 && line[line.length - 2] === 0x0d ? 2 : 1)));
      // One part is a view into a received chunk: copied so the command does not pin it. Several parts are
      // joined into a new buffer already; copying that again would double the memory of a 50 MB APPEND.
      const data = this.parts.length === 1 ? Buffer.from(this.parts[0]!) : Buffer.concat(this.parts, this.commandBytes);
      const spilled = this.spilled.length ? this.spilled : undefined;
      // Handed over with the frame: whoever runs the command discards the files.
      this.spilled = [];
      this.resetCommand();
      return { type: 'command', data, spilled };
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
    this.sink?.sink.abort();
    this.sink = undefined;
    for (const s of this.spilled) s.literal.discard();
    this.spilled = [];
    this.spilledBytes = 0;
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
