// Inbound verification: SPF, DKIM, DMARC and ARC through mailauth, producing the one Authentication-Results
// header (authserv-id = this server's hostname). The DNS resolver is injectable so tests answer from a table
// and never query the network.
//
// The checks are mailauth's `authenticate` taken apart so that nothing waits for what it does not need:
// - SPF needs only the envelope, so it starts at the first accepted RCPT and its lookups overlap DATA;
// - DKIM (then ARC) runs on the message while SPF finishes; DMARC, which needs both, comes last;
// - a message without DKIM-Signature or ARC headers has nothing for DKIM to hash: its "dkim=none" result and
//   the From addresses DMARC needs come from the header fields already parsed at DATA, as mailauth would make
//   them (same address parser), instead of mailauth reading the message again.
// The header is assembled exactly as `authenticate` does (same order, same folding).
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser';
import { arc, dkimVerify, dmarc, spf, type ARCData, type ARCResult, type DKIMVerifyResult, type DMARCResult, type DNSResolver, type SPFResult } from 'mailauth';
import type { Logger } from '../../log.js';
import type { AuthMemo } from './auth-memo.js';
import { bodyChunks, type MessageBody } from '../delivery/source.js';
import type { HeaderField } from './headers.js';

/** mailauth's resolver shape: (name, rrtype) -> records, rejecting with ENOTFOUND/ENODATA like node:dns. */
export type DnsResolve = DNSResolver;

export interface Envelope {
  readonly ip: string;
  readonly helo: string;
  readonly sender: string;
  /** This server's hostname (authserv-id). */
  readonly hostname: string;
}

