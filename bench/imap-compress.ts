// `npm run bench -- imap-compress [--count 200] [--idle 300]`
// What COMPRESS=DEFLATE (RFC 4978) saves and costs on the real IMAP listener over the Maildir store:
// 1. Bytes on the wire, each direction, for what a client does on first sync of a `count`-message INBOX made
//    from the test fixtures (fixtures/mail/*.eml, numbered so no two are identical): SELECT, a header FETCH
//    as Thunderbird sends it, and a FETCH of every full message; once plain, once compressed. The CPU time
//    of the whole process (server and client, both inflating/deflating) is given for each pass.
//    `--corpus DIR` takes the messages from a directory of .eml files instead.
// 2. Memory: RSS growth per session for `idle` sessions in IDLE without compression, as many with, and, once
//    the idle compressors have been dropped, as many again (client sockets are in this process too and cost
//    the same in every batch).
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { openMailStore } from '../src/maildir/index.js';
import type { ImapIdentity } from '../src/server/imap/auth.js';
import { startImapServer } from '../src/server/imap/listener.js';
import { DeflateTransport, RELEASE_AFTER_MS } from '../src/server/imap/session/compress.js';
import { report, type BenchRow } from './report.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '200' },
    /** A directory of .eml files to use instead of the fixtures (which, cycled, compress unusually well). */
    corpus: { type: 'string' },
    idle: { type: 'string', default: '300' },
  },
});
const count = Number(values.count);
const idleCount = Number(values.idle);

const alice = { domain: 'example.com', local: 'alice' };
const identity: ImapIdentity = { login: 'alice', personal: alice, quotaBytes: 0, shared: [] };

/** One connection: counts wire bytes, inflates after COMPRESS, resolves each command at its tagged reply. */
class Conn {
  wireIn = 0;
  wireOut = 0;
  private text = '';
  private waiting: { tag: string; resolve: () => void } | undefined;
  private inflater: zlib.InflateRaw | undefined;
  private deflater: zlib.DeflateRaw | undefined;
  private n = 0;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.wireIn += d.length;
      if (this.inflater) this.inflater.write(d);
      else this.received(d);
    });
  }
  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      const c = new Conn(s);
      s.once('error', reject);
      c.waiting = { tag: '*', resolve: () => resolve(c) };
    });
  }
  private received(d: Buffer): void {
    // Only the tail matters: the tagged reply ends the response.
    this.text = (this.text + d.toString('latin1')).slice(-4096);
    const w = this.waiting;
    if (w && new RegExp(`(^|\\r\\n)${w.tag === '*' ? '\\* OK' : w.tag + ' (OK|NO|BAD)'}[^\\r]*\\r\\n$`).test(this.text)) {
      this.waiting = undefined;
      this.text = '';
      w.resolve();
    }
  }
  command(line: string): Promise<void> {
    const tag = `b${++this.n}`;
    const done = new Promise<void>((resolve) => (this.waiting = { tag, resolve }));
    const bytes = Buffer.from(`${tag} ${line}\r\n`);
    if (this.deflater) {
      this.deflater.write(bytes);
      this.deflater.flush(zlib.constants.Z_SYNC_FLUSH);
    } else {
      this.wireOut += bytes.length;
      this.socket.write(bytes);
    }
    return done;
  }
  async compress(): Promise<void> {
    await this.command('COMPRESS DEFLATE');
    this.inflater = zlib.createInflateRaw();
    this.inflater.on('data', (d: Buffer) => this.received(d));
    this.deflater = zlib.createDeflateRaw();
    this.deflater.on('data', (d: Buffer) => {
      this.wireOut += d.length;
      this.socket.write(d);
    });
  }
}

const root = mkdtempSync(join(tmpdir(), 'everlock-bench-compress-'));
const store = openMailStore({ root: join(root, 'mail'), fsync: false });
const server = await startImapServer({
  store,
  authenticate: async (login, password) => (login === 'alice' && password === 'secret' ? identity : null),
  implicitTls: false,
  allowInsecureAuth: true,
  limits: { idleTimeoutMs: 30 * 60 * 1000 },
});

