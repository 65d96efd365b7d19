// What a mail client needs to know to connect: host names and ports of IMAPS and submission for one address.
// Shared by Thunderbird autoconfig, Outlook autodiscover and the Apple profile so they never disagree.
import type { ConfigSnapshot } from '../../config/types.js';
import type { Listening } from '../module.js';

export interface ClientSettings {
  readonly email?: string | undefined;
  readonly domain: string;
  /** IMAP over implicit TLS (RFC 8314). */
  readonly imap: { readonly host: string; readonly port: number };
  /** Submission with STARTTLS. */
  readonly submission: { readonly host: string; readonly port: number };
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

/** Settings for a local domain; undefined when the domain is not served here. */
export function clientSettings(snap: ConfigSnapshot, listeners: readonly Listening[], addressOrDomain: string): ClientSettings | undefined {
  const domain = domainOf(addressOrDomain);
  if (!domain) return undefined;
  const conf = snap.domains.get(domain);
  if (!conf || !conf.enabled) return undefined;
  // The dev domain `localhost` has no mail.localhost; clients reach it as localhost.
  const host = domain === 'localhost' ? 'localhost' : conf.outbound.hostname || `mail.${domain}`;
  return {
    email: isAddress(addressOrDomain) ? addressOrDomain.trim().toLowerCase() : undefined,
    domain,
    imap: { host, port: advertisedPort(snap.server.listen.imapTls, listeners, isImapsLabel) },
    submission: { host, port: advertisedPort(snap.server.listen.submission, listeners, isSubmissionLabel) },
  };
}
