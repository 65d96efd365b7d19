// RFC 4978 COMPRESS=DEFLATE as a transport: a Duplex over the connection's socket (plain or TLS, so TLS stays
// the outer layer) that inflates what the client sends and deflates what the session writes, raw DEFLATE
// (RFC 1951) both ways. The session swaps it in for its socket after the uncompressed tagged OK and is
// otherwise unaware of it.
//
// Invariants:
// - Every write the session makes is followed by a Z_SYNC_FLUSH before its callback runs (several writes queued
//   behind a busy deflater share one flush), so the client never waits for output held in the compressor:
//   command responses, continuation requests and IDLE pushes alike. A sync flush ends on a byte boundary with
//   an empty stored block, which every inflater (zlib, Java's Inflater) decodes as it arrives; Dovecot does
//   the same.
// - Memory stays bounded in both directions: socket -> inflater is piped (the socket pauses when the inflater
//   is full), inflated output waits in this stream's read buffer and the inflater pauses while the session
//   does not read (a small compressed chunk cannot expand without bound), and a write completes only after
//   the deflater has taken it, which in turn waits for the socket to drain.
// - Corrupt input from the client destroys the transport with an error saying so; the session logs it and
//   closes. Nothing throws out of here.
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';

/** Why the inflater failed, for the log; code Z_BUF_ERROR at the end of input is a client closing mid-block. */
export class CompressedInputError extends Error {
  constructor(readonly cause: Error) {
    super(`invalid compressed input: ${cause.message}`);
    this.name = 'CompressedInputError';
  }
}

/**
 * Our side's compressor: level 6 as Dovecot's default. A 32 KB window and memLevel 8 cost about 260 KB per
 * compressing session (zlib's figure: 2^(windowBits+2) + 2^(memLevel+9)); the inflater has to accept the
 * client's 32 KB window whatever we pick.
 */
const DEFLATE_OPTIONS: zlib.ZlibOptions = { level: 6, windowBits: 15, memLevel: 8 };
const INFLATE_OPTIONS: zlib.ZlibOptions = { windowBits: 15 };

export class DeflateTransport extends Duplex {
  private readonly inflater: zlib.InflateRaw;
  private readonly deflater: zlib.DeflateRaw;
  /** The socket sent FIN: an unfinished final block is then the normal end, not corruption. */
  private inputEnded = false;
  private readEnded = false;

  constructor(readonly inner: Duplex) {
    super({ allowHalfOpen: true });
    this.inflater = zlib.createInflateRaw(INFLATE_OPTIONS);
    this.deflater = zlib.createDeflateRaw(DEFLATE_OPTIONS);

    this.inflater.on('data', (chunk: Buffer) => {
      if (this.readEnded) return;
      if (!this.push(chunk)) this.inflater.pause();
    });
    this.inflater.on('end', () => this.endRead());
    this.inflater.on('error', (err: Error & { code?: string }) => {
      if (this.inputEnded && err.code === 'Z_BUF_ERROR') this.endRead();
      else this.destroy(new CompressedInputError(err));
    });
    this.deflater.on('error', (err: Error) => this.destroy(err));

    inner.on('end', () => {
      this.inputEnded = true;
    });
    inner.on('error', (err: Error) => this.destroy(err));
    inner.on('close', () => this.destroy());

    inner.pipe(this.inflater);
    this.deflater.pipe(inner);
  }

  private endRead(): void {
    if (this.readEnded) return;
    this.readEnded = true;
    this.push(null);
  }

  /** Output taken from the session and not yet in the socket's kernel buffer (bounded: see the invariants). */
  get pendingOutput(): number {
    return this.writableLength + this.deflater.writableLength + this.deflater.readableLength + this.inner.writableLength;
  }

  override _read(): void {
    this.inflater.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.deflater.write(chunk);
    this.deflater.flush(zlib.constants.Z_SYNC_FLUSH, () => callback());
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (err?: Error | null) => void): void {
    for (const c of chunks) this.deflater.write(c.chunk);
    this.deflater.flush(zlib.constants.Z_SYNC_FLUSH, () => callback());
  }

  /** Ends the compressed stream (Z_FINISH) and then the socket, through the pipe. */
  override _final(callback: (err?: Error | null) => void): void {
    this.deflater.end(() => callback());
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.inflater.destroy();
    this.deflater.destroy();
    this.inner.destroy();
    callback(err);
  }
}
