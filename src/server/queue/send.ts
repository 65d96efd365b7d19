// One delivery attempt for one destination: connect to the route's hosts in order until one answers, then
// MAIL/RCPT/DATA with nodemailer's SMTP client, opportunistic STARTTLS (certificates are not verified: that is
// what opportunistic means; MTA-STS and DANE are out of scope). A smarthost that gets credentials is the
// exception: there TLS is required and its certificate verified against the relay's host name, since whoever
// answers an unverified handshake collects the password. Returns a verdict per recipient.
import { createReadStream } from 'node:fs';
import { isIP } from 'node:net';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Route, Hop, RelayTarget } from './route.js';

export type Verdict =
  | { readonly result: 'sent'; readonly reply: string; readonly mta: string }
  | { readonly result: 'temporary' | 'permanent'; readonly reply: string; readonly mta?: string | undefined };

export interface SendRequest {
  readonly from: string;
  readonly recipients: readonly string[];
  readonly messagePath: string;
  readonly size: number;
  /** Our EHLO name. */
  readonly ehlo: string;
  readonly timeoutMs: number;
}

interface NodemailerLikeError extends Error {
  code?: string;
  /** The Node/OpenSSL code when nodemailer replaced `code` with its own (ESOCKET, ETLS). */
  originalCode?: string;
  responseCode?: number;
  response?: string;
  recipient?: string;
}

export async function sendToRoute(route: Route, req: SendRequest): Promise<Map<string, Verdict>> {
  const all = (v: Verdict): Map<string, Verdict> => new Map(req.recipients.map((r) => [r, v]));
  if (route.kind === 'none') return all({ result: route.permanent ? 'permanent' : 'temporary', reply: route.reason });
  if (route.kind === 'relay') return attempt(relayOptions(route.relay, req), route.relay.host, req, route.relay);
  let last: Map<string, Verdict> | undefined;
  for (const hop of route.hops) {
    last = await attempt(hopOptions(hop, req), hop.name, req);
    // Try the next MX only when this one could not be reached or failed as a whole temporarily.
    const verdicts = [...last.values()];
    if (!verdicts.every((v) => v.result === 'temporary' && v.mta === undefined)) return last;
  }
  return last ?? all({ result: 'temporary', reply: 'no mail host to try' });
}

function hopOptions(hop: Hop, req: SendRequest): SMTPConnection.Options {
  return {
    host: hop.host,
    port: hop.port,
    name: req.ehlo,
    opportunisticTLS: true,
    tls: { rejectUnauthorized: false, servername: hop.name !== hop.host ? hop.name : undefined },
    connectionTimeout: req.timeoutMs,
    greetingTimeout: req.timeoutMs,
    socketTimeout: req.timeoutMs * 5,
    allowInternalNetworkInterfaces: true,
  };
}

/** Whether the relay's certificate must verify: it gets credentials and the domain did not set tls_verify = false. */
function verifiesRelay(r: RelayTarget): boolean {
  return !!r.user && r.tlsVerify;
}

function relayOptions(r: RelayTarget, req: SendRequest): SMTPConnection.Options {
  const verify = verifiesRelay(r);
  return {
    host: r.host,
    port: r.port,
    secure: r.secure,
    // A smarthost gets credentials: require TLS unless the link is implicit TLS already.
    requireTLS: !r.secure && !!r.user,
    name: req.ehlo,
    // SNI and the name checked must be the configured host; an IP literal is checked against the certificate's IP SANs.
    tls: verify ? { rejectUnauthorized: true, servername: isIP(r.host) ? undefined : r.host } : { rejectUnauthorized: false },
    connectionTimeout: req.timeoutMs,
    greetingTimeout: req.timeoutMs,
    socketTimeout: req.timeoutMs * 5,
    allowInternalNetworkInterfaces: true,
  };
}

async function attempt(options: SMTPConnection.Options, mta: string, req: SendRequest, relay?: RelayTarget): Promise<Map<string, Verdict>> {
  const out = new Map<string, Verdict>();
  const conn = new SMTPConnection(options);
  let connected = false;
  // nodemailer reports a failure while connecting (a refused connection, a failed TLS handshake) only as an
  // 'error' event, never through connect()'s callback: each step also ends on the event, or the attempt would hang.
  let failStep: ((err: Error) => void) | undefined;
  conn.on('error', (err: Error) => failStep?.(err));
  const step = <T>(run: (done: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      failStep = reject;
      run((err, value) => (err ? reject(err) : resolve(value as T)));
    });
  try {
    await step<void>((done) => conn.connect(done));
    connected = true;
    if (relay?.user) {
      // requireTLS / implicit TLS make this unreachable; it stays so that no option change can send AUTH in the clear.
      if (!conn.secure) throw new Error(`relay ${relay.host} offered no TLS; credentials are not sent without it`);
      await step<void>((done) => conn.login({ user: relay.user, pass: relay.pass ?? '' }, (err) => done(err)));
    }
    const info = await step<SMTPConnection.SentMessageInfo>((done) =>
      conn.send({ from: req.from, to: [...req.recipients], size: req.size }, createReadStream(req.messagePath), (err, info) => done(err ?? (info ? null : new Error('no reply')), info)),
    );
    for (const r of info.accepted) out.set(r, { result: 'sent', reply: info.response, mta });
    for (const e of (info.rejectedErrors ?? []) as NodemailerLikeError[]) if (e.recipient) out.set(e.recipient, verdictFor(e, mta));
    for (const r of info.rejected) if (!out.has(r)) out.set(r, { result: 'permanent', reply: 'rejected', mta });
  } catch (raw) {
    const err = raw as NodemailerLikeError;
    const v = relay && verifiesRelay(relay) && isCertificateError(err) ? { result: 'temporary' as const, reply: `TLS certificate of relay ${relay.host} not verified: ${err.message}` } : verdictFor(err, connected ? mta : undefined);
    // Per-recipient RCPT rejections carry their own code; everything else applies to all.
    const rejected = (err as { rejectedErrors?: NodemailerLikeError[] }).rejectedErrors ?? [];
    for (const e of rejected) if (e.recipient) out.set(e.recipient, verdictFor(e, mta));
    for (const r of req.recipients) if (!out.has(r)) out.set(r, v);
  } finally {
    conn.close();
  }
  for (const r of req.recipients) if (!out.has(r)) out.set(r, { result: 'temporary', reply: 'no reply for this recipient', mta });
  return out;
}

function verdictFor(err: NodemailerLikeError, mta: string | undefined): Verdict {
  const reply = (err.response ?? err.message ?? String(err)).replace(/\s+/g, ' ').trim();
  const code = err.responseCode;
  if (code && code >= 500 && code < 600) return { result: 'permanent', reply, mta };
  return { result: 'temporary', reply, mta: code ? mta : undefined };
}

/** OpenSSL verification codes (DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, …) and Node's host name check. */
function isCertificateError(err: NodemailerLikeError): boolean {
  const code = err.originalCode ?? err.code ?? '';
  return /CERT|SIGNATURE|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH|HOSTNAME_MISMATCH/.test(code);
}
