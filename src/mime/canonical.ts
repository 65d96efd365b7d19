// The canonical form of a stored message is CRLF line ends: IMAP sizes, BODYSTRUCTURE offsets and BODY[]
// bytes are all counted in it. Incoming mail (SMTP DATA, `everlock deliver`, APPEND) may use bare LF; these
// turn every LF not already preceded by CR into CRLF and leave everything else (bare CR, 8-bit bytes) alone.
import { Transform, type TransformCallback } from 'node:stream';

const CR = 0x0d;
const LF = 0x0a;

/** Number of LF bytes not preceded by CR, given whether the byte before `buf` was CR. */
function countBareLf(buf: Buffer, prevCr: boolean): number {
  let n = 0;
  let i = buf.indexOf(LF);
  while (i !== -1) {
    const before = i === 0 ? prevCr : buf[i - 1] === CR;
    if (!before) n++;
    i = buf.indexOf(LF, i + 1);
  }
  return n;
}

function convert(buf: Buffer, prevCr: boolean): Buffer {
  const bare = countBareLf(buf, prevCr);
  if (bare === 0) return buf;
  const out = Buffer.allocUnsafe(buf.length + bare);
  let o = 0;
  let from = 0;
  let i = buf.indexOf(LF);
  while (i !== -1) {
    const before = i === 0 ? prevCr : buf[i - 1] === CR;
    if (!before) {
      o += buf.copy(out, o, from, i);
      out[o++] = CR;
      from = i;
    }
    i = buf.indexOf(LF, i + 1);
  }
  o += buf.copy(out, o, from);
  return out;
}

/** Buffers known to be in CRLF form already (made so on receipt): toCrlf need not scan them again. */
const knownCrlf = new WeakSet<Buffer>();

/** Records that `buf` has no bare LF (the caller made it so); returns it. */
export function markCrlf(buf: Buffer): Buffer {
  knownCrlf.add(buf);
  return buf;
}

/** `prefix` (our own header lines) + `body` (a buffer marked CRLF) as one buffer, marked CRLF when it is. */
export function concatCrlf(prefix: string, body: Buffer): Buffer {
  const head = Buffer.from(prefix, 'utf8');
  const joined = Buffer.concat([head, body]);
  return knownCrlf.has(body) && countBareLf(head, false) === 0 ? markCrlf(joined) : joined;
}

/** The CRLF form of a whole message; returns `buf` itself when it has no bare LF. */
export function toCrlf(buf: Buffer): Buffer {
  return knownCrlf.has(buf) ? buf : convert(buf, false);
}

/** Size the message will have in CRLF form. */
export function crlfSize(buf: Buffer): number {
  return buf.length + countBareLf(buf, false);
}

/** Streaming bare-LF -> CRLF; chunk boundaries between CR and LF are handled. */
export class CrlfTransform extends Transform {
  private prevCr = false;
  /** Bytes written out so far (the CRLF size once the stream ends). */
  bytes = 0;

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, done: TransformCallback): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    if (buf.length === 0) {
      done();
      return;
    }
    const out = convert(buf, this.prevCr);
    this.prevCr = buf[buf.length - 1] === CR;
    this.bytes += out.length;
    done(null, out);
  }
}

export function createCrlfTransform(): CrlfTransform {
  return new CrlfTransform();
}
