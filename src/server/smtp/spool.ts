// Receives SMTP DATA (or stdin for `everlock deliver`) with a size cap, CRLF-normalised, with the header block
// parsed on the way for rules and checks. A message up to `memoryBytes` (the common case) stays in memory: it is
// verified and handed to the store as one buffer, so it costs no file writes, re-reads or unlinks before its one
// durable write in the Maildir. A larger one spills to a temp file under <data>/tmp, so no large message is
// ever held in memory whole, and all messages being received at once hold at most MEMORY_BUDGET_BYTES (past
// it, new ones spill to files too), so many slow senders cannot pin the server's memory. Neither form is
// durable (nothing is acknowledged until the Maildir/queue copies are): the caller calls `discard()` once every
// copy has been written elsewhere.
import { open, mkdir, rm, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { SMALL_MESSAGE_BYTES, type MessageBody } from '../delivery/source.js';
import { markCrlf } from '../../mime/canonical.js';
import { parseHeaderBlock, type HeaderField } from './headers.js';

export interface SpooledMessage {
  /** The bytes (CRLF line ends): in memory, or in a spool file. */
  readonly body: MessageBody;
  /** Bytes in the message. */
  readonly size: number;
  /** The top-level header fields, in order. */
  readonly headers: readonly HeaderField[];
  /**
   * Bytes of the header fields at the start of the message (up to, not including, the blank line); the whole
   * message when it has no blank line; undefined when the header block was too long to keep (MAX_HEADER_BYTES).
   */
  readonly headerLength: number | undefined;
  discard(): Promise<void>;
}

export interface SpoolOptions {
  /** Messages up to this size stay in memory; 0 = always a file (callers that need a path). */
  readonly memoryBytes?: number | undefined;
}

/** Bytes all in-memory spools of this process may hold at once. */
export const MEMORY_BUDGET_BYTES = 64 * 1024 * 1024;

/** The process-wide account of in-memory spool bytes. */
export const spoolMemory = {
  held: 0,
  take(n: number): boolean {
    if (this.held + n > MEMORY_BUDGET_BYTES) return false;
    this.held += n;
    return true;
  },
  give(n: number): void {
    this.held -= n;
  },
};

export class SpoolTooBig extends Error {
  override readonly name = 'SpoolTooBig';
  constructor(readonly limit: number) {
    super(`message larger than ${limit} bytes`);
  }
}

/** A spool file's name, and the pattern of every such name (what a start-up cleanup may remove). */
const spoolFileName = (): string => `msg-${Date.now()}-${randomBytes(8).toString('hex')}.eml`;
export const SPOOL_FILE_NAME = /^msg-\d+-[0-9a-f]+\.eml$/;

/** Spool directories already created by this process (one mkdir per directory, not per message). */
const madeDirs = new Set<string>();

/** Limit for the part of the header block kept in memory; longer header blocks are still stored, not parsed. */
const MAX_HEADER_BYTES = 1024 * 1024;

/**
 * Reads `input` to the end, turning bare LF into CRLF and parsing the header block on the way. Throws
 * SpoolTooBig (and leaves no file) when more than `maxBytes` arrive; the input is drained either way.
 * Plain async iteration rather than a stream pipeline: no per-message Transform/Writable pair or abort
 * controller, and back-pressure comes free (the next chunk is read when the previous one is stored).
 */
export async function spoolMessage(input: Readable, dir: string, maxBytes: number, opts: SpoolOptions = {}): Promise<SpooledMessage> {
  const capture = new HeaderCapture(maxBytes);
  const sink = new SpoolSink(dir, opts.memoryBytes ?? SMALL_MESSAGE_BYTES);
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      const out = capture.push(chunk);
      if (out) await sink.write(out);
    }
    await sink.end();
  } catch (err) {
    await sink.remove();
    throw err;
  }
  if (capture.tooBig) {
    await sink.remove();
    throw new SpoolTooBig(maxBytes);
  }
  const path = sink.path;
  // Every byte went through toCrlf below: the store need not look for bare LFs again.
  const body: MessageBody = path === undefined ? { data: markCrlf(sink.data()) } : { path };
  let held = sink.heldBytes;
  return {
    body,
    size: capture.size,
    headers: parseHeaderBlock(capture.headerBytes()),
    headerLength: capture.headerLength,
    discard: () => {
      spoolMemory.give(held);
      held = 0;
      return path === undefined ? Promise.resolve() : rm(path, { force: true });
    },
  };
}

/** Keeps chunks in memory up to a threshold, then moves them to a new file and appends there. */
class SpoolSink {
  path: string | undefined;
  private chunks: Buffer[] = [];
  private length = 0;
  private fh: FileHandle | undefined;
  private position = 0;

  constructor(
    private readonly dir: string,
    private readonly memoryBytes: number,
  ) {}

