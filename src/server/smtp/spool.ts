// Streams SMTP DATA (or stdin for `everlock deliver`) into a temp file under <data>/tmp with a size cap, so no
// message is ever held in memory whole. The header block is kept parsed for rules and checks. The caller owns
// the file and removes it with `discard()` once every copy has been written elsewhere.
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseHeaderBlock, type HeaderField } from './headers.js';

export interface SpooledMessage {
  readonly path: string;
  /** Bytes in the file (CRLF line ends). */
  readonly size: number;
  /** The top-level header fields, in order. */
  readonly headers: readonly HeaderField[];
  discard(): Promise<void>;
}

export class SpoolTooBig extends Error {
  override readonly name = 'SpoolTooBig';
  constructor(readonly limit: number) {
    super(`message larger than ${limit} bytes`);
  }
}

/** Spool directories already created by this process (one mkdir per directory, not per message). */
const madeDirs = new Set<string>();

/** Limit for the part of the header block kept in memory; longer header blocks are still stored, not parsed. */
const MAX_HEADER_BYTES = 1024 * 1024;

/**
 * Copies `input` to a new file in `dir`, turning bare LF into CRLF, and parsing the header block on the way.
 * Throws SpoolTooBig (and removes the file) when more than `maxBytes` arrive; the input is drained either way.
 */
export async function spoolMessage(input: Readable, dir: string, maxBytes: number): Promise<SpooledMessage> {
  if (!madeDirs.has(dir)) {
    await mkdir(dir, { recursive: true });
    madeDirs.add(dir);
  }
  const path = join(dir, `msg-${Date.now()}-${randomBytes(8).toString('hex')}.eml`);
  const capture = new HeaderCapture(maxBytes);
  try {
    await pipeline(input, capture, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    await rm(path, { force: true });
    // The directory vanished (removed by hand): create it again for the next message.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') madeDirs.delete(dir);
    throw err;
  }
  if (capture.tooBig) {
    await rm(path, { force: true });
    throw new SpoolTooBig(maxBytes);
  }
  return {
    path,
    size: capture.size,
    headers: parseHeaderBlock(capture.headerBytes()),
    discard: () => rm(path, { force: true }),
  };
}

/** CRLF-normalises, counts, caps, and keeps a copy of the header block. Past the cap it swallows input. */
class HeaderCapture extends Transform {
  size = 0;
  tooBig = false;
  private readonly head: Buffer[] = [];
  private headLen = 0;
  private headDone = false;
  private lastByte = -1;

  constructor(private readonly maxBytes: number) {
    super();
  }

  headerBytes(): Buffer {
    return Buffer.concat(this.head);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.tooBig) return done();
    const out = toCrlf(chunk, this.lastByte);
    this.lastByte = chunk.length ? chunk[chunk.length - 1]! : this.lastByte;
    this.size += out.length;
    if (this.size > this.maxBytes) {
      this.tooBig = true;
      return done();
    }
    if (!this.headDone) this.keepHead(out);
    done(null, out);
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
      this.headDone = true;
    } else if (joined.length >= 2 && joined[0] === 0x0d && joined[1] === 0x0a) {
      // No header at all: the message starts with the blank line.
      this.head.length = 0;
      this.headDone = true;
    } else if (this.headLen > MAX_HEADER_BYTES) {
      this.headDone = true;
    } else if (this.head.length > 1) {
      this.head.length = 0;
      this.head.push(joined);
    }
  }
}

/** Bare LF -> CRLF; `prev` is the last byte of the previous chunk so a CR/LF pair split across chunks stays one. */
function toCrlf(chunk: Buffer, prev: number): Buffer {
  let bare = 0;
  for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a && (i > 0 ? chunk[i - 1] : prev) !== 0x0d) bare++;
  if (bare === 0) return chunk;
  const out = Buffer.allocUnsafe(chunk.length + bare);
  let o = 0;
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk[i]!;
    if (c === 0x0a && (i > 0 ? chunk[i - 1] : prev) !== 0x0d) out[o++] = 0x0d;
    out[o++] = c;
  }
  return out;
}
