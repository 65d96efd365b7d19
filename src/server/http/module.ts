// The optional HTTP listener (`--http-listen`): health and metrics for the operator, and the autoconfiguration
// documents mail clients fetch (Thunderbird, Outlook, Apple). Read-only, small bounded request bodies, no
// secrets: an unknown domain gets 404 and nothing tells whether a user exists.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ModuleHealth, Listening, ServerContext, ServerModule } from '../module.js';
import { ListenError } from '../module.js';
import { renderAutoconfig } from './autoconfig.js';
import { renderAutodiscover, requestedAddress } from './autodiscover.js';
import { clientSettings, isAddress } from './client-settings.js';
import { renderMobileconfig } from './mobileconfig.js';
import { splitListenAddress } from '../listen-address.js';

export interface HttpModuleOptions {
  /** host:port to bind. */
  listen: string;
  /** Every module's state, for /healthz. */
  health(): Readonly<Record<string, ModuleHealth>>;
  /** What the mail modules listen on (ports advertised to clients when configured as 0). */
  listeners(): readonly Listening[];
}

const MAX_BODY = 64 * 1024;

export function createHttpModule(opts: HttpModuleOptions): ServerModule {
  let state: ModuleHealth = 'stopped';
  let server: Server | undefined;

  const handle = async (ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const send = (status: number, type: string, body: string, extra: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...extra });
      res.end(method === 'HEAD' ? undefined : body);
    };
    const notFound = (): void => send(404, 'text/plain; charset=utf-8', 'not found\n');
    const path = url.pathname.toLowerCase();
    ctx.metrics.inc('everlock_http_requests_total', { path: KNOWN_PATHS.has(path) ? path : 'other' });

    if (path === '/autodiscover/autodiscover.xml') {
      if (method !== 'GET' && method !== 'POST' && method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n', { allow: 'GET, POST' });
      const body = method === 'POST' ? await readBody(req) : '';
      const email = requestedAddress(body) ?? url.searchParams.get('email') ?? url.searchParams.get('emailaddress') ?? '';
      const s = isAddress(email) ? clientSettings(ctx.config(), opts.listeners(), email) : undefined;
      if (!s?.email) return notFound();
      return send(200, 'application/xml; charset=utf-8', renderAutodiscover({ ...s, email: s.email }));
    }
    if (method !== 'GET' && method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n', { allow: 'GET' });

    switch (path) {
      case '/healthz': {
        const modules = opts.health();
        const snap = ctx.config();
        const ok = Object.values(modules).every((h) => h === 'ok');
        return send(
          ok ? 200 : 503,
          'application/json',
          JSON.stringify({ status: ok ? 'ok' : 'degraded', modules, config: { generation: snap.generation, commit: snap.commit ?? null } }) + '\n',
        );
      }
      case '/metrics':
        return send(200, 'text/plain; version=0.0.4; charset=utf-8', ctx.metrics.render());
      case '/mail/config-v1.1.xml':
      case '/.well-known/autoconfig/mail/config-v1.1.xml': {
        const asked = url.searchParams.get('emailaddress') ?? hostDomain(req.headers.host);
        const s = asked ? clientSettings(ctx.config(), opts.listeners(), asked) : undefined;
        if (!s) return notFound();
        return send(200, 'application/xml; charset=utf-8', renderAutoconfig(s));
      }
      case '/apple/mobileconfig': {
        const email = url.searchParams.get('email') ?? '';
        const s = isAddress(email) ? clientSettings(ctx.config(), opts.listeners(), email) : undefined;
        if (!s?.email) return notFound();
        return send(200, 'application/x-apple-aspen-config', renderMobileconfig({ ...s, email: s.email }), {
          'content-disposition': `attachment; filename="${s.email.replace(/[^a-z0-9@._-]/gi, '_')}.mobileconfig"`,
        });
      }
      default:
        return notFound();
    }
  };

  return {
    name: 'http',
    async start(ctx) {
      state = 'starting';
      const { host, port } = splitListenAddress(opts.listen);
      const log = ctx.log.child({ module: 'http' });
      const srv = createServer((req, res) => {
        handle(ctx, req, res).catch((err: unknown) => {
          log.warn('http request failed', { error: err, url: req.url });
          if (!res.headersSent) res.writeHead(err instanceof BodyTooLarge ? 413 : 500, { 'content-type': 'text/plain' });
          res.end();
        });
      });
      srv.requestTimeout = 10_000;
      srv.headersTimeout = 10_000;
      srv.keepAliveTimeout = 5_000;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', (err: NodeJS.ErrnoException) => reject(new ListenError('HTTP', opts.listen, err.code)));
        srv.listen(port, host, () => resolve());
      });
      server = srv;
      state = 'ok';
      const addr = srv.address();
      const bound = typeof addr === 'object' && addr ? addr.port : port;
      return [{ label: 'HTTP', host, port: bound }];
    },
    async stop() {
      state = 'stopping';
      const srv = server;
      if (srv) {
        await new Promise<void>((resolve) => {
          srv.close(() => resolve());
          srv.closeAllConnections();
        });
      }
      state = 'stopped';
    },
    health: () => state,
  };
}

const KNOWN_PATHS = new Set([
  '/healthz',
  '/metrics',
  '/mail/config-v1.1.xml',
  '/.well-known/autoconfig/mail/config-v1.1.xml',
  '/autodiscover/autodiscover.xml',
  '/apple/mobileconfig',
]);

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new BodyTooLarge('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `autoconfig.example.com:8080` -> `example.com`. */
function hostDomain(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const name = host.replace(/:\d+$/, '').replace(/^\[.*\]$/, '').toLowerCase();
  return name.replace(/^(autoconfig|autodiscover)\./, '') || undefined;
}
