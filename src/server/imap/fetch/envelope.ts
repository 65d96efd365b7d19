// RFC 9051 §7.5.2 ENVELOPE: (date subject from sender reply-to to cc bcc in-reply-to message-id).
// Sender and Reply-To default to From when absent, as the RFC requires of the server.
import type { Address, Envelope } from '../../../mime/types.js';
import { nstr, type Value } from '../protocol/values.js';

function addressValue(a: Address): Value {
  return [nstr(a.name), nstr(a.adl), nstr(a.mailbox), nstr(a.host)];
}

function addressList(list: readonly Address[] | null): Value {
  return list === null || list.length === 0 ? null : list.map(addressValue);
}

export function envelopeValue(env: Envelope): Value {
  const from = env.from && env.from.length > 0 ? env.from : null;
  return [
    nstr(env.date),
    nstr(env.subject),
    addressList(from),
    addressList(env.sender && env.sender.length > 0 ? env.sender : from),
    addressList(env.replyTo && env.replyTo.length > 0 ? env.replyTo : from),
    addressList(env.to),
    addressList(env.cc),
    addressList(env.bcc),
    nstr(env.inReplyTo),
    nstr(env.messageId),
  ];
}
