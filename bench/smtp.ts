// `npm run bench -- smtp [--messages N] [--connections C] [--size BYTES] [--dir DIR] [--no-baseline]`:
// inbound SMTP throughput into one local mailbox, durable (every 250 means the message is fsynced in the
// Maildir). 16 connections pipeline MAIL/RCPT/DATA (RFC 2920) and send 10 KB messages back to back; latency is
// per message, from MAIL FROM to the final 250. The server (SMTP module + Maildir store, real fsyncs,
// SPF/DKIM/DMARC checks against an empty DNS table) runs in a child process, as `everlock serve` would, so the
// load generator does not eat its CPU. `--cpu-prof FILE` writes a CPU profile of that server process covering
// the SMTP run only (not the baseline), loadable in Chrome DevTools. CPU time per message (server, store alone,
// load generator) is reported too, and so is what the disk under the mail directory does without everlock
// (bench/disk-baseline.ts; skip it with --no-baseline). The mail directory is a new one under .bench-data/, or
// under `--dir DIR` (bench/data-dir.ts says why not the system temp dir); it is removed at the end.
import { fork } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { hashPassword } from '../src/config/passwords.js';
import { dataFiles } from '../src/config/paths.js';
import { createLogger, silentLogger } from '../src/log.js';
import { openMailStore } from '../src/maildir/index.js';
import { createMetrics } from '../src/server/metrics.js';
import type { ServerContext, TlsProvider } from '../src/server/module.js';
import { createSmtpModules } from '../src/server/smtp/module.js';
import { benchDataDir } from './data-dir.js';
import { diskBaseline, slowCreateNote, type DiskBaseline } from './disk-baseline.js';
import { report } from './report.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const MESSAGES = arg('messages', 5000);
const CONNECTIONS = arg('connections', 16);
const SIZE = arg('size', 10 * 1024);

if (process.argv.includes('--serve')) {
  await serve();
} else {
  await drive();
}

/** Child process: the server. Prints its port, then on 'stop' prints the INBOX count and exits. */
async function serve(): Promise<void> {
  const dirAt = process.argv.indexOf('--dir');
  const home = benchDataDir('smtp-', dirAt > 0 ? process.argv[dirAt + 1] : undefined);
  await mkdir(join(home, 'domains'), { recursive: true });
  await mkdir(join(home, 'users'), { recursive: true });
  await writeFile(join(home, 'domains', 'example.com.toml'), 'enabled = true\n');
  await writeFile(join(home, 'users', 'alice.toml'), `password = "${await hashPassword('x', 10)}"\naddresses = ["alice@example.com"]\n`);
  const paths = { config: home, data: home };
  const snap = await loadConfig(paths, {
    server: {
      hostname: 'bench.everlock.test',
      listen: { smtp: '127.0.0.1:0', submission: '127.0.0.1:0', submissions: '127.0.0.1:0', imapTls: '127.0.0.1:0', imapStarttls: '127.0.0.1:0' },
      limits: { ...(await loadConfig(paths)).server.limits, smtpConnectionsPerIp: 1000, smtpMessagesPerIpPerMinute: 1_000_000, smtpCommandsPerIpPerMinute: 10_000_000 },
    },
  });
  const store = openMailStore({ root: dataFiles.mailRoot(paths), log: silentLogger, fsync: true, watch: false });
  const noTls: TlsProvider = {
    serverOptions: () => ({}),
    contextFor: () => {
      throw new Error('no TLS in the benchmark');
    },
  };
  const ctx: ServerContext = { config: () => snap, store, tls: noTls, log: createLogger({ level: 'error', json: true, write: (l) => process.stderr.write(l + '\n') }), metrics: createMetrics(), dev: false };
  // DNS answers come from an empty table: SPF/DKIM/DMARC run in full but every lookup is "not found".
  const notFound = async (name: string): Promise<string[][]> => {
    throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
  const disk = process.argv.includes('--no-baseline') ? undefined : await diskBaseline(join(home, 'disk-baseline'), CONNECTIONS, SIZE);
  // The mailbox exists before the run, as it does for a real user (its creation is not what is measured).
  await store.mailbox({ domain: 'example.com', local: 'alice' });
  const smtp = createSmtpModules({ resolver: notFound }).find((m) => m.name === 'smtp')!;

  const profile = await startProfile();
  const cpu0 = process.cpuUsage();
  const loopCpu0 = process.threadCpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const [listening] = await smtp.start(ctx);
  process.send!({ port: listening!.port });
  process.on('message', async () => {
    const cpu = process.cpuUsage(cpu0);
    const loopCpu = process.threadCpuUsage(loopCpu0);
    // How much of the run the server's one event loop was busy: near 100% means it, not the disk, is the limit.
    const loopBusy = performance.eventLoopUtilization(elu0).utilization * 100;
    await profile();
    const stored = (await (await store.mailbox({ domain: 'example.com', local: 'alice' })).status('INBOX')).messages;
    await smtp.stop(Date.now() + 2000);
    // The ceiling below SMTP: the same number of concurrent writers calling MailStore.deliver directly.
    const raw = Buffer.from(`Subject: baseline\r\n\r\n${'x'.repeat(SIZE - 30)}\r\n`);
    const n = Math.min(MESSAGES, 2000);
    let i = 0;
    const t0 = performance.now();
    const baseCpu0 = process.cpuUsage();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (i++ < n) await store.deliver([{ mailbox: { domain: 'example.com', local: 'alice' }, folder: 'Archive' }], raw);
      }),
    );
    const storeOnly = n / ((performance.now() - t0) / 1000);
    const baseCpu = process.cpuUsage(baseCpu0);
    const serverCpuMs = (cpu.user + cpu.system) / 1000 / MESSAGES;
    const loopCpuMicros = Math.round((loopCpu.user + loopCpu.system) / MESSAGES);
    const storeCpuMs = (baseCpu.user + baseCpu.system) / 1000 / n;
    await store.close();
    await rm(home, { recursive: true, force: true });
    process.send!({ stored, storeOnly, serverCpuMs, loopCpuMicros, storeCpuMs, loopBusy, disk }, () => process.exit(0));
  });
}

