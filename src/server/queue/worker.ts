// The queue worker: scans <data>/queue, delivers due entries, and journals every outcome before acting on it.
// Invariants:
// - A recipient marked `sent` in the envelope is never sent again; the envelope is rewritten (fsynced) right
//   after each destination answers, before anything else happens.
// - An entry is removed only after every recipient is `sent`, or `failed` with its DSN durable.
// - An entry being delivered carries an `inflight` marker with our pid; markers of dead processes (a crash)
//   are cleared on start, so the entry is retried: delivery is at-least-once across a crash in the instant
//   between a remote 250 and our journal write, and exactly-once otherwise.
// The directory is re-read on every poll, so `everlock queue retry|remove` from the CLI apply live.
import { open } from 'node:fs/promises';
import type { Resolver } from 'node:dns/promises';
import type { ConfigSnapshot } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../metrics.js';
import { statusFromReply, type DsnFailure } from '../dsn.js';
import { expired, retryDelay, type RetryPolicy } from './backoff.js';
import type { QueueFiles } from './files.js';
import { resolveRoute } from './route.js';
import { sendToRoute, type Verdict } from './send.js';
import type { QueueEnvelope, QueueRecipient } from './types.js';

export interface QueueWorkerOptions {
  readonly files: QueueFiles;
  readonly config: () => ConfigSnapshot;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  readonly policy: RetryPolicy;
  /** Directory re-scan interval. */
  readonly pollMs: number;
  /** Concurrent deliveries per destination (domain or smarthost). */
  readonly perDestination: number;
  /** Concurrent entries overall. */
  readonly maxConcurrent: number;
  readonly timeoutMs: number;
  readonly resolver: () => Resolver;
  /** Makes a DSN durable (local delivery or a new queue entry); throws when it could not. */
  readonly bounce: (env: QueueEnvelope, failures: readonly DsnFailure[], originalHeaders: Buffer) => Promise<void>;
  readonly now?: (() => number) | undefined;
}

export class QueueWorker {
  private readonly active = new Map<string, Promise<void>>();
  private readonly destinations = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private scanning: Promise<void> | undefined;
  private rescan = false;
  private readonly now: () => number;

  constructor(private readonly o: QueueWorkerOptions) {
    this.now = o.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.o.files.sweepOrphans(10 * 60_000, this.now());
    for (const id of await this.o.files.ids()) {
      const env = await this.o.files.read(id);
      if (env?.inflight && (env.inflight.pid === process.pid || !alive(env.inflight.pid))) {
        env.inflight = undefined;
        await this.o.files.write(env);
        this.o.log.info('queue entry was in flight during a crash; will retry', { queueId: id });
      }
    }
    this.schedule(0);
  }

  /** Scan now (a new entry, or a CLI change). */
  wake(): void {
    if (this.running) this.schedule(0);
  }

