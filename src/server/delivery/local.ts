// The one local delivery path: SMTP inbound, submission's local recipients, forwarded copies, DSNs and
// `everlock deliver` all come through here. Per recipient the rules decide (store / forward / reject / drop);
// then every Maildir copy goes through one MailStore.deliver call (all-or-nothing) and every forwarded copy
// through a prepared queue entry that is committed only after the Maildir copies are durable. Either all of it
// happened when this returns, or (it throws) nothing is left behind.
import type { ConfigSnapshot, MailboxAddress } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { DeliveryTarget, MailStore } from '../../maildir/types.js';
import type { Metrics } from '../metrics.js';
import { quotaOfMailbox } from '../../config/directory.js';
import { evaluateEnvelope, evaluateRules } from '../../rules/evaluate.js';
import { canonicalFolder } from '../../rules/folder.js';
import type { Direction, RuleInput } from '../../rules/types.js';
import { SmtpReply } from '../smtp/errors.js';
import { decodeHeader, firstHeader, headerLine, headerValues, messageId, type HeaderField } from '../smtp/headers.js';
import type { QueueFiles, PreparedEntry } from '../queue/files.js';
import type { Srs } from '../srs.js';
import { messageSource, type MessageBody } from './source.js';

export interface DeliveryDeps {
  readonly store: MailStore;
  readonly queue: QueueFiles;
  readonly srs: Srs;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  /** Tells the queue worker that new entries exist. */
  readonly wakeQueue?: (() => void) | undefined;
}

/** An envelope recipient that resolved to local mailboxes and/or forwards (config/directory resolveRecipient). */
export interface LocalRecipient {
  readonly address: string;
  readonly mailboxes: readonly MailboxAddress[];
  readonly forward: readonly string[];
}

export interface LocalMessage {
  /** Envelope MAIL FROM ('' for bounces). */
  readonly sender: string;
  /** The received bytes, without the header lines we add. */
  readonly body: MessageBody;
  /** Bytes in `body`. */
  readonly size: number;
  readonly headers: readonly HeaderField[];
  /** Header lines added in front of every copy (Received, Authentication-Results, DKIM-Signature…), CRLF-ended. */
  readonly trace: string;
  /** `everlock deliver --folder`: store here instead of the rule's folder. */
  readonly folder?: string | undefined;
  /** Extra Maildir copies in the same transaction (submission's Sent copy). */
  readonly extraTargets?: readonly DeliveryTarget[] | undefined;
  /**
   * Other bytes for the extra targets (the Sent copy keeps the Bcc fields recipients must not see). They are
   * then stored first, in a store call of their own: a failure after it leaves that copy and a 4xx, so a
   * retry can store it twice, but no recipient ever gets a message the client was told failed.
   */
  readonly extraBody?: { readonly body: MessageBody; readonly size: number } | undefined;
  /** Extra queue entries in the same transaction (submission's remote recipients). */
  readonly remote?: { readonly from: string; readonly recipients: readonly string[]; readonly senderDomain: string } | undefined;
}

export type RecipientResult = 'stored' | 'forwarded' | 'dropped' | 'rejected';

export interface RecipientOutcome {
  readonly recipient: string;
  readonly ruleId: string | null;
  readonly action: string;
  readonly result: RecipientResult;
  /** For `rejected`: the reply a sender gets. */
  readonly reply?: SmtpReply | undefined;
}

interface Plan {
  readonly outcomes: RecipientOutcome[];
  readonly targets: Array<DeliveryTarget & { readonly recipient: string }>;
  readonly forwards: Array<{ readonly recipient: string; readonly to: readonly string[] }>;
}

/** At RCPT: a reject the rules decide from the envelope alone, else undefined (decide after DATA). */
export function envelopeReject(snap: ConfigSnapshot, sender: string, recipient: string): SmtpReply | undefined {
  const d = evaluateEnvelope(snap.rules, { direction: 'inbound', sender, receiver: recipient.toLowerCase() });
  if (!d.decided || d.decision.action.type !== 'reject') return undefined;
  const a = d.decision.action;
  return new SmtpReply(a.code, a.enhanced, a.message);
}

/** What rules see of a message for one recipient, after DATA. */
export function ruleInput(msg: Pick<LocalMessage, 'sender' | 'headers'>, recipient: string, direction: Direction = 'inbound'): RuleInput {
  // Decoded only when a rule asks (most messages meet no rule that reads them), then kept.
  const decoded = new Map<'subject' | 'from' | 'message-id', string | undefined>();
  const once = (key: 'subject' | 'from' | 'message-id', get: () => string | undefined): string | undefined => {
    if (!decoded.has(key)) decoded.set(key, get());
    return decoded.get(key);
  };
  const decodedField = (name: 'subject' | 'from'): string | undefined => {
    const raw = firstHeader(msg.headers, name);
    return raw === undefined ? undefined : decodeHeader(raw);
  };
  return {
    direction,
    sender: msg.sender.toLowerCase(),
    receiver: recipient.toLowerCase(),
    get subject() {
      return once('subject', () => decodedField('subject'));
    },
    get messageId() {
      return once('message-id', () => messageId(msg.headers));
    },
    get headerFrom() {
      return once('from', () => decodedField('from'));
    },
    header: (name) => headerValues(msg.headers, name).map(decodeHeader),
  };
}

