// `npm run bench -- imap [--count 100000] [--idle 5000] [--dir DIR]`
// 1. A `count`-message INBOX in the Maildir store behind the real IMAP listener: SELECT (warm), `UID FETCH 1:*
//    (UID FLAGS)` and `SEARCH SUBJECT` (warm summary cache) timed from a raw TCP client.
// 2. `idle` concurrent sessions in IDLE on one folder, opened by a child process: the server process's RSS,
//    and the time from one delivery until every session has received `* n EXISTS`.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openMailStore } from '../src/maildir/index.js';
import type { ImapIdentity } from '../src/server/imap/auth.js';
import { startImapServer } from '../src/server/imap/listener.js';
import { report, type BenchRow } from './report.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    idle: { type: 'string', default: '5000' },
    dir: { type: 'string' },
    'idle-clients': { type: 'string' },
    port: { type: 'string' },
  },
});

const alice = { domain: 'example.com', local: 'alice' };
const idler = { domain: 'example.com', local: 'idle' };
const identities: Record<string, ImapIdentity> = {
  alice: { login: 'alice', personal: alice, quotaBytes: 0, shared: [] },
  idle: { login: 'idle', personal: idler, quotaBytes: 0, shared: [] },
};

/** A minimal pipelining client: sends a command, resolves with the bytes up to its tagged reply. */
class RawClient {
  /** Received text; only its tail is searched for the tagged reply, so huge responses stay linear. */
  private buf = '';
  private chunks: string[] = [];
  private waiting: { tag: string; resolve: (s: string) => void } | undefined;
  private n = 0;
  constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.chunks.push(d);
      this.check(d);
    });
  }
  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      const c = new RawClient(s);
      s.once('error', reject);
      c.waiting = { tag: '*', resolve: () => resolve(c) };
    });
  }
  private check(last: string): void {
    const w = this.waiting;
    if (!w || !last.endsWith('\r\n')) return;
    const tail = (this.chunks.length > 1 ? this.chunks[this.chunks.length - 2]!.slice(-512) : '') + last;
    const done = w.tag === '*' ? true : ('\r\n' + tail).includes(`\r\n${w.tag} `);
    if (!done) return;
    const out = this.chunks.join('');
    this.chunks = [];
    this.buf += out;
    this.waiting = undefined;
    w.resolve(out);
  }
  command(cmd: string): Promise<string> {
    const tag = `b${++this.n}`;
    return new Promise((resolve) => {
      this.waiting = { tag, resolve };
      this.socket.write(`${tag} ${cmd}\r\n`);
    });
  }
  /** Resolves when `text` arrives (IDLE pushes). */
  waitFor(text: string): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.chunks.length) {
          this.buf += this.chunks.join('');
          this.chunks = [];
        }
        if (this.buf.includes(text)) {
          this.buf = '';
          this.socket.off('data', check);
          resolve();
        }
      };
      this.socket.on('data', check);
      check();
    });
  }
}

function message(i: number): Buffer {
  return Buffer.from(
    `From: Bench ${i % 100} <bench${i % 100}@example.org>\r\nTo: alice@example.com\r\nSubject: message ${i} ${i % 1000 === 7 ? 'needle' : 'hay'}\r\n` +
      `Message-ID: <${i}@bench.example.org>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nThe quick brown fox jumps over the lazy dog.\r\n`,
  );
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

/** Child mode: open n sessions in IDLE, wait for the parent's go, report when all saw EXISTS. */
async function idleClients(port: number, n: number): Promise<void> {
  const clients: RawClient[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, async () => {
        const c = await RawClient.connect(port);
        await c.command('LOGIN idle x');
        await c.command('SELECT INBOX');
        c.socket.write('i1 IDLE\r\n');
        await c.waitFor('+ idling');
        return c;
      }),
    );
    clients.push(...batch);
  }
  process.send!({ ready: clients.length });
  process.on('message', (m: { go: number }) => {
    if (!m.go) return;
    const t0 = performance.now();
    let done = 0;
    let last = 0;
    for (const c of clients) {
      void c.waitFor('EXISTS').then(() => {
        done++;
        last = performance.now() - t0;
        if (done === clients.length) process.send!({ allMs: last, done });
      });
    }
  });
}

