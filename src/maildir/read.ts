// Reading stored messages as their canonical CRLF form. Files everlock wrote are already CRLF (S= equals W=),
// so a byte range is a plain ranged file read. Files from elsewhere (Dovecot stores bare LF) are streamed
// through the LF -> CRLF transform and the range is cut from its output. Nothing buffers a whole message.
import { open, type FileHandle } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { CrlfTransform } from '../mime/canonical.js';
import type { ByteRange } from './types.js';

/** Passes bytes [start, end) of its input and ends early once past `end`. */
class RangeSlice extends Transform {
  private pos = 0;
  constructor(
    private readonly first: number,
    private readonly stop: number,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const from = this.pos;
    this.pos += chunk.length;
    if (this.pos <= this.first || from >= this.stop) {
      done();
      return;
    }
    done(null, chunk.subarray(Math.max(0, this.first - from), Math.min(chunk.length, this.stop - from)));
  }
}

/**
 * A stream of the message's CRLF form (or a range of it) from an open handle; the handle is closed when
 * the stream ends or is destroyed. `crlfSize` is the message's IMAP size.
 */
export async function streamMessage(fh: FileHandle, crlfSize: number, range?: ByteRange): Promise<Readable> {
  const st = await fh.stat();
  const start = Math.max(0, Math.min(range?.start ?? 0, crlfSize));
  const end = Math.max(start, Math.min(range?.end ?? crlfSize, crlfSize));
  if (st.size === crlfSize) {
    if (end === start) {
      await fh.close();
      return emptyStream();
    }
    return fh.createReadStream({ start, end: end - 1, autoClose: true });
  }
  const raw = fh.createReadStream({ autoClose: true });
  const out = raw.pipe(new CrlfTransform());
  if (start === 0 && end >= crlfSize) return out;
  const slice = new RangeSlice(start, end);
  out.pipe(slice);
  slice.on('close', () => raw.destroy());
  return slice;
}

function emptyStream(): Readable {
  const t = new Transform();
  t.end();
  return t;
}

/** CRLF size of a file of unknown form (foreign files without W=). */
export async function crlfSizeOfFile(path: string): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(65536);
    let size = 0;
    let prev = -1;
    let pos = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      size += bytesRead;
      for (let i = buf.indexOf(10, 0); i !== -1 && i < bytesRead; i = buf.indexOf(10, i + 1)) {
        const before = i === 0 ? prev : (buf[i - 1] as number);
        if (before !== 13) size++;
      }
      prev = buf[bytesRead - 1] as number;
    }
    return size;
  } finally {
    await fh.close();
  }
}
