// Authenticated submission: 587 (STARTTLS) and 465 (implicit TLS, RFC 8314). AUTH PLAIN/LOGIN only over TLS
// unless insecure auth is allowed; failed logins are throttled per IP. The envelope sender and every From
// address must be the user's own or granted. Missing Message-ID/Date are added, the message is DKIM-signed for
// the From domain, local recipients go through the local delivery path, remote ones to the queue, and a copy
// is filed in the sender's Sent folder — all in one all-or-nothing step before 250. Outbound rules
// (rules.toml direction = "outbound") may refuse, drop or redirect recipients first.
import { randomBytes } from 'node:crypto';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { authenticate, canSendAs, primaryMailbox, resolveRecipient } from '../../config/directory.js';
import type { UserConfig } from '../../config/types.js';
import { loadSigningKeys } from '../../dkim/keys.js';
import { sendBounce } from '../delivery/bounce.js';
import { deliverLocal, type LocalRecipient } from '../delivery/local.js';
import { applyOutboundRules, outboundEnvelopeReject } from '../delivery/outbound-rules.js';
import { dkimSignMessage } from '../dkim-sign.js';
import { statusFromReply } from '../dsn.js';
import { connectionLimitHooks } from './connection-limit.js';
import { replies, replyForFailure, SmtpReply } from './errors.js';
import { addressesIn, firstHeader, fromAddresses, headerLine, messageId } from './headers.js';
import type { SmtpRuntime } from './runtime.js';
import { spoolMessage, SpoolTooBig, type SpooledMessage } from './spool.js';
import { isBlindField, isDroppedField } from './dropped-fields.js';
import { stripFields } from './header-strip.js';
import { receivedHeader, rfc5322Date } from './trace.js';
import { attachWireHooks } from './wire-hooks.js';
import type { InsecureAuthPolicy } from '../insecure-auth.js';

export interface SubmissionOptions {
  /** 465: TLS from the first byte. */
  readonly implicitTls: boolean;
  /** Which peers may AUTH without TLS (everyone with allow_insecure_auth, loopback with --dev). */
  readonly insecureAuth: InsecureAuthPolicy;
}

interface Transaction {
  local: LocalRecipient[];
  remote: string[];
}

