// The SMTP side of `everlock serve`: three modules sharing one runtime per server context.
// - `smtp`: inbound MX listener (server.listen.smtp);
// - `submission`: 587 with STARTTLS and 465 with implicit TLS;
// - `queue`: the outbound queue worker.
// Listen addresses need a restart; everything else (domains, users, rules, limits) is read live from ctx.config().
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import { dataFiles } from '../../config/paths.js';
import { AuthThrottle } from '../auth-throttle.js';
import type { DeliveryDeps } from '../delivery/local.js';
import { sendBounce } from '../delivery/bounce.js';
import { splitListenAddress } from '../listen-address.js';
import { ListenError, type Listening, type ModuleHealth, type ServerContext, type ServerModule } from '../module.js';
import { defaultRetryPolicy, type RetryPolicy } from '../queue/backoff.js';
import { QueueFiles } from '../queue/files.js';
import { createResolver } from '../queue/route.js';
import { QueueWorker } from '../queue/worker.js';
import { loadSrsSecret, Srs } from '../srs.js';
import { createInboundServer } from './inbound.js';
import { FixedWindows, IpRateLimiter } from './rate-limit.js';
import type { SmtpRuntime } from './runtime.js';
import { createSubmissionServer } from './submission.js';
import { dnsResolver, type DnsResolve } from './verify.js';
import { createAuthMemo } from './auth-memo.js';
import { cachingResolver } from './dns-cache.js';
import { insecureAuthPolicy } from '../insecure-auth.js';
import { commandCounter, countConnection } from '../metrics.js';
import { observeCommands } from './wire-hooks.js';

export interface SmtpModuleOptions {
  /** DNS for inbound SPF/DKIM/DMARC checks; default: server.dnsServer or the system resolver. */
  readonly resolver?: DnsResolve | undefined;
  /** Queue tuning (tests shrink the back-off). */
  readonly retry?: Partial<RetryPolicy> | undefined;
  readonly queuePollMs?: number | undefined;
  readonly queuePerDestination?: number | undefined;
  readonly queueTimeoutMs?: number | undefined;
  readonly socketTimeoutMs?: number | undefined;
}

interface Shared {
  readonly rt: SmtpRuntime;
  worker?: QueueWorker | undefined;
}

export function createSmtpModules(opts: SmtpModuleOptions = {}): ServerModule[] {
  const shared = new WeakMap<ServerContext, Promise<Shared>>();
  const runtime = (ctx: ServerContext): Promise<Shared> => {
    let p = shared.get(ctx);
    if (!p) shared.set(ctx, (p = makeRuntime(ctx, opts)));
    return p;
  };

  /** `make` lists only the listeners that are on (a listen address of undefined is "off": no server is built). */
  const listenerModule = (name: string, make: (s: Shared, ctx: ServerContext) => Array<{ label: string; address: string; server: SMTPServer }>): ServerModule => {
    let servers: SMTPServer[] = [];
    let health: ModuleHealth = 'stopped';
    let unsubscribe: (() => void) | undefined;
    return {
      name,
      async start(ctx) {
        health = 'starting';
        const s = await runtime(ctx);
        const out: Listening[] = [];
        for (const l of make(s, ctx)) {
          l.server.server.on('connection', (socket: Socket) => socket.once('close', countConnection(ctx.metrics, name)));
          observeCommands(l.server, commandCounter(ctx.metrics, name));
          out.push(await listen(l.server, l.label, l.address));
          servers.push(l.server);
        }
        // smtp-server builds its default (no SNI) context once: rebuild it when certificates change.
        unsubscribe = ctx.tls.onChange?.(() => {
          for (const srv of servers) srv.updateSecureContext(ctx.tls.serverOptions());
        });
        health = 'ok';
        return out;
      },
      async stop(deadline) {
        health = 'stopping';
        unsubscribe?.();
        await Promise.all(servers.map((srv) => closeServer(srv, deadline)));
        servers = [];
        health = 'stopped';
      },
      health: () => health,
    };
  };

  const inbound = listenerModule('smtp', (s, ctx) => {
    const address = ctx.config().server.listen.smtp;
    return address === undefined ? [] : [{ label: 'SMTP', address, server: createInboundServer(s.rt) }];
  });
  const submission = listenerModule('submission', (s, ctx) => {
    const server = ctx.config().server;
    const insecureAuth = insecureAuthPolicy(server.allowInsecureAuth, ctx.dev);
    const out: Array<{ label: string; address: string; server: SMTPServer }> = [];
    const { submission: starttls, submissions: implicit } = server.listen;
    if (starttls !== undefined) out.push({ label: 'SMTP submission', address: starttls, server: createSubmissionServer(s.rt, { implicitTls: false, insecureAuth }) });
    if (implicit !== undefined) out.push({ label: 'SMTP submissions', address: implicit, server: createSubmissionServer(s.rt, { implicitTls: true, insecureAuth }) });
    return out;
  });

  let workerHealth: ModuleHealth = 'stopped';
  let worker: QueueWorker | undefined;
  const queue: ServerModule = {
    name: 'queue',
    async start(ctx) {
      workerHealth = 'starting';
      const s = await runtime(ctx);
      const snap = () => ctx.config();
      let resolver = createResolver(snap().server.dnsServer);
      let resolverFor = snap().server.dnsServer;
      worker = new QueueWorker({
        files: s.rt.delivery.queue,
        config: snap,
        log: ctx.log.child({ module: 'queue' }),
        metrics: ctx.metrics,
        policy: { ...defaultRetryPolicy, ...opts.retry },
        pollMs: opts.queuePollMs ?? 5000,
        perDestination: opts.queuePerDestination ?? 4,
        maxConcurrent: 32,
        timeoutMs: opts.queueTimeoutMs ?? 30_000,
        resolver: () => {
          const want = snap().server.dnsServer;
          if (want !== resolverFor) [resolver, resolverFor] = [createResolver(want), want];
          return resolver;
        },
        bounce: (env, failures, originalHeaders) =>
          sendBounce(s.rt.delivery, snap(), { to: env.dsnTo, failures, originalHeaders, arrivalDate: new Date(env.created) }),
      });
      s.worker = worker;
      await worker.start();
      workerHealth = 'ok';
      return [];
    },
    async stop(deadline) {
      workerHealth = 'stopping';
      await worker?.stop(deadline);
      workerHealth = 'stopped';
    },
    health: () => workerHealth,
  };

  return [inbound, submission, queue];
}