async function main(): Promise<void> {
  if (values['idle-clients']) return idleClients(Number(values.port), Number(values['idle-clients']));
  const count = Number(values.count);
  const idleCount = Number(values.idle);
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'everlock-bench-imap-'));
  const root = join(dir, 'mail');
  const store = openMailStore({ root, fsync: false, pollMs: 500 });
  const rows: BenchRow[] = [];

  const box = await store.mailbox(alice, { create: true });
  const have = (await box.status('INBOX')).messages;
  // Filled the way another MDA would: files dropped into cur/, numbered by the store on its next sync.
  const [fillMs] = await time(async () => {
    const cur = join(root, alice.domain, alice.local, 'cur');
    const t = Math.floor(Date.now() / 1000);
    for (let i = have; i < count; i++) {
      const body = message(i);
      writeFileSync(join(cur, `${t}.M${i}P${process.pid}.bench,S=${body.length},W=${body.length}:2,${i % 3 === 0 ? 'S' : ''}`), body);
    }
    const inbox = await box.openFolder('INBOX');
    await inbox.sync();
    inbox.release();
  });
  console.log(`filled INBOX with ${count - have} messages in ${(fillMs / 1000).toFixed(1)} s`);
  await store.mailbox(idler, { create: true });

  const server = await startImapServer({
    store,
    authenticate: async (login) => identities[login] ?? null,
    implicitTls: false,
    allowInsecureAuth: true,
    port: 0,
    limits: { maxPipelined: 64 },
  });
  const c = await RawClient.connect(server.port);
  await c.command('LOGIN alice x');
  await c.command('SELECT INBOX'); // cold: loads the folder
  await c.command('UNSELECT');
  const [selectMs, sel] = await time(() => c.command('SELECT INBOX'));
  if (!sel.includes(`* ${count} EXISTS`)) throw new Error('SELECT did not report every message: ' + sel.slice(0, 300));
  rows.push({ metric: `SELECT (warm), ${count} messages`, value: selectMs, unit: 'ms', target: '<= 200' });
  const [fetchMs, fetched] = await time(() => c.command('UID FETCH 1:* (UID FLAGS)'));
  const lines = fetched.split('\r\n').filter((l) => l.includes(' FETCH (')).length;
  if (lines !== count) throw new Error(`UID FETCH returned ${lines} lines`);
  rows.push({ metric: 'UID FETCH 1:* (UID FLAGS)', value: fetchMs, unit: 'ms', target: '<= 500' });
  const [coldSearchMs] = await time(() => c.command('SEARCH SUBJECT needle'));
  const [searchMs, found] = await time(() => c.command('SEARCH SUBJECT needle'));
  const hits = (/\* SEARCH([ \d]*)/.exec(found)?.[1] ?? '').trim().split(' ').filter(Boolean).length;
  if (hits !== Math.floor((count - 8) / 1000) + 1) throw new Error(`SEARCH found ${hits}`);
  rows.push({ metric: 'SEARCH SUBJECT (summaries cached)', value: searchMs, unit: 'ms', target: '<= 1000' });
  rows.push({ metric: 'SEARCH SUBJECT (first, builds summaries)', value: coldSearchMs, unit: 'ms' });
  c.socket.destroy();

  if (idleCount > 0) {
    const child = fork(fileURLToPath(import.meta.url), ['--idle-clients', String(idleCount), '--port', String(server.port)], { stdio: 'inherit' });
    const ready = await new Promise<number>((resolve) => child.once('message', (m: { ready: number }) => resolve(m.ready)));
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 1000));
    const rss = process.memoryUsage().rss / (1024 * 1024);
    rows.push({ metric: `sessions in IDLE`, value: ready, unit: 'count' });
    rows.push({ metric: `server RSS with ${ready} IDLE sessions`, value: rss, unit: 'MB', target: '<= 150' });
    const result = new Promise<{ allMs: number }>((resolve) => child.on('message', (m: { allMs?: number }) => m.allMs !== undefined && resolve(m as { allMs: number })));
    child.send({ go: 1 });
    const t0 = performance.now();
    await store.deliver([{ mailbox: idler, folder: 'INBOX' }], message(0));
    const r = await result;
    rows.push({ metric: `delivery -> EXISTS in all ${ready} sessions`, value: Math.max(r.allMs, performance.now() - t0), unit: 'ms', target: '<= 2000' });
    child.kill();
  }
  await server.stop(Date.now() + 2000);
  await store.close();
  report('imap', rows, { count, idle: idleCount });
  if (!values.dir) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

void main();
