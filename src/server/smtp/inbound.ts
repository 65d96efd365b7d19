// Inbound SMTP (port 25, the MX): mail for local domains only. RCPT answers from the config directory and
// envelope-only rules; DATA is received (in memory, or spooled to disk when large), verified (SPF/DKIM/DMARC/
// ARC), stripped of Authentication-Results fields in our name (RFC 8601 §5), given trace headers and handed to
// the local delivery path, and answered 250 only when every copy is durable.
import type { SPFResult } from 'mailauth';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { ConfigSnapshot } from '../../config/types.js';
import { quotaOfMailbox, resolveRecipient } from '../../config/directory.js';
import type { MailboxAddress } from '../../config/types.js';
import { StoreError } from '../../errors.js';
import { validateMailboxParts } from '../../maildir/folder-names.js';
import { sendBounce } from '../delivery/bounce.js';
import { deliverLocal, envelopeReject, type LocalRecipient } from '../delivery/local.js';
import { statusFromReply } from '../dsn.js';
import { connectionLimitHooks } from './connection-limit.js';
import { replies, replyForFailure, SmtpReply } from './errors.js';
import { isDroppedField } from './dropped-fields.js';
import { isOwnAuthResults, stripOwnAuthResults } from './forged-auth-results.js';
import { headerValues, messageId } from './headers.js';
import type { SmtpRuntime } from './runtime.js';
import { spoolMessage, SpoolTooBig, type SpooledMessage } from './spool.js';
import { receivedHeader } from './trace.js';
import { startSpf, verifyMessage } from './verify.js';
import { attachWireHooks } from './wire-hooks.js';

/** Per-transaction state, reset at MAIL FROM. */
interface Transaction {
  recipients: LocalRecipient[];
  /** SPF of the envelope, started at the first accepted RCPT so its DNS lookups overlap DATA. */
  spf?: Promise<SPFResult | undefined>;
}

const MAX_RECEIVED = 50;

export function createInboundServer(rt: SmtpRuntime): SMTPServer {
  const txns = new WeakMap<SMTPServerSession, Transaction>();
  const log = rt.log.child({ module: 'smtp' });
  const settings = () => rt.config().server;

  const server: SMTPServer = new SMTPServer({
    ...(rt.tls ? rt.tls.serverOptions() : {}),
    name: settings().hostname,
    banner: 'everlock',
    size: settings().limits.maxMessageBytes,
    hideSTARTTLS: !rt.tls,
    hideDSN: true,
    hideENHANCEDSTATUSCODES: false,
    hideREQUIRETLS: true,
    disabledCommands: ['AUTH'],
    authOptional: true,
    disableReverseLookup: true,
    socketTimeout: rt.socketTimeoutMs,
    logger: false,

    ...connectionLimitHooks(rt),
    onMailFrom(_address: SMTPServerAddress, session, cb) {
      if (!rt.limiter.message(session.remoteAddress)) return cb(replies.tooManyMessages());
      txns.set(session, { recipients: [] });
      cb();
    },
    onRcptTo(address, session, cb) {
      try {
        const txn = txns.get(session) ?? { recipients: [] };
        txns.set(session, txn);
        const snap = rt.config();
        const max = snap.server.limits.maxRecipients;
        if (txn.recipients.length >= max) return cb(replies.tooManyRecipients(max));
        const rcpt = acceptRecipient(rt, snap, address.address);
        const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const reject = envelopeReject(snap, sender, rcpt.address);
        if (reject) {
          log.info('recipient refused by rule', { from: sender, to: rcpt.address, reply: reject.toString() });
          return cb(reject);
        }
        // A full mailbox is refused here, for this recipient only: at DATA it would fail the whole message
        // (all or nothing) and hold up every other recipient with it.
        fullMailbox(rt, snap, rcpt.mailboxes).then(
          (full) => {
            if (full) {
              log.info('recipient refused: mailbox full', { from: sender, to: rcpt.address });
              return cb(replies.mailboxFull());
            }
            txn.recipients.push(rcpt);
            txn.spf ??= startSpf({ ip: session.remoteAddress, helo: session.hostNameAppearsAs || '', sender, hostname: snap.server.hostname }, rt.resolver, log, rt.authMemo);
            cb();
          },
          () => cb(replies.temporaryFailure()),
        );
      } catch (err) {
        cb(err instanceof SmtpReply ? err : replies.temporaryFailure());
      }
    },
    onData(stream, session, cb) {
      const txn = txns.get(session);
      receive(rt, stream, session, txn?.recipients ?? [], txn?.spf).then(
        (reply) => cb(null, reply),
        (err: unknown) => {
          const reply = replyForFailure(err);
          if (!(err instanceof SmtpReply)) log.error('message not accepted', { session: session.id, err });
          cb(reply);
        },
      );
    },
  });
  attachWireHooks(server, (session) => (rt.limiter.command(session.remoteAddress) ? undefined : replies.tooManyCommands()));
  server.on('error', (err) => log.warn('smtp connection error', { err }));
  return server;
}

