// Where mail for a destination domain goes: a smarthost (the sender domain's `relay`), a static route
// (everlock.toml `[routes]` or a local domain's `mx_override`, for tests and special set-ups), or the MX hosts
// from DNS by preference with the A/AAAA fallback of RFC 5321 §5.1. Host names are resolved through the same
// resolver (`--dns-server`), so a test resolver governs every lookup.
import { Resolver } from 'node:dns/promises';

export interface Hop {
  /** Address to connect to (IP, or a name when it came from a static route). */
  readonly host: string;
  readonly port: number;
  /** Name for TLS SNI and logs. */
  readonly name: string;
}

export interface RelayTarget {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS (smtps:// or port 465). */
  readonly secure: boolean;
  readonly user?: string | undefined;
  readonly pass?: string | undefined;
  /** Verify the certificate when credentials are sent (the domain's `tls_verify`, default true). */
  readonly tlsVerify: boolean;
}

export type Route =
  | { readonly kind: 'hops'; readonly hops: readonly Hop[] }
  | { readonly kind: 'relay'; readonly relay: RelayTarget }
  /** No route: `permanent` failures bounce, others are retried. */
  | { readonly kind: 'none'; readonly permanent: boolean; readonly reason: string };

export interface RouteOptions {
  /** Destination domain -> `host:port` (or several, comma-separated). */
  readonly routes?: ReadonlyMap<string, string> | undefined;
  /** Static hosts for this destination (a local domain's mx_override). */
  readonly override?: readonly string[] | undefined;
  /** Smarthost URL of the sending domain. */
  readonly relay?: string | undefined;
  /** The sending domain's `tls_verify` (default true). */
  readonly relayTlsVerify?: boolean | undefined;
  readonly resolver: Resolver;
}

export function parseHostPort(spec: string, defaultPort = 25): { host: string; port: number } {
  const s = spec.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort };
  const i = s.lastIndexOf(':');
  if (i > 0 && s.indexOf(':') === i) return { host: s.slice(0, i), port: Number(s.slice(i + 1)) || defaultPort };
  return { host: s, port: defaultPort };
}

export function parseRelay(url: string, tlsVerify = true): RelayTarget {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:' || u.port === '465';
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    pass: u.password ? decodeURIComponent(u.password) : undefined,
    tlsVerify,
  };
}

export function createResolver(server: string | undefined): Resolver {
  const r = new Resolver({ timeout: 5000, tries: 2 });
  if (server) r.setServers([server]);
  return r;
}

export async function resolveRoute(domain: string, opts: RouteOptions): Promise<Route> {
  if (opts.relay) return { kind: 'relay', relay: parseRelay(opts.relay, opts.relayTlsVerify ?? true) };
  const staticRoute = opts.routes?.get(domain.toLowerCase());
  const statics = staticRoute ? staticRoute.split(',') : opts.override?.length ? [...opts.override] : [];
  if (statics.length) return { kind: 'hops', hops: statics.map((s) => parseHostPort(s)).map((h) => ({ ...h, name: h.host })) };

  let names: string[];
  try {
    const mx = await opts.resolver.resolveMx(domain);
    if (mx.length === 1 && (mx[0]!.exchange === '' || mx[0]!.exchange === '.')) {
      return { kind: 'none', permanent: true, reason: `${domain} accepts no mail (null MX)` };
    }
    names = mx.sort((a, b) => a.priority - b.priority).map((m) => m.exchange);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND') return { kind: 'none', permanent: true, reason: `domain ${domain} not found` };
    if (code !== 'ENODATA') return { kind: 'none', permanent: false, reason: `MX lookup for ${domain} failed (${code ?? 'error'})` };
    names = [domain];
  }
  const hops: Hop[] = [];
  for (const name of names) {
    for (const ip of await addresses(opts.resolver, name)) hops.push({ host: ip, port: 25, name });
  }
  if (!hops.length) return { kind: 'none', permanent: false, reason: `no address for the mail hosts of ${domain}` };
  return { kind: 'hops', hops };
}

async function addresses(resolver: Resolver, name: string): Promise<string[]> {
  const [v4, v6] = await Promise.all([resolver.resolve4(name).catch(() => []), resolver.resolve6(name).catch(() => [])]);
  return [...v4, ...v6];
}
