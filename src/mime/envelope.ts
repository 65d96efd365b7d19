// ENVELOPE fields from a message header: raw unfolded values (encoded-words left for the client to decode),
// the first occurrence of each field, NIL for absent ones. Sender/Reply-To defaulting to From is a wire
// rule (RFC 3501 §7.4.2) applied when rendering, so the summary keeps what the header says.
import { firstField, type HeaderField } from './header-block.js';
import { parseAddressList } from './address.js';
import type { Envelope } from './types.js';

function raw(fields: readonly HeaderField[], name: string): string | null {
  return firstField(fields, name)?.value ?? null;
}

function addresses(fields: readonly HeaderField[], name: string): Envelope['from'] {
  return parseAddressList(raw(fields, name));
}

export function buildEnvelope(fields: readonly HeaderField[]): Envelope {
  return {
    date: raw(fields, 'date'),
    subject: raw(fields, 'subject'),
    from: addresses(fields, 'from'),
    sender: addresses(fields, 'sender'),
    replyTo: addresses(fields, 'reply-to'),
    to: addresses(fields, 'to'),
    cc: addresses(fields, 'cc'),
    bcc: addresses(fields, 'bcc'),
    inReplyTo: raw(fields, 'in-reply-to'),
    messageId: raw(fields, 'message-id'),
  };
}
