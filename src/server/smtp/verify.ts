// Inbound verification: SPF, DKIM, DMARC and ARC through mailauth, producing the one Authentication-Results
// header (authserv-id = this server's hostname). The DNS resolver is injectable so tests answer from a table
// and never query the network.
import { createReadStream } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { authenticate, type DNSResolver } from 'mailauth';
import type { Logger } from '../../log.js';
import type { MessageBody } from '../delivery/source.js';

/** mailauth's resolver shape: (name, rrtype) -> records, rejecting with ENOTFOUND/ENODATA like node:dns. */
export type DnsResolve = DNSResolver;

export interface VerifyInput {
  readonly body: MessageBody;
  readonly ip: string;
  readonly helo: string;
  readonly sender: string;
  readonly hostname: string;
}

export interface VerifyResult {
  /** `Authentication-Results: …\r\n` (possibly preceded by nothing else: we do not ARC-seal). */
  readonly header: string;
  /** DMARC evaluated and failed with the domain's policy p=reject. */
  readonly dmarcReject: boolean;
  readonly summary: { spf?: string; dkim?: string; dmarc?: string; arc?: string };
}

/** A resolver using `host:port` servers (or the system's when undefined). */
export function dnsResolver(server: string | undefined): DnsResolve {
  const r = new Resolver({ timeout: 3000, tries: 2 });
  if (server) r.setServers([server]);
  // node:dns returns per-type record shapes; mailauth only asks for TXT, MX, A, AAAA and PTR through this.
  return (name, rrtype) => r.resolve(name, rrtype) as Promise<string[][] | string[]>;
}

export async function verifyMessage(input: VerifyInput, resolver: DnsResolve, log: Logger): Promise<VerifyResult> {
  try {
    const res = await authenticate(input.body.data ?? createReadStream(input.body.path), {
      ip: input.ip,
      helo: input.helo,
      sender: input.sender,
      mta: input.hostname,
      resolver,
      disableBimi: true,
    });
    const header = res.headers.split(/\r\n(?=\S)/).filter((h) => /^Authentication-Results:/i.test(h)).map((h) => h.replace(/\r\n$/, '') + '\r\n').join('');
    const dmarc = res.dmarc || undefined;
    const dmarcReject = !!dmarc && dmarc.status?.result === 'fail' && dmarc.policy === 'reject';
    return {
      header,
      dmarcReject,
      summary: {
        spf: res.spf ? res.spf.status?.result : undefined,
        dkim: res.dkim.results?.map((r) => r.status?.result).join(',') || 'none',
        dmarc: dmarc?.status?.result,
        arc: res.arc ? res.arc.status?.result : undefined,
      },
    };
  } catch (err) {
    // Verification must not lose mail: record a temporary error the way RFC 8601 allows and deliver.
    log.warn('authentication checks failed', { err });
    return { header: `Authentication-Results: ${input.hostname}; none (temporary error during checks)\r\n`, dmarcReject: false, summary: {} };
  }
}