export interface VerifyInput extends Envelope {
  readonly body: MessageBody;
  /** The top-level header fields (from the spool): they say whether there is anything for DKIM/ARC to verify. */
  readonly headers: readonly HeaderField[];
  /** `headers` is the whole header block (the spool keeps only the first megabyte of a longer one). */
  readonly headersComplete?: boolean | undefined;
  /** SPF started earlier with the same envelope (startSpf); started here when absent. */
  readonly spf?: Promise<SPFResult | undefined> | undefined;
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

/**
 * SPF for a transaction's envelope. Never rejects: a failure of the check itself is logged and yields
 * undefined (verifyMessage then records a temporary error), so a transaction abandoned before DATA leaves no
 * unhandled rejection behind.
 */
export function startSpf(env: Envelope, resolver: DnsResolve, log: Logger, memo?: AuthMemo): Promise<SPFResult | undefined> {
  // As mailauth's authenticate: the IP stands in for a missing HELO, and an IP literal gets brackets.
  let helo = env.helo || env.ip;
  if (helo && isIP(helo)) helo = `[${helo}]`;
  const check = (): Promise<SPFResult | undefined> =>
    spf({ ip: env.ip, helo, sender: env.sender, mta: env.hostname, resolver }).catch((err: unknown) => {
      log.warn('SPF check failed', { err });
      return undefined;
    });
  return memo ? memo.spf.get(`${env.ip}\0${helo}\0${env.sender}\0${env.hostname}`, check) : check();
}

/** Header names whose presence means DKIM/ARC have something to verify in the body. */
const SIGNATURE_FIELDS = new Set(['dkim-signature', 'arc-seal', 'arc-message-signature', 'arc-authentication-results']);

/** What DKIM must read: the whole message when it carries signatures, else only its header block. */
function dkimInput(body: MessageBody, headers: readonly HeaderField[]): Buffer | Readable {
  if (!body.data) return Readable.from(bodyChunks(body), { objectMode: false });
  if (headers.some((h) => SIGNATURE_FIELDS.has(h.name.toLowerCase()))) return body.data;
  const end = body.data.indexOf('\r\n\r\n');
  return end < 0 ? body.data : body.data.subarray(0, end + 4);
}

/** Recently seen From field values and their addresses: a burst from one sender repeats the same field. */
const parsedFrom = new Map<string, readonly string[]>();

function fromAddresses(value: string): readonly string[] {
  let addresses = parsedFrom.get(value);
  if (!addresses) {
    addresses = addressparser(value.trim()).flatMap((a) => ('address' in a && a.address ? [a.address] : []));
    if (parsedFrom.size >= 1000) parsedFrom.clear();
    parsedFrom.set(value, addresses);
  }
  return addresses;
}

/** mailauth's ARC result for a message without ARC headers (it does not depend on anything else). */
let noArcChain: Promise<ARCResult> | undefined;

/** What verifyMessage uses of mailauth's DKIM result. */
type DkimOutcome = Pick<DKIMVerifyResult, 'results' | 'headerFrom' | 'arc'>;

/** mailauth's DKIM result for a message with no signature of any kind (dkim-verifier.js, "message not signed"). */
function unsignedDkim(headers: readonly HeaderField[]): DkimOutcome {
  const headerFrom: string[] = [];
  for (const h of headers) {
    if (h.name.toLowerCase() !== 'from') continue;
    headerFrom.push(...fromAddresses(h.value));
  }
  return { results: [{ status: { result: 'none', comment: 'message not signed' }, info: 'dkim=none (message not signed)', signingDomain: '' }], headerFrom };
}

export async function verifyMessage(input: VerifyInput, resolver: DnsResolve, log: Logger, memo?: AuthMemo): Promise<VerifyResult> {
  const spfPending = input.spf ?? startSpf(input, resolver, log, memo);
  try {
    const dkimAndArc = (async (): Promise<{ dkim: DkimOutcome; arc: ARCResult }> => {
      const unsigned = input.headersComplete && !input.headers.some((h) => SIGNATURE_FIELDS.has(h.name.toLowerCase()));
      const dkim = unsigned ? unsignedDkim(input.headers) : await dkimVerify(dkimInput(input.body, input.headers), { resolver, sender: input.sender });
      const chain = dkim.arc;
      const data: ARCData = chain ? { chain: chain.chain || [], lastEntry: chain.lastEntry, error: chain.error } : { chain: [] };
      // No ARC set at all (most mail): mailauth's answer is always the same "arc=none", so it is asked once.
      if (data.chain.length === 0 && !data.error) return { dkim, arc: await (noArcChain ??= arc({ chain: [] }, { resolver })) };
      return { dkim, arc: await arc(data, { resolver }) };
    })();
    const [{ dkim, arc: arcResult }, spfResult] = await Promise.all([dkimAndArc, spfPending]);

    const rows: string[] = [];
    for (const r of dkim.results ?? []) rows.push(libmime.foldLines(r.info, 160));
    if (spfResult) rows.push(libmime.foldLines(spfResult.info, 160));
    else rows.push('spf=temperror (check failed)');
    if (arcResult.info) rows.push(libmime.foldLines(arcResult.info, 160));
    let dmarcResult: DMARCResult | false = false;
    if (dkim.headerFrom) {
      const from = dkim.headerFrom;
      const spfDomains = spfResult && spfResult.status.result === 'pass' && spfResult.domain ? [spfResult.domain] : [];
      const dkimDomains = (dkim.results ?? []).filter((r) => r.status.result === 'pass').map((r) => ({ id: r.id, domain: r.signingDomain, aligned: r.status.aligned, underSized: r.status.underSized }));
      const check = (): Promise<DMARCResult | false> => dmarc({ headerFrom: from, spfDomains, dkimDomains, arcResult, resolver });
      // What dmarc() reads of its inputs: the From addresses, the passing domains, the ARC result (in the comment).
      dmarcResult = memo ? await memo.dmarc.get(JSON.stringify([from, spfDomains, dkimDomains, arcResult.status?.result]), check) : await check();
      if (dmarcResult && dmarcResult.info) rows.push(libmime.foldLines(dmarcResult.info, 160));
    }
    const header = `Authentication-Results: ${input.hostname};\r\n ${rows.join(';\r\n ')}\r\n`;
    const dmarcReject = !!dmarcResult && dmarcResult.status?.result === 'fail' && dmarcResult.policy === 'reject';
    return {
      header,
      dmarcReject,
      summary: {
        spf: spfResult?.status?.result,
        dkim: dkim.results?.map((r) => r.status?.result).join(',') || 'none',
        dmarc: dmarcResult ? dmarcResult.status?.result : undefined,
        arc: arcResult.status?.result,
      },
    };
  } catch (err) {
    // Verification must not lose mail: record a temporary error the way RFC 8601 allows and deliver.
    log.warn('authentication checks failed', { err });
    return { header: `Authentication-Results: ${input.hostname}; none (temporary error during checks)\r\n`, dmarcReject: false, summary: {} };
  }
}
