// RFC 4978 COMPRESS=DEFLATE as a transport: a Duplex over the connection's socket (plain or TLS, so TLS stays
// the outer layer) that inflates what the client sends and deflates what the session writes, raw DEFLATE
// (RFC 1951) both ways. The session swaps it in for its socket after the uncompressed tagged OK and is
// otherwise unaware of it.
//
// Invariants:
// - Every write the session makes is followed by a Z_SYNC_FLUSH before its callback runs (several writes queued
//   behind a busy compressor share one flush), so the client never waits for output held in the compressor:
//   command responses, continuation requests and IDLE pushes alike. A sync flush ends on a byte boundary with
//   an empty, non-final stored block, which every inflater (zlib, Java's Inflater) decodes as it arrives;
//   Dovecot does the same.
// - The compressor of a session that has written nothing for a while is dropped (a shared sweep, no timer per
//   session) and a fresh one made at the next write. That is safe because everything it produced was sync
//   flushed and handed to the socket: a raw DEFLATE stream may continue with blocks from a new compressor,
//   which never refers back to data before its start. Its window and hash tables are most of the memory of a
//   compressed session, and thousands of sessions sit in IDLE writing nothing for minutes.
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
    const d = this.compressor();
    this.inFlight++;
    for (const c of chunks) d.write(c);
    d.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      this.inFlight--;
      this.lastOutput = Date.now();
      callback();
    });
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

  /** Ends the compressed stream with a final block (Z_FINISH), then the socket. */
  override _final(callback: (err?: Error | null) => void): void {
    this.finishing = true;
    const d = this.compressor();
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