  /** Stops scanning and waits for deliveries in progress until `deadline`. */
  async stop(deadline: number): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, deadline - Date.now());
    await Promise.race([Promise.allSettled([this.scanning, ...this.active.values()]), new Promise((r) => setTimeout(r, wait).unref())]);
  }

  /** Resolves when nothing is in flight and no due entry is waiting (tests). */
  async idle(): Promise<void> {
    for (;;) {
      await this.scanning;
      await Promise.allSettled([...this.active.values()]);
      if (!this.scanning && this.active.size === 0) return;
    }
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    // Not unref'd: a running worker keeps the process alive (a queue-only server has no listener to do it).
    this.timer = setTimeout(() => this.scan(), ms);
  }

  private scan(): void {
    if (!this.running) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = this.scanOnce()
      .catch((err: unknown) => this.o.log.error('queue scan failed', { err }))
      .finally(() => {
        this.scanning = undefined;
        if (!this.running) return;
        if (this.rescan) {
          this.rescan = false;
          this.schedule(0);
        } else this.schedule(this.o.pollMs);
      });
  }

  private async scanOnce(): Promise<void> {
    const ids = await this.o.files.ids();
    this.o.metrics?.set('everlock_queue_entries', ids.length);
    const now = this.now();
    for (const id of ids) {
      if (!this.running) return;
      if (this.active.has(id)) continue;
      if (this.active.size >= this.o.maxConcurrent) return;
      const env = await this.o.files.read(id).catch(() => undefined);
      if (!env || env.inflight || !needsWork(env) || env.nextAttempt > now) continue;
      const p = this.process(env)
        .catch((err: unknown) => this.o.log.error('queue delivery failed', { queueId: id, err }))
        .finally(() => {
          this.active.delete(id);
          this.wake();
        });
      this.active.set(id, p);
    }
  }

  private async process(env: QueueEnvelope): Promise<void> {
    const started = this.now();
    env.inflight = { pid: process.pid, since: started };
    if (!(await this.o.files.update(env))) return;
    const snap = this.o.config();
    const senderDomain = snap.domains.get(env.senderDomain);
    const ehlo = senderDomain?.outbound.hostname ?? snap.server.hostname;
    const relay = senderDomain?.outbound.relay;

    const groups = new Map<string, QueueRecipient[]>();
    for (const r of env.recipients) {
      if (r.state !== 'pending') continue;
      const domain = r.address.slice(r.address.lastIndexOf('@') + 1).toLowerCase();
      groups.set(domain, [...(groups.get(domain) ?? []), r]);
    }
    const size = await fileSize(this.o.files.messagePath(env.id));
    let journal = Promise.resolve();
    let removed = false;
    await Promise.all(
      [...groups].map(async ([domain, rcpts]) => {
        const key = relay ? `relay:${relay}` : domain;
        await this.acquire(key);
        let verdicts: Map<string, Verdict>;
        try {
          const route = await resolveRoute(domain, {
            relay,
            relayTlsVerify: senderDomain?.outbound.tlsVerify,
            routes: snap.server.routes,
            override: snap.domains.get(domain)?.mxOverride,
            resolver: this.o.resolver(),
          });
          verdicts = await sendToRoute(route, {
            from: env.from,
            recipients: rcpts.map((r) => r.address),
            messagePath: this.o.files.messagePath(env.id),
            size,
            ehlo,
            timeoutMs: this.o.timeoutMs,
          });
        } finally {
          this.release(key);
        }
        for (const r of rcpts) {
          const v = verdicts.get(r.address) ?? { result: 'temporary', reply: 'no verdict' };
          r.attempts++;
          r.lastError = v.result === 'sent' ? undefined : v.reply;
          r.remoteMta = v.mta;
          if (v.result === 'sent') r.state = 'sent';
          else if (v.result === 'permanent') r.state = 'failed';
          this.o.metrics?.inc('everlock_smtp_outbound_total', { result: v.result });
          this.o.log.info('outbound delivery', { queueId: env.id, messageId: env.messageId, from: env.from, to: r.address, result: v.result, reply: v.reply, mta: v.mta, ms: this.now() - started });
        }
        // Journal this destination's outcome now: a crash later must not send these recipients again.
        journal = journal.then(async () => {
          if (!(await this.o.files.update(env))) removed = true;
        });
        await journal;
      }),
    );

    const now = this.now();
    env.attempts++;
    if (env.recipients.some((r) => r.state === 'pending') && expired(this.o.policy, env.created, now)) {
      for (const r of env.recipients) {
        if (r.state !== 'pending') continue;
        r.state = 'failed';
        r.lastError = `4.4.7 delivery time expired; last error: ${r.lastError ?? 'none'}`;
      }
    }
    env.nextAttempt = now + retryDelay(this.o.policy, env.attempts);
    env.inflight = undefined;
    if (removed || !(await this.o.files.update(env))) return;

    const unbounced = env.recipients.filter((r) => r.state === 'failed' && !isBounced(r));
    if (unbounced.length && env.dsnTo !== '') {
      const failures: DsnFailure[] = unbounced.map((r) => ({
        recipient: r.address,
        status: failureStatus(r.lastError ?? ''),
        diagnostic: r.lastError ?? 'delivery failed',
        remoteMta: r.remoteMta,
      }));
      await this.o.bounce(env, failures, await readHead(this.o.files.messagePath(env.id)));
    }
    if (unbounced.length) {
      for (const r of unbounced) markBounced(r);
      if (!(await this.o.files.update(env))) return;
    }
    if (!needsWork(env)) await this.o.files.remove(env.id);
  }

  private async acquire(key: string): Promise<void> {
    const n = this.destinations.get(key) ?? 0;
    if (n < this.o.perDestination) {
      this.destinations.set(key, n + 1);
      return;
    }
    await new Promise<void>((resolve) => this.waiting.set(key, [...(this.waiting.get(key) ?? []), resolve]));
  }

  private release(key: string): void {
    const next = this.waiting.get(key)?.shift();
    if (next) return next(); // the slot passes straight to the next waiter
    const n = (this.destinations.get(key) ?? 1) - 1;
    if (n <= 0) this.destinations.delete(key);
    else this.destinations.set(key, n);
  }
}

function isBounced(r: QueueRecipient): boolean {
  return r.bounced === true;
}

function markBounced(r: QueueRecipient): void {
  r.bounced = true;
}

/** DSN status of a failed recipient: 4.4.7 for an expired entry (RFC 3463), else the reply's code as permanent. */
function failureStatus(lastError: string): string {
  if (lastError.startsWith('4.4.7')) return '4.4.7';
  return statusFromReply(lastError, true).replace(/^4/, '5');
}

function needsWork(env: QueueEnvelope): boolean {
  return env.recipients.some((r) => r.state === 'pending' || (r.state === 'failed' && !isBounced(r) && env.dsnTo !== ''));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function fileSize(path: string): Promise<number> {
  const fh = await open(path, 'r');
  try {
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
}

/** The header block of a queued message (first 64 KB at most), for the DSN. */
async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    const end = head.indexOf('\r\n\r\n');
    return end >= 0 ? head.subarray(0, end + 2) : head;
  } finally {
    await fh.close();
  }
}
