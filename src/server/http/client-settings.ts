// What a mail client needs to know to connect: host names and ports of IMAPS and submission for one address.
// Shared by Thunderbird autoconfig, Outlook autodiscover and the Apple profile so they never disagree.
import type { ConfigSnapshot } from '../../config/types.js';
import type { Listening } from '../module.js';

/** How a client starts TLS on a port: at once (993, 465) or with STARTTLS (143, 587). */
export type ClientTls = 'implicit' | 'starttls';

export interface ClientServer {
  readonly host: string;
  readonly port: number;
  readonly tls: ClientTls;
}

export interface ClientSettings {
  readonly email?: string | undefined;
  readonly domain: string;
  /** IMAP over implicit TLS (RFC 8314), or STARTTLS on 143 when the 993 listener is off. */
  readonly imap: ClientServer;
  /** Submission with STARTTLS on 587, or implicit TLS on 465 when the 587 listener is off. */
  readonly submission: ClientServer;
}

const ADDRESS = /^[^\s@<>"]{1,64}@([a-z0-9.-]{1,253})$/i;

/** The domain of an address or a bare domain, lower-cased; undefined when it is neither. */
export function domainOf(addressOrDomain: string): string | undefined {
  const v = addressOrDomain.trim().toLowerCase();
  const m = ADDRESS.exec(v);
  if (m) return m[1];
  return /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/.test(v) ? v : undefined;
}

export function isAddress(value: string): boolean {
  return ADDRESS.test(value.trim());
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

/**
 * The port clients should use for a service: the configured one, or (when it was configured as port 0, as in
 * tests) the port the listener actually bound.
 */
function advertisedPort(configured: string, listeners: readonly Listening[], matches: (label: string) => boolean): number {
  const port = portOf(configured);
  if (port !== 0) return port;
  return listeners.find((l) => matches(l.label))?.port ?? port;
}

export const isImapsLabel = (label: string): boolean => /imap/i.test(label) && /tls|ssl|imaps/i.test(label) && !/starttls/i.test(label);
export const isSubmissionLabel = (label: string): boolean => /submission(?!s)/i.test(label);
const isImapStarttlsLabel = (label: string): boolean => /imap/i.test(label) && !isImapsLabel(label);
const isSubmissionsLabel = (label: string): boolean => /submissions/i.test(label);

type Choice = readonly [configured: string | undefined, tls: ClientTls, matches: (label: string) => boolean];

/** The first listener of a service that is on (a listen address of undefined is off), as clients should use it. */
function firstOn(host: string, listeners: readonly Listening[], choices: readonly Choice[]): ClientServer | undefined {
  for (const [configured, tls, matches] of choices) {
    if (configured !== undefined) return { host, port: advertisedPort(configured, listeners, matches), tls };
  }
  return undefined;
}

/** Settings for a local domain; undefined when the domain is not served here (or IMAP or submission is all off). */
export function clientSettings(snap: ConfigSnapshot, listeners: readonly Listening[], addressOrDomain: string): ClientSettings | undefined {
  const domain = domainOf(addressOrDomain);
  if (!domain) return undefined;
  const conf = snap.domains.get(domain);
  if (!conf || !conf.enabled) return undefined;
  // The dev domain `localhost` has no mail.localhost; clients reach it as localhost.
  const host = domain === 'localhost' ? 'localhost' : conf.outbound.hostname || `mail.${domain}`;
  const listen = snap.server.listen;
  const imap = firstOn(host, listeners, [
    [listen.imapTls, 'implicit', isImapsLabel],
    [listen.imapStarttls, 'starttls', isImapStarttlsLabel],
  ]);
  const submission = firstOn(host, listeners, [
    [listen.submission, 'starttls', isSubmissionLabel],
    [listen.submissions, 'implicit', isSubmissionsLabel],
  ]);
  // With every IMAP or every submission listener off there is no account a client could set up.
  if (!imap || !submission) return undefined;
  return { email: isAddress(addressOrDomain) ? addressOrDomain.trim().toLowerCase() : undefined, domain, imap, submission };
}
