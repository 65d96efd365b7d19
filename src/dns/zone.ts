// The DNS records a mail domain needs (SPEC §7), as typed data, and their BIND and JSON forms. Pure: the caller
// supplies the DKIM values and which services are on (dns/zone-input.ts builds that from the config), so the
// record set is testable without files. Names are absolute (trailing dot) so the fragment can be pasted into any
// zone file; records for a host outside the domain are left out (they belong to that host's own zone).
import { isIPv4, isIPv6 } from 'node:net';
import { UserError } from '../errors.js';

interface Base {
  /** Absolute owner name, with the trailing dot. */
  readonly name: string;
  readonly ttl: number;
}
export type DnsRecord =
  | (Base & { readonly type: 'MX'; readonly preference: number; readonly exchange: string })
  | (Base & { readonly type: 'A'; readonly address: string })
  | (Base & { readonly type: 'AAAA'; readonly address: string })
  | (Base & { readonly type: 'TXT'; readonly strings: readonly string[] })
  | (Base & { readonly type: 'SRV'; readonly priority: number; readonly weight: number; readonly port: number; readonly target: string })
  | (Base & { readonly type: 'CNAME'; readonly target: string });

export interface ZoneInput {
  /** Lower-case domain name, without trailing dot. */
  readonly domain: string;
  /** The mail host clients and MXes connect to (the domain's outbound hostname, default mail.<domain>). */
  readonly hostname: string;
  readonly ip?: string | undefined;
  readonly ip6?: string | undefined;
  /** One TXT value per published selector, signing selectors first. */
  readonly dkim: readonly { readonly selector: string; readonly value: string }[];
  /** The port each service listens on, or undefined when it is off. */
  readonly services: {
    readonly imaps?: number | undefined;
    readonly imap?: number | undefined;
    readonly submission?: number | undefined;
    readonly submissions?: number | undefined;
    /** The HTTP listener (autoconfig/autodiscover) is on. */
    readonly http: boolean;
  };
  readonly dmarcPolicy?: 'none' | 'quarantine' | 'reject' | undefined;
  readonly ttl?: number | undefined;
}

export const DEFAULT_TTL = 3600;

export function zoneRecords(input: ZoneInput): DnsRecord[] {
  if (input.ip !== undefined && !isIPv4(input.ip)) throw new UserError(`--ip "${input.ip}" is not an IPv4 address`);
  if (input.ip6 !== undefined && !isIPv6(input.ip6)) throw new UserError(`--ip6 "${input.ip6}" is not an IPv6 address`);
  const ttl = input.ttl ?? DEFAULT_TTL;
  const apex = fqdn(input.domain);
  const host = fqdn(input.hostname);
  const at = (label: string): string => `${label}.${apex}`;
  const records: DnsRecord[] = [];

  records.push({ name: apex, ttl, type: 'MX', preference: 10, exchange: host });
  if (inZone(input.hostname, input.domain)) {
    if (input.ip !== undefined) records.push({ name: host, ttl, type: 'A', address: input.ip });
    if (input.ip6 !== undefined) records.push({ name: host, ttl, type: 'AAAA', address: input.ip6 });
  }
  records.push({ name: apex, ttl, type: 'TXT', strings: ['v=spf1 mx -all'] });
  for (const k of input.dkim) records.push({ name: at(`${k.selector}._domainkey`), ttl, type: 'TXT', strings: splitTxt(k.value) });
  records.push({ name: at('_dmarc'), ttl, type: 'TXT', strings: [`v=DMARC1; p=${input.dmarcPolicy ?? 'quarantine'}`] });

  // RFC 6186 / RFC 8314: `0 0 0 .` says "this service is not offered here".
  const srv = (label: string, port: number | undefined): DnsRecord =>
    port === undefined
      ? { name: at(label), ttl, type: 'SRV', priority: 0, weight: 0, port: 0, target: '.' }
      : { name: at(label), ttl, type: 'SRV', priority: 0, weight: 1, port, target: host };
  records.push(srv('_imaps._tcp', input.services.imaps));
  records.push(srv('_imap._tcp', input.services.imap));
  records.push(srv('_submission._tcp', input.services.submission));
  records.push(srv('_submissions._tcp', input.services.submissions));

  if (input.services.http) {
    records.push({ name: at('autoconfig'), ttl, type: 'CNAME', target: host });
    records.push({ name: at('autodiscover'), ttl, type: 'CNAME', target: host });
  }
  return records;
}

/** Splits a TXT value into character-strings of at most 255 bytes (RFC 1035 §3.3.14). */
export function splitTxt(value: string, max = 255): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += max) parts.push(bytes.subarray(i, i + max).toString('utf8'));
  return parts.length > 0 ? parts : [''];
}

/** The record data as it appears in a zone file. */
export function rdata(r: DnsRecord): string {
  switch (r.type) {
    case 'MX':
      return `${r.preference} ${r.exchange}`;
    case 'A':
    case 'AAAA':
      return r.address;
    case 'TXT':
      return r.strings.map(quote).join(' ');
    case 'SRV':
      return `${r.priority} ${r.weight} ${r.port} ${r.target}`;
    case 'CNAME':
      return r.target;
  }
}

/** A BIND zone fragment: one record per line, absolute names. */
export function formatBind(records: readonly DnsRecord[]): string {
  return records.map((r) => `${r.name}\t${r.ttl}\tIN\t${r.type}\t${rdata(r)}`).join('\n') + '\n';
}

/** The records as JSON: every typed field plus `value`, the zone-file form of the data. */
export function formatJson(records: readonly DnsRecord[]): string {
  return JSON.stringify(
    records.map((r) => ({ ...r, value: rdata(r) })),
    null,
    2,
  );
}

function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

function inZone(host: string, domain: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === domain || h.endsWith(`.${domain}`);
}
