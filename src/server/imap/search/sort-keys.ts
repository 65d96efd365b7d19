// The string keys RFC 5256 SORT compares, derived once from a message summary: the first address's
// mailbox (FROM, TO, CC), the base subject, and RFC 5957 display names. Kept in the search field cache.
import type { Address, MessageSummary } from '../../../mime/types.js';
import { decodeHeaderText } from '../../../mime/summarize.js';
import { baseSubject, casemap } from './base-subject.js';

export interface SortKeys {
  /** i;ascii-casemap of the first address's mailbox; '' when there is none. */
  readonly from: string;
  readonly to: string;
  readonly cc: string;
  /** i;ascii-casemap of the RFC 5256 base subject. */
  readonly subject: string;
  /** RFC 5957 display name (or address), Unicode lower case. */
  readonly displayFrom: string;
  readonly displayTo: string;
}

function firstMailbox(list: readonly Address[] | null): string {
  const a = list?.find((x) => x.host !== null);
  return casemap(a?.mailbox ?? '');
}

/** RFC 5957: the display name if there is one, else the address. */
function displayName(list: readonly Address[] | null): string {
  const a = list?.find((x) => x.host !== null);
  if (!a) return '';
  const name = a.name ? decodeHeaderText(a.name).trim() : '';
  return (name !== '' ? name : `${a.mailbox ?? ''}@${a.host ?? ''}`).toLowerCase();
}

export function sortKeysOf(s: MessageSummary): SortKeys {
  return {
    from: firstMailbox(s.envelope.from),
    to: firstMailbox(s.envelope.to),
    cc: firstMailbox(s.envelope.cc),
    subject: casemap(baseSubject(s.decodedSubject, true).base),
    displayFrom: displayName(s.envelope.from),
    displayTo: displayName(s.envelope.to),
  };
}