function plan(snap: ConfigSnapshot, msg: LocalMessage, recipients: readonly LocalRecipient[]): Plan {
  const p: Plan = { outcomes: [], targets: [], forwards: [] };
  for (const r of recipients) {
    const { rule, action } = evaluateRules(snap.rules, ruleInput(msg, r.address));
    const ruleId = rule?.id ?? null;
    const store = (folder: string): void => {
      for (const mb of r.mailboxes) p.targets.push({ recipient: r.address, mailbox: mb, folder: msg.folder ?? canonicalFolder(folder) });
    };
    switch (action.type) {
      case 'reject':
        p.outcomes.push({ recipient: r.address, ruleId, action: action.type, result: 'rejected', reply: new SmtpReply(action.code, action.enhanced, action.message) });
        continue;
      case 'drop':
        p.outcomes.push({ recipient: r.address, ruleId, action: action.type, result: 'dropped' });
        continue;
      case 'forward':
        if (action.keepCopy) store('INBOX');
        p.forwards.push({ recipient: r.address, to: [...action.to, ...r.forward] });
        p.outcomes.push({ recipient: r.address, ruleId, action: action.type, result: 'forwarded' });
        continue;
      case 'store':
      case 'allow':
        store(action.type === 'store' ? action.folder : 'INBOX');
        if (r.forward.length) p.forwards.push({ recipient: r.address, to: r.forward });
        p.outcomes.push({ recipient: r.address, ruleId, action: action.type, result: r.mailboxes.length ? 'stored' : 'forwarded' });
    }
  }
  return p;
}

/**
 * Delivers one message to its local recipients (and the message's extra targets / remote entries).
 * Returns each recipient's outcome; rejected recipients got nothing. Throws (StoreError or other) when any copy
 * could not be made durable, after undoing the others.
 */
export async function deliverLocal(deps: DeliveryDeps, snap: ConfigSnapshot, msg: LocalMessage, recipients: readonly LocalRecipient[]): Promise<RecipientOutcome[]> {
  const started = Date.now();
  const p = plan(snap, msg, recipients);
  const mid = messageId(msg.headers);
  const prepared: PreparedEntry[] = [];
  const returnPath = headerLine('Return-Path', `<${msg.sender}>`);
  try {
    const now = Date.now();
    for (const f of p.forwards) {
      if (!f.to.length) continue;
      const forwardDomain = f.recipient.slice(f.recipient.lastIndexOf('@') + 1).toLowerCase();
      const prefix = headerLine('Delivered-To', f.recipient) + msg.trace;
      prepared.push(
        await deps.queue.prepare(
          {
            from: deps.srs.forward(msg.sender, forwardDomain),
            dsnTo: msg.sender,
            senderDomain: forwardDomain,
            recipients: f.to.map((address) => ({ address, state: 'pending', attempts: 0 })),
            messageId: mid,
            created: now,
            nextAttempt: now,
            attempts: 0,
          },
          await messageSource(prefix, msg.body, msg.size),
        ),
      );
    }
    if (msg.remote && msg.remote.recipients.length) {
      prepared.push(
        await deps.queue.prepare(
          {
            from: msg.remote.from,
            dsnTo: msg.remote.from,
            senderDomain: msg.remote.senderDomain,
            recipients: msg.remote.recipients.map((address) => ({ address, state: 'pending', attempts: 0 })),
            messageId: mid,
            created: now,
            nextAttempt: now,
            attempts: 0,
          },
          await messageSource(msg.trace, msg.body, msg.size),
        ),
      );
    }
    const extra = msg.extraTargets ?? [];
    if (msg.extraBody && extra.length) {
      for (const t of extra) await deps.store.mailbox(t.mailbox, { quotaBytes: quotaOfMailbox(snap, t.mailbox) });
      await deps.store.deliver(extra, await messageSource(returnPath + msg.trace, msg.extraBody.body, msg.extraBody.size));
    }
    const targets: DeliveryTarget[] = [...p.targets.map(({ mailbox, folder }) => ({ mailbox, folder })), ...(msg.extraBody ? [] : extra)];
    if (targets.length) {
      // Delivered-To names the envelope recipient; with several recipients sharing one stored source it would
      // disclose Bcc recipients to each other, so it is added only when the copies are for one recipient.
      const distinct = new Set(p.targets.map((t) => t.recipient.toLowerCase()));
      const deliveredTo = distinct.size === 1 && !msg.extraTargets?.length ? headerLine('Delivered-To', [...distinct][0]!) : '';
      // Each owner's quota from the live config, whether or not they have logged in over IMAP since start.
      for (const t of targets) await deps.store.mailbox(t.mailbox, { quotaBytes: quotaOfMailbox(snap, t.mailbox) });
      await deps.store.deliver(targets, await messageSource(returnPath + deliveredTo + msg.trace, msg.body, msg.size));
    }
    for (const e of prepared) await e.commit();
  } catch (err) {
    await Promise.allSettled(prepared.map((e) => e.abort()));
    for (const o of p.outcomes) {
      deps.log.warn('delivery failed', { messageId: mid, from: msg.sender, to: o.recipient, rule: o.ruleId, action: o.action, result: 'tempfail', ms: Date.now() - started, err });
    }
    throw err;
  }
  if (prepared.length) deps.wakeQueue?.();
  const ms = Date.now() - started;
  for (const o of p.outcomes) {
    deps.metrics?.inc('everlock_smtp_local_deliveries_total', { result: o.result });
    deps.log.info('delivered', { messageId: mid, from: msg.sender, to: o.recipient, rule: o.ruleId, action: o.action, result: o.result, ms });
  }
  return p.outcomes;
}
