// rules.toml `direction = "outbound"` for submitted mail, per recipient: `reject` refuses that recipient (at
// RCPT when the envelope decides, else after DATA), `drop` silently skips it, `forward` sends the recipient's
// copy to other addresses instead (or as well, with keep_copy), `allow` and no match send normally.
import type { ConfigSnapshot } from '../../config/types.js';
import { evaluateEnvelope, evaluateRules } from '../../rules/evaluate.js';
import { SmtpReply } from '../smtp/errors.js';
import type { HeaderField } from '../smtp/headers.js';
import { ruleInput } from './local.js';

export interface OutboundDecision {
  /** Recipients to send to (the original ones that pass, plus forward targets), de-duplicated. */
  readonly send: string[];
  readonly refused: Array<{ readonly recipient: string; readonly reply: SmtpReply; readonly ruleId: string }>;
  readonly dropped: string[];
}

export function outboundEnvelopeReject(snap: ConfigSnapshot, sender: string, recipient: string): SmtpReply | undefined {
  const d = evaluateEnvelope(snap.rules, { direction: 'outbound', sender: sender.toLowerCase(), receiver: recipient.toLowerCase() });
  if (!d.decided || d.decision.action.type !== 'reject') return undefined;
  const a = d.decision.action;
  return new SmtpReply(a.code, a.enhanced, a.message);
}

export function applyOutboundRules(snap: ConfigSnapshot, sender: string, headers: readonly HeaderField[], recipients: readonly string[]): OutboundDecision {
  const send = new Set<string>();
  const out: OutboundDecision = { send: [], refused: [], dropped: [] };
  for (const r of recipients) {
    const { rule, action } = evaluateRules(snap.rules, ruleInput({ sender, headers }, r, 'outbound'));
    switch (action.type) {
      case 'reject':
        out.refused.push({ recipient: r, reply: new SmtpReply(action.code, action.enhanced, action.message), ruleId: rule?.id ?? '' });
        break;
      case 'drop':
        out.dropped.push(r);
        break;
      case 'forward':
        if (action.keepCopy) send.add(r);
        for (const t of action.to) send.add(t.toLowerCase());
        break;
      default:
        send.add(r);
    }
  }
  out.send.push(...send);
  return out;
}