export function createSubmissionServer(rt: SmtpRuntime, opts: SubmissionOptions): SMTPServer {
  const txns = new WeakMap<SMTPServerSession, Transaction>();
  const log = rt.log.child({ module: opts.implicitTls ? 'submissions' : 'submission' });
  const settings = () => rt.config().server;
  const userOf = (session: SMTPServerSession): UserConfig | undefined => {
    const login = (session.user as { login?: string } | undefined)?.login;
    return login === undefined ? undefined : rt.config().users.get(login);
  };

  const server: SMTPServer = new SMTPServer({
    ...(rt.tls ? rt.tls.serverOptions() : {}),
    secure: opts.implicitTls,
    name: settings().hostname,
    banner: 'everlock submission',
    size: settings().limits.maxMessageBytes,
    hideSTARTTLS: !rt.tls || opts.implicitTls,
    hideDSN: true,
    hideENHANCEDSTATUSCODES: false,
    hideREQUIRETLS: true,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: false,
    // smtp-server's switch is per server; the wire hook below decides per peer.
    allowInsecureAuth: true,
    disableReverseLookup: true,
    socketTimeout: rt.socketTimeoutMs,
    logger: false,

    ...connectionLimitHooks(rt),
    onAuth(auth, session, cb) {
      const ip = session.remoteAddress;
      if (rt.throttle.isLocked(ip)) {
        log.warn('login refused: too many failures', { ip });
        return cb(replies.authLocked());
      }
      const snap = rt.config();
      authenticate(snap, auth.username ?? '', auth.password ?? '').then(
        (user) => {
          if (!user) {
            rt.throttle.failure(ip);
            rt.metrics?.inc('everlock_smtp_auth_total', { result: 'failure' });
            log.info('login failed', { ip, login: auth.username });
            return cb(replies.authFailed());
          }
          rt.throttle.success(ip);
          rt.metrics?.inc('everlock_smtp_auth_total', { result: 'success' });
          cb(null, { user: { login: user.login } });
        },
        (err: unknown) => {
          log.error('login check failed', { err });
          cb(replies.temporaryFailure());
        },
      );
    },
    onMailFrom(address, session, cb) {
      const user = userOf(session);
      if (!user) return cb(replies.authRequired());
      if (!address.address || !canSendAs(rt.config(), user, address.address)) {
        log.info('sender refused', { login: user.login, from: address.address });
        return cb(replies.notOwned(address.address ? `<${address.address}>` : 'the null sender'));
      }
      const domain = rt.config().domains.get(address.address.slice(address.address.lastIndexOf('@') + 1).toLowerCase());
      if (domain && !domain.submission.enabled) return cb(new SmtpReply(550, '5.7.1', `Submission is disabled for ${domain.name}`));
      txns.set(session, { local: [], remote: [] });
      cb();
    },
    onRcptTo(address, session, cb) {
      const txn = txns.get(session) ?? { local: [], remote: [] };
      txns.set(session, txn);
      const snap = rt.config();
      const max = snap.server.limits.maxRecipients;
      if (txn.local.length + txn.remote.length >= max) return cb(replies.tooManyRecipients(max));
      const addr = address.address.trim();
      if (addr.lastIndexOf('@') <= 0) return cb(replies.badRecipient());
      const r = resolveRecipient(snap, addr);
      if (r.kind === 'unknown-user') return cb(replies.unknownUser());
      const refused = outboundEnvelopeReject(snap, session.envelope.mailFrom ? session.envelope.mailFrom.address : '', addr);
      if (refused) return cb(refused);
      const user = userOf(session);
      const perHour = snap.server.limits.submissionRecipientsPerUserPerHour;
      if (user && !rt.userSends.hit(user.login, perHour)) {
        log.warn('recipient refused: hourly sending limit reached', { login: user.login, to: addr, perHour });
        return cb(replies.userSendLimit(perHour));
      }
      if (r.kind === 'local') txn.local.push({ address: addr.toLowerCase(), mailboxes: r.mailboxes, forward: r.forward });
      else txn.remote.push(addr);
      cb();
    },
    onData(stream, session, cb) {
      const user = userOf(session);
      const txn = txns.get(session);
      if (!user || !txn) {
        stream.resume();
        stream.once('end', () => cb(replies.authRequired()));
        return;
      }
      submit(rt, stream, session, user, txn).then(
        (reply) => cb(null, reply),
        (err: unknown) => {
          if (!(err instanceof SmtpReply)) log.error('message not accepted', { session: session.id, err });
          cb(replyForFailure(err));
        },
      );
    },
  });
  attachWireHooks(server, (session) => (rt.limiter.command(session.remoteAddress) ? undefined : replies.tooManyCommands()), { insecureAuth: opts.insecureAuth });
  server.on('error', (err) => log.warn('submission connection error', { err }));
  return server;
}

