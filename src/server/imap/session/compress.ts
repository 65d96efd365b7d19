// RFC 4978 COMPRESS=DEFLATE as a transport: a Duplex over the connection's socket (plain or TLS, so TLS stays
// the outer layer) that inflates what the client sends and deflates what the session writes, raw DEFLATE
// (RFC 1951) both ways. The session swaps it in for its socket after the uncompressed tagged OK and is
// otherwise unaware of it.
//
// Invariants:
// - Every write the session makes is on its way to the client before its callback runs: through the
//   compressor followed by a Z_SYNC_FLUSH (several writes queued behind a busy compressor share one flush), or
//   as a stored block (below). So the client never waits for output held in the compressor: command
//   responses, continuation requests and IDLE pushes alike. A sync flush ends on a byte boundary with an
//   empty, non-final stored block, which every inflater (zlib, Java's Inflater) decodes as it arrives; Dovecot
//   flushes the same way.
// - A compressor (its window and hash tables, ~260 KB, most of the memory of a compressed session) exists only
//   while the session writes in earnest. One unused for RELEASE_AFTER_MS is dropped (a shared sweep, no timer
//   per session); without one, a small write (an IDLE push, a short response) goes out as a stored block, and
//   a larger one makes a new compressor. Both are safe because the stream is then on a byte boundary between
//   blocks (everything was sync flushed): a raw DEFLATE stream may go on with a stored block or with blocks
//   from a new compressor, which never refers back to data before its start. Thousands of sessions sit in
//   IDLE for hours, so most of them never hold a compressor.
// - Memory stays bounded in both directions: socket -> inflater is piped (the socket pauses when the inflater
//   is full), inflated output waits in this stream's read buffer and the inflater pauses while the session
//   does not read (a small compressed chunk cannot expand without bound), and a write completes only after
//   the compressor has taken it, which in turn waits for the socket to drain.
// - Corrupt input from the client destroys the transport with an error saying so; the session logs it and
//   closes. Nothing throws out of here.
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';

/** The inflater failed on the client's data (not a client closing mid-block: that is a normal end). */
export class CompressedInputError extends Error {
  constructor(readonly zlibError: Error) {
    super(`invalid compressed input: ${zlibError.message}`);
    this.name = 'CompressedInputError';
  }
}

/**
 * Our compressor: level 6 as Dovecot's default. A 32 KB window and memLevel 8 cost about 260 KB while it
 * exists (zlib's figure: 2^(windowBits+2) + 2^(memLevel+9)); the inflater has to accept the client's 32 KB
 * window whatever we pick, and keeps it for the whole connection.
 */
const DEFLATE_OPTIONS: zlib.ZlibOptions = { level: 6, windowBits: 15, memLevel: 8 };
const INFLATE_OPTIONS: zlib.ZlibOptions = { windowBits: 15 };
/** A compressor unused this long is dropped; interactive use keeps its dictionary, IDLE gives it up. */
export const RELEASE_AFTER_MS = 15_000;
/**
 * Largest write sent as a stored block when no compressor exists: 5 bytes of framing, where a fresh compressor
 * would save little on so few bytes of text.
 */
const STORED_MAX = 1024;
/** An empty final stored block: ends the stream when no compressor exists, without making one to say so. */
const FINAL_BLOCK = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]);

export interface DeflateTransportOptions {
  /** Drop the compressor after this long without output (tests shorten it). */
  readonly releaseAfterMs?: number | undefined;
}

export class DeflateTransport extends Duplex {
  private readonly inflater: zlib.InflateRaw;
  /** Made on the first write after the switch or after a release. */
  private deflater: zlib.DeflateRaw | undefined;
  /** Writes handed to the compressor whose flush has not completed. */
  private inFlight = 0;
  /** Date.now() of the last completed flush. */
  private lastOutput = 0;
  private readonly releaseAfterMs: number;
  /** _final is ending the compressed stream: its compressor must live until the final block is out. */
  private finishing = false;
  /** The socket sent FIN: an unfinished final block is then the normal end, not corruption. */
  private inputEnded = false;
  private readEnded = false;