const rows: BenchRow[] = [];
try {
  const corpus = values.corpus ?? fileURLToPath(new URL('../../fixtures/mail/', import.meta.url));
  const samples = readdirSync(corpus)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => readFileSync(join(corpus, f), 'latin1'));
  const box = await store.mailbox(alice, { create: true });
  for (let i = 0; i < count; i++) {
    const s = samples[i % samples.length]!;
    const numbered = `Message-ID: <bench-${i}@example.org>\r\nX-Bench-Number: ${i}\r\n` + s.replace(/\r?\n/g, '\r\n');
    await box.append('INBOX', Buffer.from(numbered, 'latin1'));
  }

  const steps: Array<[string, string]> = [
    ['select', 'SELECT INBOX'],
    ['headers', 'UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO CC BCC SUBJECT DATE MESSAGE-ID PRIORITY X-PRIORITY REFERENCES NEWSGROUPS IN-REPLY-TO CONTENT-TYPE REPLY-TO)])'],
    ['bodies', 'UID FETCH 1:* (BODY.PEEK[])'],
  ];
  // A first plain pass warms the store (message summaries, page cache); it is not reported.
  for (const [compressed, recorded] of [[false, false], [false, true], [true, true]] as const) {
    const c = await Conn.open(server.port);
    await c.command('LOGIN alice secret');
    if (compressed) await c.compress();
    const cpu = process.cpuUsage();
    for (const [name, line] of steps) {
      const inBefore = c.wireIn;
      const outBefore = c.wireOut;
      await c.command(line);
      const mode = compressed ? 'deflate' : 'plain';
      if (recorded) rows.push({ metric: `${name} ${mode}: server -> client`, value: c.wireIn - inBefore, unit: 'bytes' });
      if (recorded) rows.push({ metric: `${name} ${mode}: client -> server`, value: c.wireOut - outBefore, unit: 'bytes' });
    }
    const used = process.cpuUsage(cpu);
    if (recorded) rows.push({ metric: `sync ${compressed ? 'deflate' : 'plain'}: process CPU`, value: (used.user + used.system) / 1000, unit: 'ms' });
    c.socket.destroy();
  }

  // Memory: plain IDLE sessions, then compressed ones, then (their compressors dropped) as many again.
  const inboxIdle = Buffer.from('i1 SELECT INBOX\r\ni2 IDLE\r\n');
  const compressedIdle = zlib.deflateRawSync(inboxIdle, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const gc = (globalThis as { gc?: () => void }).gc;
  const conns: Conn[] = [];
  /** RSS growth per session for `idleCount` more sessions in IDLE, measured a second after they are in. */
  const batch = async (compressed: boolean): Promise<number> => {
    gc?.();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < idleCount; i++) {
      const c = await Conn.open(server.port);
      await c.command('LOGIN alice secret');
      if (compressed) {
        await c.command('COMPRESS DEFLATE');
        c.socket.write(compressedIdle);
      } else c.socket.write(inboxIdle);
      conns.push(c);
    }
    await new Promise((r) => setTimeout(r, 1000));
    gc?.();
    return (process.memoryUsage().rss - before) / idleCount;
  };
  const holding = (): number => [...server.sessions].filter((x) => x.transport instanceof DeflateTransport && x.transport.holdsCompressor).length;
  const kb = (n: number): number => Math.round(n / 1024);
  rows.push({ metric: `RSS per IDLE session, plain (+${idleCount})`, value: kb(await batch(false)), unit: 'KB' });
  rows.push({ metric: `RSS per IDLE session, deflate (+${idleCount})`, value: kb(await batch(true)), unit: 'KB' });
  rows.push({ metric: 'sessions holding a compressor', value: holding(), unit: 'sessions' });
  // Compressors unused for RELEASE_AFTER_MS are dropped by a sweep once a second; their memory goes back to
  // the allocator (not to the OS), so the next sessions reuse it.
  await new Promise((r) => setTimeout(r, RELEASE_AFTER_MS + 2000));
  rows.push({ metric: `sessions holding a compressor after ${RELEASE_AFTER_MS / 1000 + 2} s`, value: holding(), unit: 'sessions' });
  rows.push({ metric: `RSS per IDLE session, deflate, next (+${idleCount})`, value: kb(await batch(true)), unit: 'KB' });
  for (const c of conns) c.socket.destroy();
} finally {
  await server.stop(Date.now() + 1000);
  await store.close();
  rmSync(root, { recursive: true, force: true });
}
report('imap-compress', rows, { count, idle: idleCount, corpus: values.corpus ?? 'fixtures/mail' });
