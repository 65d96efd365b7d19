// RFC 9051 §7.5.2 ENVELOPE: (date subject from sender reply-to to cc bcc in-reply-to message-id).
// Sender and Reply-To default to From when absent, as the RFC requires of the server. Address lists are
// `"(" 1*address ")"`: addresses back to back, so the whole envelope is formatted exactly (exact.ts).
import type { Address, Envelope } from '../../../mime/types.js';
import { Raw } from '../protocol/values.js';
import { Adjacent, formatTree, nstring, type Tree } from './exact.js';

function addressList(list: readonly Address[] | null): Tree {
  if (list === null || list.length === 0) return null;
  return [new Adjacent(list.map((a) => [nstring(a.name), nstring(a.adl), nstring(a.mailbox), nstring(a.host)]))];
}

export function envelopeTree(env: Envelope): Tree {
  const from = env.from && env.from.length > 0 ? env.from : null;
  return [
    nstring(env.date),
    nstring(env.subject),
    addressList(from),
    addressList(env.sender && env.sender.length > 0 ? env.sender : from),
    addressList(env.replyTo && env.replyTo.length > 0 ? env.replyTo : from),
    addressList(env.to),
    addressList(env.cc),
    addressList(env.bcc),
    nstring(env.inReplyTo),
    nstring(env.messageId),
  ];
}

/** The ENVELOPE value, as exact wire text. */
export function envelopeValue(env: Envelope): Raw {
  return new Raw(formatTree(envelopeTree(env)));
}