/** Starts the V8 profiler when `--cpu-prof FILE` was given; the returned function stops it and writes FILE. */
async function startProfile(): Promise<() => Promise<void>> {
  const i = process.argv.indexOf('--cpu-prof');
  const file = i > 0 ? process.argv[i + 1] : undefined;
  if (!file) return async () => {};
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
  };
}

async function drive(): Promise<void> {
  // The server process gets the libuv pool `everlock serve` gets (bin/run.js sets it before anything runs).
  const env = { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '8' };
  const child = fork(new URL(import.meta.url).pathname, ['--serve', ...process.argv.slice(2)], { stdio: 'inherit', env });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  const line = 'The quick brown fox jumps over the lazy dog, again and again, to fill ten kilobytes.\r\n';
  // The body and its terminator are one buffer sent with every message; only the header block is made per
  // message. The load generator shares the machine's two cores with the server, so it should cost little.
  const body = Buffer.from(`${line.repeat(Math.ceil(SIZE / line.length)).slice(0, SIZE - 200)}\r\n.\r\n`);
  const date = new Date().toUTCString();
  const header = (i: number): Buffer =>
    Buffer.from(`From: Bench <bench@sender.test>\r\nTo: alice@example.com\r\nSubject: bench ${i}\r\nMessage-ID: <bench-${i}@sender.test>\r\nDate: ${date}\r\n\r\n`);

  class Client {
    private buf = '';
    private waiting: Array<(line: string) => void> = [];
    constructor(private readonly s: Socket) {
      s.setEncoding('utf8');
      s.setNoDelay(true);
      s.on('data', (d: string) => {
        this.buf += d;
        let i: number;
        while ((i = this.buf.indexOf('\r\n')) >= 0) {
          const l = this.buf.slice(0, i);
          this.buf = this.buf.slice(i + 2);
          if (/^\d{3}-/.test(l)) continue;
          this.waiting.shift()?.(l);
        }
      });
    }
    static async open(): Promise<Client> {
      const s = connect(port, '127.0.0.1');
      await new Promise((r) => s.once('connect', r));
      const c = new Client(s);
      await c.next();
      return c;
    }
    next(): Promise<string> {
      return new Promise((r) => this.waiting.push(r));
    }
    async send(parts: string | readonly Buffer[], replies: number): Promise<string[]> {
      const ps = Array.from({ length: replies }, () => this.next());
      if (typeof parts === 'string') this.s.write(parts);
      else {
        // One writev for the parts.
        this.s.cork();
        for (const p of parts) this.s.write(p);
        this.s.uncork();
      }
      return Promise.all(ps);
    }
    close(): void {
      this.s.end('QUIT\r\n');
    }
  }

  let next = 0;
  let failures = 0;
  const latencies: number[] = [];
  const worker = async (): Promise<void> => {
    const c = await Client.open();
    await c.send('EHLO bench.client\r\n', 1);
    for (;;) {
      const i = next++;
      if (i >= MESSAGES) break;
      const t0 = performance.now();
      const env = await c.send('MAIL FROM:<bench@sender.test>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n', 3);
      if (!env[2]!.startsWith('354')) {
        failures++;
        if (failures <= 3) console.error(`refused: ${env.join(' | ')}`);
        await c.send('RSET\r\n', 1);
        continue;
      }
      const [done] = await c.send([header(i), body], 1);
      if (done!.startsWith('250')) latencies.push(performance.now() - t0);
      else {
        failures++;
        if (failures <= 3) console.error(`refused: ${done}`);
      }
    }
    c.close();
  };

  const start = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const clientCpuMicros = Math.round((cpu.user + cpu.system) / MESSAGES);

  type Done = { stored: number; storeOnly: number; serverCpuMs: number; loopCpuMicros: number; storeCpuMs: number; loopBusy: number; disk?: DiskBaseline };
  const { stored, storeOnly, serverCpuMs, loopCpuMicros, storeCpuMs, loopBusy, disk } = await new Promise<Done>((resolve) => {
    child.once('message', (m: Done) => resolve(m));
    child.send('stop');
  });

  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  report(
    'smtp',
    [
      { metric: 'accepted messages/s', value: latencies.length / seconds, unit: 'msg/s', target: '>= 1000' },
      { metric: 'latency p50', value: pct(50), unit: 'ms' },
      { metric: 'latency p99', value: pct(99), unit: 'ms' },
      { metric: 'accepted', value: latencies.length, unit: 'msgs' },
      { metric: 'stored in INBOX', value: stored, unit: 'msgs' },
      { metric: 'failed', value: failures, unit: 'msgs' },
      { metric: 'MailStore.deliver alone (same concurrency, fresh folder)', value: storeOnly, unit: 'msg/s' },
      // CPU time (user + system, all threads) per message: steadier than msg/s on a shared machine.
      { metric: 'server CPU per message (SMTP run)', value: serverCpuMs, unit: 'ms' },
      { metric: 'server event loop busy (SMTP run)', value: loopBusy, unit: '%' },
      // The event loop's own thread: the part that cannot spread over cores, so the figure to make smaller.
      { metric: 'server event-loop thread CPU per message (SMTP run)', value: loopCpuMicros, unit: 'µs' },
      { metric: 'server CPU per message (MailStore.deliver alone)', value: storeCpuMs, unit: 'ms' },
      { metric: 'load generator CPU per message', value: clientCpuMicros, unit: 'µs' },
      ...(disk
        ? [
            { metric: 'disk alone: create an empty file', value: Math.round(disk.createMicros), unit: 'µs' },
            { metric: 'disk alone: write+fdatasync+rename+dir fsync, serial', value: Math.round(disk.serialPerSecond), unit: 'msg/s' },
            { metric: `disk alone: the same, ${CONNECTIONS} writers`, value: Math.round(disk.concurrentPerSecond), unit: 'msg/s' },
          ]
        : []),
    ],
    { messages: MESSAGES, connections: CONNECTIONS, messageBytes: SIZE, seconds, durable: true },
  );
  const slow = slowCreateNote(disk);
  if (slow) console.log(slow);
  if (stored !== latencies.length || failures) process.exitCode = 1;
}