  constructor(
    readonly inner: Duplex,
    opts: DeflateTransportOptions = {},
  ) {
    super({ allowHalfOpen: true });
    this.releaseAfterMs = opts.releaseAfterMs ?? RELEASE_AFTER_MS;
    this.inflater = zlib.createInflateRaw(INFLATE_OPTIONS);
    this.inflater.on('data', (chunk: Buffer) => {
      if (this.readEnded) return;
      if (!this.push(chunk)) this.inflater.pause();
    });
    this.inflater.on('end', () => this.endRead());
    this.inflater.on('error', (err: Error & { code?: string }) => {
      if (this.inputEnded && err.code === 'Z_BUF_ERROR') this.endRead();
      else this.destroy(new CompressedInputError(err));
    });

    inner.on('end', () => {
      this.inputEnded = true;
    });
    inner.on('error', (err: Error) => this.destroy(err));
    inner.on('close', () => this.destroy());
    inner.pipe(this.inflater);
  }

  /** A compressor exists (false while released). */
  get holdsCompressor(): boolean {
    return this.deflater !== undefined;
  }

  /** Output taken from the session and not yet in the socket's kernel buffer (bounded: see the invariants). */
  get pendingOutput(): number {
    return this.writableLength + (this.deflater ? this.deflater.writableLength + this.deflater.readableLength : 0) + this.inner.writableLength;
  }

  private endRead(): void {
    if (this.readEnded) return;
    this.readEnded = true;
    this.push(null);
  }

  private compressor(): zlib.DeflateRaw {
    if (this.deflater) return this.deflater;
    const d = zlib.createDeflateRaw(DEFLATE_OPTIONS);
    d.on('error', (err: Error) => this.destroy(err));
    // Not `end`: a released compressor is destroyed, and the socket ends only with this stream (_final).
    d.pipe(this.inner, { end: false });
    this.deflater = d;
    sweeper.add(this);
    return d;
  }

  /** Sweeper: drops the compressor when it has been idle long enough and holds nothing unsent. */
  releaseIfIdle(now: number): void {
    const d = this.deflater;
    if (!d || this.finishing || this.inFlight > 0 || this.writableLength > 0 || d.readableLength > 0 || d.writableLength > 0) return;
    if (now - this.lastOutput < this.releaseAfterMs) return;
    this.dropCompressor();
  }

  private dropCompressor(): void {
    const d = this.deflater;
    if (!d) return;
    this.deflater = undefined;
    sweeper.delete(this);
    d.unpipe(this.inner);
    d.destroy();
  }

  private compress(chunks: readonly Buffer[], callback: (err?: Error | null) => void): void {
    if (!this.deflater) {
      let size = 0;
      for (const c of chunks) size += c.length;
      if (size <= STORED_MAX) return this.writeStored(chunks, size, callback);
    }
    const d = this.compressor();
    this.inFlight++;
    for (const c of chunks) d.write(c);
    d.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      this.inFlight--;
      this.lastOutput = Date.now();
      callback();
    });
  }

  /** One non-final stored block (RFC 1951 §3.2.4) straight to the socket: header byte, LEN, NLEN, the bytes. */
  private writeStored(chunks: readonly Buffer[], size: number, callback: (err?: Error | null) => void): void {
    const block = Buffer.allocUnsafe(5 + size);
    block[0] = 0; // BFINAL 0, BTYPE 00, the rest of the byte padding
    block.writeUInt16LE(size, 1);
    block.writeUInt16LE(~size & 0xffff, 3);
    let at = 5;
    for (const c of chunks) at += c.copy(block, at);
    if (this.inner.write(block)) callback();
    else this.inner.once('drain', () => callback());
  }

  override _read(): void {
    this.inflater.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.compress([chunk], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (err?: Error | null) => void): void {
    this.compress(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  /** Ends the compressed stream with a final block (Z_FINISH, or an empty stored one), then the socket. */
  override _final(callback: (err?: Error | null) => void): void {
    this.finishing = true;
    const d = this.deflater;
    if (!d) {
      this.inner.end(FINAL_BLOCK);
      callback();
      return;
    }
    d.once('end', () => {
      this.inner.end();
      callback();
    });
    d.end();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.dropCompressor();
    this.inflater.destroy();
    this.inner.destroy();
    callback(err);
  }
}

/** One interval timer for every transport holding a compressor, running only while there are some. */
class CompressorSweeper {
  private readonly holders = new Set<DeflateTransport>();
  private timer: NodeJS.Timeout | undefined;

  add(t: DeflateTransport): void {
    this.holders.add(t);
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), 1000);
    this.timer.unref();
  }

  delete(t: DeflateTransport): void {
    this.holders.delete(t);
    if (this.holders.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    const now = Date.now();
    for (const t of this.holders) t.releaseIfIdle(now);
  }
}

const sweeper = new CompressorSweeper();
