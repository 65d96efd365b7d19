// RFC 4978 COMPRESS=DEFLATE against the real listener: a raw-socket client that switches both directions to raw
// DEFLATE (node:zlib, independent of the server's transport code) after the uncompressed tagged OK, then runs
// SELECT, FETCH, a 50 MB APPEND, IDLE with a delivery, LOGOUT and the inactivity timeout through it; the error
// answers; corrupt input closing only its own connection; output backpressure; and mbsync, which compresses
// on its own when the server offers it.
import { createHash, randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { duplexPair } from 'node:stream';
import tls from 'node:tls';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { createSelfSignedCertificate } from '../../src/server/self-signed.js';
import { DeflateTransport } from '../../src/server/imap/session/compress.js';
import { memoryLogger } from '../serve/fixtures.js';
import { SAMPLE } from './harness.js';
import { startRealServer } from './real-server.js';
import { mbsyncSetup } from './mbsync.js';

const ALICE = { domain: 'example.com', local: 'alice' };

/**
 * Reads whole responses (a line and the literals it announces). Input is kept as a list of chunks and joined
 * only once a response can be complete, so a response carrying megabytes costs one copy.
 */
class Client {
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private need = 0;
  private waiters: (() => void)[] = [];
  private inflater: zlib.InflateRaw | undefined;
  private deflater: zlib.DeflateRaw | undefined;
  private tagN = 0;
  closed = false;
  /** Bytes on the wire in each direction, compressed or not. */
  wireIn = 0;
  wireOut = 0;
  /** Bytes of protocol text received (after inflating). */
  textIn = 0;
  /** The server finished its DEFLATE stream (Z_FINISH) before closing. */
  streamFinished = false;

  private constructor(public socket: net.Socket) {
    this.attach(socket);
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    socket.on('data', (c: Buffer) => {
      this.wireIn += c.length;
      if (this.inflater) this.inflater.write(c);
      else this.received(c);
    });
    socket.on('close', () => {
      // Inflating is asynchronous: what arrived before the close is still being decoded.
      if (this.inflater) this.inflater.end();
      else this.markClosed();
    });
    socket.on('error', () => {});
  }

  /** STARTTLS, then everything goes through TLS (and any later compression inside it). */
  async startTls(): Promise<string[]> {
    const lines = await this.command('STARTTLS');
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ socket: plain, rejectUnauthorized: false, servername: 'localhost' }, () => resolve(s));
      s.once('error', reject);
    });
    this.attach(secure);
    return lines;
  }

  static async open(port: number): Promise<Client> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    const c = new Client(socket);
    expect(await c.response()).toMatch(/^\* OK /);
    return c;
  }

  private received(c: Buffer): void {
    this.textIn += c.length;
    this.chunks.push(c);
    this.chunkBytes += c.length;
    if (this.chunkBytes >= this.need) this.notify();
  }

  private markClosed(): void {
    this.closed = true;
    this.notify();
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** One complete response, literals inline. */
  async response(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = buf.length ? [buf] : [];
      const end = responseEnd(buf);
      if (end.at >= 0) {
        const rest = buf.subarray(end.at + 2);
        this.chunks = rest.length ? [rest] : [];
        this.chunkBytes = rest.length;
        this.need = 0;
        return buf.toString('latin1', 0, end.at);
      }
      this.need = end.need;
      if (this.closed) throw new Error(`connection closed; unread: ${buf.toString('latin1', 0, 200)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout; unread: ${buf.toString('latin1', 0, 200)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async until(tag: string, timeoutMs = 5000): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const r = await this.response(timeoutMs);
      out.push(r);
      if (r.startsWith(tag + ' ')) return out;
    }
  }

  /** Sends bytes, through the deflater once compression is on; resolves when the deflater has taken them. */
  send(data: Buffer | string): Promise<void> {
    const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (!this.deflater) {
      this.wireOut += b.length;
      this.socket.write(b);
      return Promise.resolve();
    }
    const d = this.deflater;
    return new Promise((resolve) => {
      d.write(b);
      d.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve());
    });
  }

  async command(text: string, timeoutMs = 5000): Promise<string[]> {
    const tag = `c${++this.tagN}`;
    await this.send(`${tag} ${text}\r\n`);
    return this.until(tag, timeoutMs);
  }

  /** COMPRESS DEFLATE; on OK both directions switch to raw DEFLATE right after the OK line. */
  async compress(): Promise<string[]> {
    const lines = await this.command('COMPRESS DEFLATE');
    if (!/^\S+ OK /.test(lines.at(-1)!)) return lines;
    const rest = this.chunks.length ? Buffer.concat(this.chunks) : Buffer.alloc(0);
    this.chunks = [];
    this.chunkBytes = 0;
    this.textIn = 0;
    this.inflater = zlib.createInflateRaw();
    this.inflater.on('data', (c: Buffer) => this.received(c));
    // 'end' after the socket closed: the server's stream was complete (Z_FINISH); an error: it was cut short.
    this.inflater.on('end', () => (this.streamFinished = true));
    this.inflater.on('error', () => this.socket.destroy());
    this.inflater.on('close', () => this.markClosed());
    if (rest.length) this.inflater.write(rest);
    this.deflater = zlib.createDeflateRaw();
    this.deflater.on('data', (c: Buffer) => (this.wireOut += c.length));
    this.deflater.pipe(this.socket, { end: false });
    return lines;
  }

  /** Bytes straight onto the socket, past the deflater. */
  raw(b: Buffer): void {
    this.socket.write(b);
  }

  waitClosed(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('connection still open')), timeoutMs);
      const check = (): void => {
        if (!this.closed) return void this.waiters.push(check);
        clearTimeout(t);
        resolve();
      };
      check();
    });
  }
}

/** Where the first complete response ends (its final CRLF), or how many bytes it needs at least. */
function responseEnd(buf: Buffer): { at: number; need: number } {
  let from = 0;
  for (;;) {
    const crlf = buf.indexOf('\r\n', from);
    if (crlf < 0) return { at: -1, need: buf.length + 1 };
    const m = /~?\{(\d+)\+?\}$/.exec(buf.toString('latin1', Math.max(from, crlf - 24), crlf));
    if (!m) return { at: crlf, need: 0 };
    const next = crlf + 2 + Number(m[1]);
    if (buf.length < next) return { at: -1, need: next + 2 };
    from = next;
  }
}

const last = (lines: string[]): string => lines[lines.length - 1]!;

async function loggedIn(port: number): Promise<Client> {
  const c = await Client.open(port);
  expect(last(await c.command('LOGIN alice@example.com secret'))).toMatch(/^c1 OK /);
  return c;
}

describe('COMPRESS=DEFLATE (RFC 4978)', () => {
  it('is offered after login only, and refused before login, with an unknown mechanism, and a second time', async () => {
    const { server } = await startRealServer();
    const c = await Client.open(server.port);
    expect((await c.command('CAPABILITY'))[0]).not.toContain('COMPRESS=DEFLATE');
    expect(last(await c.command('COMPRESS DEFLATE'))).toMatch(/^c2 BAD /);
    await c.command('LOGIN alice@example.com secret');
    expect((await c.command('CAPABILITY'))[0]).toMatch(/^\* CAPABILITY .* COMPRESS=DEFLATE( |$)/);
    expect(last(await c.command('COMPRESS LZMA'))).toMatch(/^c5 BAD /);
    expect(last(await c.command('COMPRESS'))).toMatch(/^c6 BAD /);
    expect(last(await c.command('COMPRESS DEFLATE extra'))).toMatch(/^c7 BAD /);
    // Still uncompressed after the refusals.
    expect(last(await c.command('NOOP'))).toBe('c8 OK NOOP completed');
    expect(await c.compress()).toEqual(['c9 OK DEFLATE active']);
    expect(await c.command('COMPRESS DEFLATE')).toEqual(['c10 NO [COMPRESSIONACTIVE] DEFLATE is already active']);
    expect(last(await c.command('NOOP'))).toBe('c11 OK NOOP completed');
    c.socket.destroy();
  });

  it('carries SELECT, FETCH of bodies, STORE and LOGOUT compressed, and compresses them', async () => {
    const { server, store } = await startRealServer();
    const box = await store.mailbox(ALICE, { create: true });
    const bodies: string[] = [];
    for (let i = 1; i <= 20; i++) {
      const body = SAMPLE(i) + `Line of a plain text body that repeats, as mail does. Paragraph ${i}.\r\n`.repeat(40);
      bodies.push(body);
      await box.append('INBOX', Buffer.from(body));
    }

    // The same FETCH without compression, for comparison (no FLAGS: \Recent belongs to the first session).
    const plain = await loggedIn(server.port);
    await plain.command('SELECT INBOX');
    const plainBefore = plain.wireIn;
    const plainFetch = await plain.command('FETCH 1:* (UID BODY.PEEK[])');
    const plainBytes = plain.wireIn - plainBefore;
    plain.socket.destroy();

    const c = await loggedIn(server.port);
    expect(await c.compress()).toEqual(['c2 OK DEFLATE active']);
    const select = await c.command('SELECT INBOX');
    expect(select).toContain('* 20 EXISTS');
    expect(last(select)).toMatch(/^c3 OK \[READ-WRITE\]/);
    const wireBefore = c.wireIn;
    const textBefore = c.textIn;
    const fetch = await c.command('FETCH 1:* (UID BODY.PEEK[])');
    const wireBytes = c.wireIn - wireBefore;
    const textBytes = c.textIn - textBefore;
    expect(fetch).toEqual(plainFetch.map((l) => l.replace(/^c3 /, 'c4 ')));
    expect(fetch).toHaveLength(21);
    for (let i = 0; i < 20; i++) expect(fetch[i]!.endsWith(`{${bodies[i]!.length}}\r\n${bodies[i]!})`)).toBe(true);
    expect(textBytes).toBe(plainBytes);
    // Repetitive mail text shrinks several times over.
    expect(wireBytes * 4).toBeLessThan(textBytes);
    console.log(`FETCH 1:20 (UID BODY.PEEK[]): ${plainBytes} bytes plain, ${wireBytes} bytes with COMPRESS=DEFLATE`);

    expect(await c.command('STORE 2 +FLAGS.SILENT (\\Flagged)')).toEqual(['c5 OK STORE completed']);
    expect(await c.command('LOGOUT')).toEqual(['* BYE Logging out', 'c6 OK Logout completed']);
    await c.waitClosed();
    expect(c.streamFinished).toBe(true);
  });

  it('takes a 50 MB APPEND through a synchronizing literal, compressed', async () => {
    const { server, store } = await startRealServer();
    const c = await loggedIn(server.port);
    await c.compress();
    const size = 50 * 1024 * 1024;
    const head = Buffer.from('From: big@example.org\r\nSubject: large\r\nMessage-ID: <big@example.org>\r\n\r\n');
    const line = (n: number): string => `line ${String(n).padStart(9, '0')} ${((n * 2654435761) >>> 0).toString(36)} of a large message\r\n`;
    await c.send(`c3 APPEND INBOX {${size}}\r\n`);
    expect(await c.response()).toMatch(/^\+ /);
    // Streamed in pieces, each taken by the deflater before the next is made: nothing holds the whole message.
    const hash = createHash('sha256');
    let sent = 0;
    let n = 0;
    const push = async (b: Buffer): Promise<void> => {
      hash.update(b);
      sent += b.length;
      await c.send(b);
    };
    await push(head);
    while (sent < size) {
      const parts: string[] = [];
      let len = 0;
      while (len < 256 * 1024) {
        const l = line(n++);
        parts.push(l);
        len += l.length;
      }
      let piece = Buffer.from(parts.join(''));
      if (sent + piece.length > size) piece = piece.subarray(0, size - sent);
      await push(piece);
    }
    await c.send('\r\n');
    const done = await c.until('c3', 60_000);
    expect(last(done)).toMatch(/^c3 OK \[APPENDUID \d+ 1\]/);
    // Text compresses: far fewer bytes crossed the wire than the literal holds.
    expect(c.wireOut).toBeLessThan(size / 2);

    await c.command('SELECT INBOX');
    const sizeLine = await c.command('FETCH 1 (RFC822.SIZE BODY.PEEK[]<52428700.100>)');
    expect(sizeLine[0]).toContain(`RFC822.SIZE ${size}`);
    const folder = await (await store.mailbox(ALICE)).openFolder('INBOX');
    const msg = (await folder.sync()).messages[0]!;
    const stored = createHash('sha256');
    for await (const chunk of await folder.read(msg.uid)) stored.update(chunk as Buffer);
    folder.release();
    expect(stored.digest('hex')).toBe(hash.digest('hex'));
    c.socket.destroy();
  }, 120_000);

  it('pushes IDLE updates at once through the compressed stream, with and without a compressor held', async () => {
    const { server, store } = await startRealServer();
    const box = await store.mailbox(ALICE, { create: true });
    const large = SAMPLE(1) + 'A body long enough to be compressed rather than stored.\r\n'.repeat(100);
    await box.append('INBOX', Buffer.from(large));
    const c = await loggedIn(server.port);
    await c.command('SELECT INBOX');
    await c.compress();
    const transport = [...server.sessions][0]!.transport as DeflateTransport;

    // Small responses only so far: stored blocks, no compressor.
    await c.send('c4 IDLE\r\n');
    expect(await c.response()).toBe('+ idling');
    expect(transport.holdsCompressor).toBe(false);
    const t0 = performance.now();
    await box.append('INBOX', Buffer.from(SAMPLE(2)));
    expect(await c.response(3000)).toBe('* 2 EXISTS');
    expect(await c.response(3000)).toBe('* 2 RECENT');
    expect(performance.now() - t0).toBeLessThan(2000);
    await c.send('DONE\r\n');
    expect(await c.until('c4')).toEqual(['c4 OK IDLE terminated']);

    // A large response makes a compressor; the next push goes through it and must be flushed out of it at once.
    const fetch = await c.command('FETCH 1 BODY.PEEK[]');
    expect(fetch[0]).toContain(large);
    expect(transport.holdsCompressor).toBe(true);
    await c.send('c6 IDLE\r\n');
    expect(await c.response()).toBe('+ idling');
    const t1 = performance.now();
    await box.append('INBOX', Buffer.from(SAMPLE(3)));
    // Held in the compressor, the push would never arrive: the client would wait for its own DONE.
    expect(await c.response(3000)).toBe('* 3 EXISTS');
    expect(await c.response(3000)).toBe('* 3 RECENT');
    expect(performance.now() - t1).toBeLessThan(2000);
    expect(transport.holdsCompressor).toBe(true);
    await c.send('DONE\r\n');
    expect(await c.until('c6')).toEqual(['c6 OK IDLE terminated']);
    const header = await c.command('FETCH 3 BODY.PEEK[HEADER.FIELDS (SUBJECT)]');
    expect(header[0]).toContain('Subject: Message 3');
    c.socket.destroy();
  });

  it('says BYE Autologout compressed when the session idles out', async () => {
    // Long enough that LOGIN and COMPRESS are done before it under a loaded CI machine (at 400 ms the session
    // was once logged out before COMPRESS, with an uncompressed BYE).
    const { server } = await startRealServer({ limits: { idleTimeoutMs: 1500 } });
    const c = await loggedIn(server.port);
    await c.compress();
    expect(await c.response(5000)).toBe('* BYE Autologout; idle for too long');
    await c.waitClosed();
    expect(c.streamFinished).toBe(true);
  });

  it('compresses inside TLS after STARTTLS, and STARTTLS is not possible once compressed', async () => {
    const { key, cert } = createSelfSignedCertificate({ names: ['localhost'], notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) });
    const { server, store } = await startRealServer({ tls: () => ({ key, cert }), allowInsecureAuth: false });
    const box = await store.mailbox(ALICE, { create: true });
    await box.append('INBOX', Buffer.from(SAMPLE(1)));
    const c = await Client.open(server.port);
    expect(last(await c.command('COMPRESS DEFLATE'))).toMatch(/^c1 BAD /);
    expect(last(await c.startTls())).toMatch(/^c2 OK /);
    expect(last(await c.command('LOGIN alice@example.com secret'))).toMatch(/^c3 OK /);
    expect(await c.compress()).toEqual(['c4 OK DEFLATE active']);
    const transport = [...server.sessions][0]!.transport;
    expect(transport).toBeInstanceOf(DeflateTransport);
    expect((transport as DeflateTransport).inner).toBeInstanceOf(tls.TLSSocket);
    await c.command('SELECT INBOX');
    const fetch = await c.command('FETCH 1 BODY.PEEK[]');
    expect(fetch[0]).toContain(`{${SAMPLE(1).length}}\r\n${SAMPLE(1)})`);
    expect(last(await c.command('STARTTLS'))).toMatch(/^c7 BAD /);
    expect(await c.command('LOGOUT')).toEqual(['* BYE Logging out', 'c8 OK Logout completed']);
    await c.waitClosed();
    expect(c.streamFinished).toBe(true);
  });

  it('closes a connection whose compressed input is corrupt, logs it, and serves the next one', async () => {
    const { log, lines } = memoryLogger();
    const { server } = await startRealServer({ log });
    const c = await loggedIn(server.port);
    await c.compress();
    expect(last(await c.command('NOOP'))).toBe('c3 OK NOOP completed');
    // BFINAL=1 with the reserved block type 11: no inflater accepts this.
    c.raw(Buffer.from([0x07, 0xde, 0xad, 0xbe, 0xef, 0x0d, 0x0a]));
    await c.waitClosed();
    expect(lines.some((l) => l.msg === 'closing connection: invalid compressed input')).toBe(true);
    expect(server.sessions.size).toBeLessThanOrEqual(1);

    // Garbage as the very first bytes after the OK, too.
    const d = await loggedIn(server.port);
    await d.compress();
    d.raw(Buffer.from('c3 NOOP\r\n'));
    await d.waitClosed();

    const next = await loggedIn(server.port);
    await next.compress();
    expect(last(await next.command('NOOP'))).toBe('c3 OK NOOP completed');
    next.socket.destroy();
  });

  it('answers an over-long line that inflates from a few KB to 64 MB, and goes on', async () => {
    const { server } = await startRealServer();
    const c = await loggedIn(server.port);
    await c.compress();
    const before = c.wireOut;
    // One line far past the line limit, 64 MB once inflated: it is skipped as it inflates, never held whole.
    const line = Buffer.alloc(64 * 1024 * 1024, 'A');
    line.write('x1 NOOP ', 0);
    await c.send(Buffer.concat([line, Buffer.from('\r\n')]));
    expect(c.wireOut - before).toBeLessThan(256 * 1024);
    expect(await c.response(30_000)).toBe('x1 BAD Command line too long');
    expect(last(await c.command('NOOP'))).toBe('c3 OK NOOP completed');
    c.socket.destroy();
  }, 60_000);

  it('holds a large FETCH back while the client does not read, and delivers all of it afterwards', async () => {
    const { server, store } = await startRealServer();
    const box = await store.mailbox(ALICE, { create: true });
    // Base64 of random bytes: DEFLATE saves only a quarter, so the compressed response is still ~12 MB.
    const text = randomBytes(12 * 1024 * 1024).toString('base64').replace(/.{76}/g, '$&\r\n');
    const body = Buffer.from(`From: r@example.org\r\nSubject: random\r\n\r\n${text}\r\n`);
    await box.append('INBOX', body);
    const c = await loggedIn(server.port);
    await c.command('SELECT INBOX');
    await c.compress();
    c.socket.pause();
    await c.send('c4 FETCH 1 BODY.PEEK[]\r\n');
    await new Promise((r) => setTimeout(r, 500));
    const session = [...server.sessions][0]!;
    const transport = session.transport;
    expect(transport).toBeInstanceOf(DeflateTransport);
    // What waits in user space while the kernel buffers are full: a few stream buffers, not the message.
    const pending = (transport as DeflateTransport).pendingOutput;
    expect(pending).toBeGreaterThan(0);
    expect(pending).toBeLessThan(1024 * 1024);
    c.socket.resume();
    const fetch = await c.until('c4', 30_000);
    expect(last(fetch)).toBe('c4 OK FETCH completed');
    const literal = fetch[0]!.slice(fetch[0]!.indexOf('}\r\n') + 3, -1);
    expect(literal.length).toBe(body.length);
    expect(createHash('sha256').update(Buffer.from(literal, 'latin1')).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
    c.socket.destroy();
  }, 60_000);
});

describe('DeflateTransport', () => {
  it('sends small writes as stored blocks until a large one needs a compressor, and drops an idle compressor', async () => {
    const [serverSide, clientSide] = duplexPair();
    const transport = new DeflateTransport(serverSide, { releaseAfterMs: 50 });
    const inflater = zlib.createInflateRaw();
    let text = '';
    let wire = 0;
    let ended = false;
    inflater.on('data', (d: Buffer) => (text += d.toString()));
    inflater.on('end', () => (ended = true));
    clientSide.on('data', (d: Buffer) => (wire += d.length));
    clientSide.pipe(inflater);
    const write = (s: string): Promise<void> => new Promise((r) => transport.write(s, () => r()));
    const arrived = async (s: string): Promise<void> => {
      for (let i = 0; i < 100 && !text.endsWith(s); i++) await new Promise((r) => setTimeout(r, 20));
      expect(text.endsWith(s)).toBe(true);
    };
    const big = (n: number): string => `* ${n} FETCH (BODY[] {2000}\r\n${'A line of text that repeats.\r\n'.repeat(100).slice(0, 2000)})\r\n`;

    let expected = '';
    const send = async (s: string): Promise<void> => {
      expected += s;
      await write(s);
      await arrived(s);
    };
    await send('* 1 EXISTS\r\n');
    // Stored: the text and 5 bytes of framing, no compressor.
    expect(transport.holdsCompressor).toBe(false);
    expect(wire).toBe('* 1 EXISTS\r\n'.length + 5);
    await send(big(1));
    expect(transport.holdsCompressor).toBe(true);
    const listeners = serverSide.listenerCount('close');
    for (let round = 2; round <= 4; round++) {
      // The shared sweep runs once a second.
      for (let i = 0; i < 150 && transport.holdsCompressor; i++) await new Promise((r) => setTimeout(r, 20));
      expect(transport.holdsCompressor).toBe(false);
      await send(`* ${round} EXISTS\r\n`);
      expect(transport.holdsCompressor).toBe(false);
      const before = wire;
      await send(big(round));
      expect(transport.holdsCompressor).toBe(true);
      expect(wire - before).toBeLessThan(big(round).length / 4);
    }
    // Each compressor is unpiped when dropped: no listeners pile up on the socket.
    expect(serverSide.listenerCount('close')).toBe(listeners);
    expect(text).toBe(expected);
    transport.end('* BYE\r\n');
    for (let i = 0; i < 100 && !ended; i++) await new Promise((r) => setTimeout(r, 20));
    expect(ended).toBe(true);
    expect(text).toBe(expected + '* BYE\r\n');
  });
});

describe('COMPRESS=DEFLATE with imapflow', () => {
  it('imapflow compresses by default: fetch and an IDLE push go through it', async () => {
    const commands: string[] = [];
    const { server, store } = await startRealServer({ onCommand: (name, status) => commands.push(`${name} ${status}`) });
    const box = await store.mailbox(ALICE, { create: true });
    await box.append('INBOX', Buffer.from(SAMPLE(1)));
    const client = new ImapFlow({ host: '127.0.0.1', port: server.port, secure: false, auth: { user: 'alice@example.com', pass: 'secret' }, logger: false });
    await client.connect();
    try {
      expect(commands).toContain('COMPRESS OK');
      const lock = await client.getMailboxLock('INBOX');
      try {
        const msg = await client.fetchOne('1', { source: true });
        expect(msg && msg.source?.toString()).toBe(SAMPLE(1));
        const exists = new Promise<number>((resolve) => client.on('exists', (e: { count: number }) => resolve(e.count)));
        const idling = client.idle();
        await new Promise((r) => setTimeout(r, 100));
        await box.append('INBOX', Buffer.from(SAMPLE(2)));
        expect(await exists).toBe(2);
        await client.noop();
        await idling;
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  });
});

describe('COMPRESS=DEFLATE with mbsync', () => {
  it('mbsync turns compression on by itself and syncs through it', async () => {
    const commands: string[] = [];
    const { server, store } = await startRealServer({ onCommand: (name, status) => commands.push(`${name} ${status}`) });
    const box = await store.mailbox(ALICE, { create: true });
    await box.append('INBOX', Buffer.from(SAMPLE(1)));
    await box.append('INBOX', Buffer.from(SAMPLE(2)));
    const mbsync = await mbsyncSetup(server.port, 'Patterns INBOX\nCreate Both', 'everlock-mbsync-compress-');
    const { local } = mbsync;
    const run = await mbsync.run();
    expect(run.exitCode, run.stderr).toBe(0);
    expect(commands).toContain('COMPRESS OK');
    // Commands after COMPRESS were understood, so they were inflated correctly.
    expect(commands.slice(commands.indexOf('COMPRESS OK') + 1).some((c) => /FETCH OK$/.test(c))).toBe(true);
    const files = [...(await readdir(join(local, 'INBOX', 'cur'))), ...(await readdir(join(local, 'INBOX', 'new')))];
    expect(files).toHaveLength(2);

    // And up: a local message is APPENDed through the compressed stream.
    const up = SAMPLE(3, 'Uploaded by mbsync') + 'Body line that mbsync sends compressed.\n'.repeat(200);
    await writeFile(join(local, 'INBOX', 'cur', '1700000000.1.local,U=0:2,S'), up.replace(/\r\n/g, '\n'));
    commands.length = 0;
    const second = await mbsync.run();
    expect(second.exitCode, second.stderr).toBe(0);
    expect(commands).toContain('COMPRESS OK');
    expect(commands).toContain('APPEND OK');
    const folder = await box.openFolder('INBOX');
    const messages = (await folder.sync()).messages;
    expect(messages).toHaveLength(3);
    const chunks: Buffer[] = [];
    for await (const chunk of await folder.read(messages[2]!.uid)) chunks.push(chunk as Buffer);
    folder.release();
    // mbsync marks what it uploads with an X-TUID header; the rest arrives as written.
    expect(Buffer.concat(chunks).toString().replace(/^X-TUID: .*\r\n/m, '')).toBe(up.replace(/\r?\n/g, '\r\n'));
  }, 60_000);
});
