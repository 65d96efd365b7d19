// `npm run bench -- imap [--count 100000] [--idle 5000] [--idle-folder 300] [--dir DIR]`
// 1. A `count`-message INBOX in the Maildir store behind the real IMAP listener: SELECT (warm), `UID FETCH 1:*
//    (UID FLAGS)` and `SEARCH SUBJECT` (first run, which builds the summaries, and warm) timed from a raw TCP
//    client. `--count 0` skips this part.
// 2. `idle` concurrent sessions in IDLE on one `idle-folder`-message INBOX. The IMAP server runs in a fresh
//    process of its own (nothing else loaded, as under `everlock serve`), the clients in another: the server's
//    RSS with every session idling, and the time from a delivery made in the server process (as SMTP does)
//    until every session has received `* n EXISTS`.
import { fork, type ChildProcess } from 'node:child_process';
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
    'idle-folder': { type: 'string', default: '300' },
    role: { type: 'string' },
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

/** Wall-clock time in ms with sub-ms resolution, comparable across processes on one machine. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

function fillCur(root: string, who: typeof alice, from: number, to: number): void {
  const cur = join(root, who.domain, who.local, 'cur');
  const t = Math.floor(Date.now() / 1000);
  for (let i = from; i < to; i++) {
    const body = message(i);
    writeFileSync(join(cur, `${t}.M${i}P${process.pid}.bench,S=${body.length},W=${body.length}:2,${i % 3 === 0 ? 'S' : ''}`), body);
  }
}

type ServerMsg = { rss?: boolean; deliver?: boolean; stop?: boolean };

/**
 * Server role, in a fresh process: an `n`-message INBOX and the IMAP listener; answers the parent's requests
 * for its RSS (after a full GC) and for one delivery (the way SMTP delivers: store.deliver in this process).
 */
async function idleServer(dir: string, n: number): Promise<void> {
  const root = join(dir, 'mail');
  const store = openMailStore({ root, fsync: false, pollMs: 500 });
  const box = await store.mailbox(idler, { create: true });
  fillCur(root, idler, 0, n);
  const inbox = await box.openFolder('INBOX');
  await inbox.sync();
  inbox.release();
  const server = await startImapServer({
    store,
    authenticate: async (login) => identities[login] ?? null,
    implicitTls: false,
    allowInsecureAuth: true,
    port: 0,
  });
  process.on('message', (m: ServerMsg) => {
    void (async () => {
      if (m.rss) {
        const gc = (globalThis as { gc?: () => void }).gc;
        for (let i = 0; i < 3; i++) gc?.();
        await new Promise((r) => setTimeout(r, 500));
        const mu = process.memoryUsage();
        process.send!({ rss: mu.rss, heapUsed: mu.heapUsed, external: mu.external + mu.arrayBuffers, sessions: server.sessions.size });
      } else if (m.deliver) {
        const t0 = now();
        await store.deliver([{ mailbox: idler, folder: 'INBOX' }], message(n));
        process.send!({ deliveredAt: t0, storedMs: now() - t0 });
      } else if (m.stop) {
        await server.stop(Date.now() + 2000);
        await store.close();
        process.exit(0);
      }
    })();
  });
  process.send!({ port: server.port });
}

/** Clients role: open n sessions in IDLE, wait for the parent's go, report when all saw EXISTS. */
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
    let done = 0;
    for (const c of clients) {
      void c.waitFor('EXISTS').then(() => {
        if (++done === clients.length) process.send!({ allAt: now(), done });
      });
    }
    process.send!({ armed: true });
  });
}

function child(args: string[]): ChildProcess {
  return fork(fileURLToPath(import.meta.url), args, { stdio: 'inherit', execArgv: ['--expose-gc'] });
}

function nextMessage<T>(c: ChildProcess, has: (m: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T): void => {
      if (!has(m)) return;
      c.off('message', onMessage);
      resolve(m);
    };
    c.on('message', onMessage);
    c.once('exit', (code) => reject(new Error(`child exited (${code})`)));
  });
}