/** RCPT TO: a local recipient, or the reply refusing it. */
function acceptRecipient(rt: SmtpRuntime, snap: ConfigSnapshot, raw: string): LocalRecipient {
  const address = raw.trim();
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) throw replies.badRecipient();
  const r = resolveRecipient(snap, address);
  if (r.kind === 'local') return { address: address.toLowerCase(), mailboxes: r.mailboxes, forward: r.forward };
  if (r.kind === 'unknown-user') {
    // A bounce coming back to an address we SRS-rewrote: pass it on to the original sender.
    const original = rt.delivery.srs.reverse(address);
    if (original) return { address: address.toLowerCase(), mailboxes: [], forward: [original] };
    throw replies.unknownUser();
  }
  if (snap.server.acceptAnyRecipient && snap.domains.size === 0) {
    // Bootstrap mode: every address gets the Maildir named after it.
    const local = address.slice(0, at).toLowerCase();
    const domain = address.slice(at + 1).toLowerCase();
    try {
      validateMailboxParts(domain, local);
    } catch {
      throw replies.badRecipient();
    }
    return { address: address.toLowerCase(), mailboxes: [{ domain, local }], forward: [] };
  }
  throw replies.relayDenied();
}

async function receive(
  rt: SmtpRuntime,
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  recipients: readonly LocalRecipient[],
  spf: Promise<SPFResult | undefined> | undefined,
): Promise<string> {
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
    if (headerValues(spool.headers, 'received').length > MAX_RECEIVED) throw replies.loop();
    const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const hostname = snap.server.hostname;
    const auth = await verifyMessage({ body: spool.body, headers: spool.headers, headersComplete: spool.headerLength !== undefined, spf, ip: session.remoteAddress, helo: session.hostNameAppearsAs || '', sender, hostname }, rt.resolver, rt.log, rt.authMemo);
    const dmarcDomains = recipients.some((r) => r.address.includes('@') && snap.domains.get(r.address.slice(r.address.lastIndexOf('@') + 1))?.inbound.rejectDmarcFailures);
    if (auth.dmarcReject && dmarcDomains) throw replies.dmarcReject();

    // Only now, after DKIM has seen the message as received: no Authentication-Results in our name but ours,
    // and none of the fields no delivered message keeps (dropped-fields.ts).
    const forged = spool.headers.filter((h) => isOwnAuthResults(h.name, h.value, hostname)).length;
    const msg = await stripOwnAuthResults(spool, hostname, isDroppedField);
    if (forged && msg.removed) rt.log.info('removed Authentication-Results fields carrying our hostname', { session: session.id, messageId: messageId(spool.headers), count: forged });
    const trace = receivedHeader(session, hostname, recipients.map((r) => r.address)) + auth.header;
    const outcomes = await deliverLocal(rt.delivery, snap, { sender, body: msg.body, size: msg.size, headers: msg.headers, trace }, recipients);
    const refused = outcomes.filter((o) => o.result === 'rejected');
    if (refused.length && refused.length === outcomes.length) throw refused[0]!.reply ?? replies.relayDenied();
    if (refused.length && sender !== '') {
      // Some recipients accepted it: the message is ours now, so the others hear about it by DSN.
      await sendBounce(rt.delivery, snap, {
        to: sender,
        failures: refused.map((o) => ({ recipient: o.recipient, status: statusFromReply(o.reply?.message ?? '', true), diagnostic: o.reply?.toString() ?? 'rejected' })),
        originalHeaders: Buffer.from(msg.headers.map((h) => `${h.name}: ${h.value}\r\n`).join(''), 'utf8'),
      }).catch((err: unknown) => rt.log.error('could not send DSN for refused recipients', { err }));
    }
    rt.metrics?.inc('everlock_smtp_inbound_messages_total', { result: 'accepted' });
    return `Ok: queued as ${session.id}`;
  } finally {
    await spool.discard();
  }
}

/** True when one of `mailboxes` is at or over its owner's quota (a mailbox not created yet is empty). */
async function fullMailbox(rt: SmtpRuntime, snap: ConfigSnapshot, mailboxes: readonly MailboxAddress[]): Promise<boolean> {
  for (const mb of mailboxes) {
    const quotaBytes = quotaOfMailbox(snap, mb);
    if (quotaBytes <= 0) continue;
    const box = await rt.delivery.store.mailbox(mb, { create: false, quotaBytes }).catch((err: unknown) => {
      if (err instanceof StoreError && err.kind === 'not-found') return undefined;
      throw err;
    });
    if (box && (await box.quota()).usedBytes >= quotaBytes) return true;
  }
  return false;
}