async function makeRuntime(ctx: ServerContext, opts: SmtpModuleOptions): Promise<Shared> {
  const snap = ctx.config();
  const paths = snap.paths;
  const srs = new Srs(await loadSrsSecret(snap.server.srsSecret, join(paths.data, 'keys', 'srs.secret')));
  const limits = () => ctx.config().server.limits;
  let shared: Shared | undefined;
  const delivery: DeliveryDeps = {
    store: ctx.store,
    queue: new QueueFiles(dataFiles.queue(paths)),
    srs,
    log: ctx.log.child({ module: 'delivery' }),
    metrics: ctx.metrics,
    wakeQueue: () => shared?.worker?.wake(),
  };
  const throttle = new AuthThrottle({ maxFailures: limits().authFailuresPerMinute, lockoutSeconds: limits().authLockoutSeconds });
  let configured = snap;
  const rt: SmtpRuntime = {
    // Login throttling follows [limits] live: re-applied whenever a new snapshot has been swapped in.
    config: () => {
      const s = ctx.config();
      if (s !== configured) {
        configured = s;
        throttle.configure({ maxFailures: s.server.limits.authFailuresPerMinute, lockoutSeconds: s.server.limits.authLockoutSeconds });
      }
      return s;
    },
    store: ctx.store,
    delivery,
    log: ctx.log,
    metrics: ctx.metrics,
    tls: ctx.tls,
    resolver: cachingResolver(opts.resolver ?? dnsResolver(snap.server.dnsServer)),
    authMemo: createAuthMemo(),
    spoolDir: join(paths.data, 'tmp'),
    userSends: new FixedWindows(3_600_000),
    limiter: new IpRateLimiter(() => {
      const l = limits();
      return { connectionsPerIp: l.smtpConnectionsPerIp, commandsPerMinute: l.smtpCommandsPerIpPerMinute, messagesPerMinute: l.smtpMessagesPerIpPerMinute };
    }),
    throttle,
    socketTimeoutMs: opts.socketTimeoutMs ?? 300_000,
  };
  shared = { rt };
  return shared;
}

function listen(server: SMTPServer, label: string, address: string): Promise<Listening> {
  const { host, port } = splitListenAddress(address);
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(new ListenError(label, address, err.code));
    server.server.once('error', onError);
    server.listen(port, host, () => {
      server.server.off('error', onError);
      const a = server.server.address() as AddressInfo;
      resolve({ label, host: a.address, port: a.port });
    });
  });
}

function closeServer(server: SMTPServer, deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