/** Part 1: the big INBOX, in this process. */
async function bigFolder(dir: string, count: number, rows: BenchRow[]): Promise<void> {
  const root = join(dir, 'mail');
  const store = openMailStore({ root, fsync: false, pollMs: 500 });
  const box = await store.mailbox(alice, { create: true });
  const have = (await box.status('INBOX')).messages;
  // Filled the way another MDA would: files dropped into cur/, numbered by the store on its next sync.
  const [fillMs] = await time(async () => {
    fillCur(root, alice, have, count);
    const inbox = await box.openFolder('INBOX');
    await inbox.sync();
    inbox.release();
  });
  console.log(`filled INBOX with ${count - have} messages in ${(fillMs / 1000).toFixed(1)} s`);

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
  const cpu0 = process.cpuUsage();
  const [coldSearchMs] = await time(() => c.command('SEARCH SUBJECT needle'));
  const cpu = process.cpuUsage(cpu0);
  const [searchMs, found] = await time(() => c.command('SEARCH SUBJECT needle'));
  const hits = (/\* SEARCH([ \d]*)/.exec(found)?.[1] ?? '').trim().split(' ').filter(Boolean).length;
  if (hits !== Math.floor((count - 8) / 1000) + 1) throw new Error(`SEARCH found ${hits}`);
  rows.push({ metric: 'SEARCH SUBJECT (summaries cached)', value: searchMs, unit: 'ms', target: '<= 1000' });
  rows.push({ metric: 'SEARCH SUBJECT (first, builds summaries)', value: coldSearchMs, unit: 'ms' });
  rows.push({ metric: '  CPU of that first SEARCH (user+system)', value: (cpu.user + cpu.system) / 1000, unit: 'ms' });
  c.socket.destroy();
  await server.stop(Date.now() + 2000);
  await store.close();
}

/** Part 2: IDLE sessions against a server in a fresh process. */
async function idleSessions(dir: string, idleCount: number, folderSize: number, rows: BenchRow[]): Promise<void> {
  const server = child(['--role', 'server', '--dir', join(dir, 'idle'), '--idle-folder', String(folderSize)]);
  const { port } = await nextMessage<{ port?: number }>(server, (m) => m.port !== undefined);
  const base = await (async () => {
    server.send({ rss: true });
    return nextMessage<{ rss?: number }>(server, (m) => m.rss !== undefined);
  })();
  const clients = child(['--role', 'clients', '--idle', String(idleCount), '--port', String(port)]);
  const { ready } = await nextMessage<{ ready?: number }>(clients, (m) => m.ready !== undefined);
  server.send({ rss: true });
  const mem = await nextMessage<{ rss?: number; heapUsed: number; external: number; sessions: number }>(server, (m) => m.rss !== undefined);
  const mb = (b: number): number => b / (1024 * 1024);
  rows.push({ metric: `sessions in IDLE (${folderSize}-message INBOX)`, value: ready!, unit: 'count' });
  rows.push({ metric: 'server RSS before any session', value: mb(base.rss!), unit: 'MB' });
  rows.push({ metric: `server RSS with ${ready} IDLE sessions`, value: mb(mem.rss!), unit: 'MB', target: '<= 150' });
  rows.push({ metric: '  of which JS heap in use', value: mb(mem.heapUsed), unit: 'MB' });
  rows.push({ metric: '  per session (RSS growth / sessions)', value: (mem.rss! - base.rss!) / 1024 / ready!, unit: 'KB' });
  const allSeen = nextMessage<{ allAt?: number }>(clients, (m) => m.allAt !== undefined);
  clients.send({ go: 1 });
  await nextMessage<{ armed?: boolean }>(clients, (m) => m.armed === true);
  server.send({ deliver: true });
  const delivered = await nextMessage<{ deliveredAt?: number; storedMs: number }>(server, (m) => m.deliveredAt !== undefined);
  const { allAt } = await allSeen;
  rows.push({ metric: `delivery -> EXISTS in all ${ready} sessions`, value: allAt! - delivered.deliveredAt!, unit: 'ms', target: '<= 2000' });
  rows.push({ metric: '  of which the delivery itself', value: delivered.storedMs, unit: 'ms' });
  clients.kill();
  server.send({ stop: true });
  await new Promise((r) => server.once('exit', r));
}

async function main(): Promise<void> {
  if (values.role === 'server') return idleServer(values.dir!, Number(values['idle-folder']));
  if (values.role === 'clients') return idleClients(Number(values.port), Number(values.idle));
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'everlock-bench-imap-'));
  const count = Number(values.count);
  const idleCount = Number(values.idle);
  const folderSize = Number(values['idle-folder']);
  const rows: BenchRow[] = [];
  if (count > 0) await bigFolder(dir, count, rows);
  if (idleCount > 0) await idleSessions(dir, idleCount, folderSize, rows);
  report('imap', rows, { count, idle: idleCount, idleFolder: folderSize });
  if (!values.dir) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

void main();