  /** Bytes counted against the process-wide budget (given back by discard or remove). */
  get heldBytes(): number {
    return this.fh || this.path !== undefined ? 0 : this.length;
  }

  data(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
  }

  async write(chunk: Buffer): Promise<void> {
    if (!this.fh && this.length + chunk.length <= this.memoryBytes && spoolMemory.take(chunk.length)) {
      this.chunks.push(chunk);
      this.length += chunk.length;
      return;
    }
    await this.toFile(chunk);
  }

  async end(): Promise<void> {
    // An empty message with memoryBytes = 0 still gets its file: such callers want a path.
    if (!this.fh && this.memoryBytes === 0) await this.toFile(Buffer.alloc(0));
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }

  private async toFile(chunk: Buffer): Promise<void> {
    if (!this.fh) {
      if (!madeDirs.has(this.dir)) {
        await mkdir(this.dir, { recursive: true });
        madeDirs.add(this.dir);
      }
      const path = join(this.dir, spoolFileName());
      try {
        this.fh = await open(path, 'wx', 0o600);
      } catch (err) {
        // The directory vanished (removed by hand): create it again for the next message.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') madeDirs.delete(this.dir);
        throw err;
      }
      this.path = path;
      const held = this.data();
      spoolMemory.give(this.length);
      this.chunks = [];
      this.length = 0;
      await this.append(held);
    }
    await this.append(chunk);
  }

  private async append(buf: Buffer): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await this.fh!.write(buf, off, buf.length - off, this.position);
      off += bytesWritten;
      this.position += bytesWritten;
    }
  }

  /** Drops whatever was received (error or over the cap). */
  async remove(): Promise<void> {
    spoolMemory.give(this.heldBytes);
    this.chunks = [];
    this.length = 0;
    await this.fh?.close().catch(() => {});
    this.fh = undefined;
    if (this.path !== undefined) await rm(this.path, { force: true });
  }
}

/** CRLF-normalises, counts, caps, and keeps a copy of the header block. Past the cap it swallows input. */
class HeaderCapture {
  size = 0;
  tooBig = false;
  private readonly head: Buffer[] = [];
  private headLen = 0;
  private headDone = false;
  private headTooLong = false;
  private lastByte = -1;

  constructor(private readonly maxBytes: number) {}

  /** See SpooledMessage.headerLength. */
  get headerLength(): number | undefined {
    return this.headTooLong ? undefined : this.headLen;
  }

  headerBytes(): Buffer {
    return Buffer.concat(this.head);
  }

  /** The chunk to keep (CRLF form), or undefined once over the cap. */
  push(chunk: Buffer): Buffer | undefined {
    if (this.tooBig) return undefined;
    const out = toCrlf(chunk, this.lastByte);
    this.lastByte = chunk.length ? chunk[chunk.length - 1]! : this.lastByte;
    this.size += out.length;
    if (this.size > this.maxBytes) {
      this.tooBig = true;
      return undefined;
    }
    if (!this.headDone) this.keepHead(out);
    return out;
  }

  private keepHead(out: Buffer): void {
    const before = this.headLen;
    this.head.push(out);
    this.headLen += out.length;
    const joined = this.head.length > 1 ? Buffer.concat(this.head) : out;
    const end = joined.indexOf('\r\n\r\n', Math.max(0, before - 3));
    if (end >= 0) {
      this.head.length = 0;
      this.head.push(joined.subarray(0, end + 2));
      this.headLen = end + 2;
      this.headDone = true;
    } else if (joined.length >= 2 && joined[0] === 0x0d && joined[1] === 0x0a) {
      // No header at all: the message starts with the blank line.
      this.head.length = 0;
      this.headLen = 0;
      this.headDone = true;
    } else if (this.headLen > MAX_HEADER_BYTES) {
      this.headTooLong = true;
      this.headDone = true;
    } else if (this.head.length > 1) {
      this.head.length = 0;
      this.head.push(joined);
    }
  }
}

/** Bare LF -> CRLF; `prev` is the last byte of the previous chunk so a CR/LF pair split across chunks stays one. */
function toCrlf(chunk: Buffer, prev: number): Buffer {
  // Mail almost always arrives in CRLF form already: find the LFs natively and only copy when one is bare.
  let bare = 0;
  for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) if ((i > 0 ? chunk[i - 1] : prev) !== 0x0d) bare++;
  if (bare === 0) return chunk;
  const out = Buffer.allocUnsafe(chunk.length + bare);
  let o = 0;
  let from = 0;
  for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) {
    if ((i > 0 ? chunk[i - 1] : prev) === 0x0d) continue;
    o += chunk.copy(out, o, from, i);
    out[o++] = 0x0d;
    from = i;
  }
  o += chunk.copy(out, o, from);
  return out;
}