async function submit(rt: SmtpRuntime, stream: SMTPServerDataStream, session: SMTPServerSession, user: UserConfig, txn: Transaction): Promise<string> {
  const snap = rt.config();
  const max = snap.server.limits.maxMessageBytes;
  let spool: SpooledMessage;
  try {
    spool = await spoolMessage(stream, rt.spoolDir, max);
  } catch (err) {
    if (err instanceof SpoolTooBig) throw replies.messageTooBig(max);
    throw err;
  }
  try {
    if (stream.sizeExceeded) throw replies.messageTooBig(max);
    const from = fromAddresses(spool.headers);
    if (!from.length) throw new SmtpReply(550, '5.6.0', 'The message has no From address');
    const notOwned = from.find((a) => !canSendAs(snap, user, a));
    if (notOwned) throw replies.notOwned(`<${notOwned}> in From`);
    // Sender names who actually sent it when From lists someone else (RFC 5322 §3.6.2): it may not be forged either.
    const senderNotOwned = addressesIn(spool.headers, 'sender').find((a) => !canSendAs(snap, user, a));
    if (senderNotOwned) throw replies.notOwned(`<${senderNotOwned}> in Sender`);
    const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const fromDomain = from[0]!.slice(from[0]!.lastIndexOf('@') + 1);
    const domain = snap.domains.get(fromDomain) ?? snap.domains.get(sender.slice(sender.lastIndexOf('@') + 1).toLowerCase());
    const outboundHost = domain?.outbound.hostname ?? snap.server.hostname;

    // Recipients get it without Bcc, Resent-Bcc, Return-Path and Content-Length; the sender's Sent copy keeps
    // the Bcc fields (dropped-fields.ts). DKIM signs what recipients get.
    const outgoing = await stripFields(spool, (name) => isDroppedField(name));
    const blind = spool.headers.some((h) => isBlindField(h.name));
    const sentCopy = blind ? await stripFields(spool, (name) => isDroppedField(name) && !isBlindField(name)) : undefined;

    let added = '';
    if (!messageId(spool.headers)) added += headerLine('Message-ID', `<${Date.now().toString(36)}.${randomBytes(9).toString('base64url')}@${outboundHost}>`);
    if (!firstHeader(spool.headers, 'date')) added += headerLine('Date', rfc5322Date(new Date()));
    const keys = domain ? await loadSigningKeys(snap.paths, domain) : [];
    const signatures = domain ? await dkimSignMessage({ domain: domain.name, keys, prefix: added, body: outgoing.body }) : '';
    const trace = receivedHeader(session, snap.server.hostname, [...txn.local.map((r) => r.address), ...txn.remote]) + signatures + added;
    const headers = added ? [...parseAdded(added), ...outgoing.headers] : outgoing.headers;

    // Outbound rules may refuse, drop or redirect recipients now that the headers are known.
    const ruled = applyOutboundRules(snap, sender, headers, [...txn.local.map((r) => r.address), ...txn.remote]);
    if (!ruled.send.length && ruled.refused.length) throw ruled.refused[0]!.reply;
    const local: LocalRecipient[] = [];
    const remote: string[] = [];
    const unknown: string[] = [];
    for (const address of ruled.send) {
      const r = resolveRecipient(snap, address);
      if (r.kind === 'local') local.push({ address, mailboxes: r.mailboxes, forward: r.forward });
      else if (r.kind === 'not-local') remote.push(address);
      else unknown.push(address);
    }

    const outcomes = await deliverLocal(
      rt.delivery,
      snap,
      {
        sender,
        body: outgoing.body,
        size: outgoing.size,
        headers,
        trace,
        extraTargets: [{ mailbox: primaryMailbox(user), folder: 'Sent', flags: ['\\Seen'] }],
        extraBody: sentCopy ? { body: sentCopy.body, size: sentCopy.size } : undefined,
        remote: remote.length ? { from: sender, recipients: remote, senderDomain: domain?.name ?? fromDomain } : undefined,
      },
      local,
    );
    const failures = [
      ...ruled.refused.map((f) => ({ recipient: f.recipient, status: f.reply.enhanced, diagnostic: f.reply.toString() })),
      ...unknown.map((recipient) => ({ recipient, status: '5.1.1', diagnostic: replies.unknownUser().toString() })),
      ...outcomes
        .filter((o) => o.result === 'rejected')
        .map((o) => ({ recipient: o.recipient, status: statusFromReply(o.reply?.message ?? '', true), diagnostic: o.reply?.toString() ?? 'rejected' })),
    ];
    if (failures.length) {
      await sendBounce(rt.delivery, snap, {
        to: sender,
        failures,
        originalHeaders: Buffer.from(headers.map((h) => `${h.name}: ${h.value}\r\n`).join(''), 'utf8'),
      }).catch((err: unknown) => rt.log.error('could not send DSN for refused recipients', { err }));
    }
    rt.metrics?.inc('everlock_smtp_submitted_messages_total');
    rt.log.info('submitted', { login: user.login, messageId: messageId(headers), from: sender, local: local.length, remote: remote.length, dropped: ruled.dropped.length, refused: failures.length, signed: keys.map((k) => k.selector) });
    return `Ok: queued as ${session.id}`;
  } finally {
    await spool.discard();
  }
}

function parseAdded(added: string): Array<{ name: string; value: string }> {
  return added
    .split('\r\n')
    .filter(Boolean)
    .map((l) => ({ name: l.slice(0, l.indexOf(':')), value: l.slice(l.indexOf(':') + 1).trim() }));
}
