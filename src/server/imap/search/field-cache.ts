// The header-derived SEARCH and SORT fields of each message (decoded, NFC-normalised, lower-cased SUBJECT,
// FROM, TO, CC, BCC text, the Date header, and the SORT keys), kept in memory per open Folder so that
// repeated SUBJECT/FROM searches and SORTs over a large mailbox never go back to the store's summary cache. The Folder object is shared by every
// session of the process, so one cache serves them all; it is dropped with the Folder (WeakMap) and
// cleared when UIDVALIDITY changes (UIDs could then be reused). Entries of expunged messages are pruned once
// they outnumber the live ones.
import type { Folder } from '../../../maildir/types.js';
import type { MessageSummary } from '../../../mime/types.js';
import { addressText } from './message-text.js';
import { sortKeysOf, type SortKeys } from './sort-keys.js';

export interface SearchFields {
  readonly subject: string;
  /** Decoded From header plus `name <mailbox@host>` forms. */
  readonly from: string;
  readonly to: string;
  readonly cc: string;
  readonly bcc: string;
  /** Day number (days since the epoch) written in the Date header, or null when there is none. */
  readonly sentDay: number | null;
  /** The Date header parsed (ms), or null: SORT DATE and THREAD fall back to INTERNALDATE. */
  readonly sentDate: number | null;
  /** SORT keys (RFC 5256 / RFC 5957), computed the first time the message is sorted. */
  readonly sort?: SortKeys | undefined;
}

interface FolderCache {
  uidValidity: number;
  readonly map: Map<number, SearchFields>;
}

const caches = new WeakMap<Folder, FolderCache>();

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The calendar day written in the Date header (its own zone, as RFC 9051 SENTON wants), else of the parsed date. */
function sentDay(s: MessageSummary): number | null {
  const m = /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{2,4})/.exec(s.envelope.date ?? '');
  const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) : -1;
  if (m && month >= 0) {
    let year = Number(m[3]);
    if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
    return Date.UTC(year, month, Number(m[1])) / 86_400_000;
  }
  return s.sentDate === null ? null : Math.floor(s.sentDate / 86_400_000);
}

/** Same folding as the search needle: NFC, then lower case. */
const fold = (s: string): string => (/[^\x00-\x7f]/.test(s) ? s.normalize('NFC') : s).toLowerCase();

export function fieldsOf(s: MessageSummary): SearchFields {
  return {
    subject: fold(s.decodedSubject),
    from: fold(`${s.decodedFrom}\n${addressText(s.envelope.from)}`),
    to: fold(addressText(s.envelope.to)),
    cc: fold(addressText(s.envelope.cc)),
    bcc: fold(addressText(s.envelope.bcc)),
    sentDay: sentDay(s),
    sentDate: s.sentDate,
  };
}

function cacheFor(folder: Folder): FolderCache {
  const uidValidity = folder.state().uidValidity;
  let c = caches.get(folder);
  if (!c || c.uidValidity !== uidValidity) {
    c = { uidValidity, map: new Map() };
    caches.set(folder, c);
  }
  return c;
}

/** Cached fields of a message, or undefined (then load the summary and call remember). */
export function cachedFields(folder: Folder, uid: number): SearchFields | undefined {
  return cacheFor(folder).map.get(uid);
}

export function remember(folder: Folder, uid: number, summary: MessageSummary): SearchFields {
  const c = cacheFor(folder);
  const f = fieldsOf(summary);
  c.map.set(uid, f);
  return f;
}

/** Cached fields with SORT keys, computing what is missing from the summary. */
export function rememberWithSort(folder: Folder, uid: number, summary: MessageSummary): SearchFields & { readonly sort: SortKeys } {
  const c = cacheFor(folder);
  const f = { ...(c.map.get(uid) ?? fieldsOf(summary)), sort: sortKeysOf(summary) };
  c.map.set(uid, f);
  return f;
}

/** Drops entries for messages no longer in the folder once they make up most of the cache. */
export function pruneFields(folder: Folder): void {
  const c = caches.get(folder);
  const messages = folder.state().messages;
  if (!c || c.map.size <= messages.length * 2 + 1000) return;
  const live = new Set(messages.map((m) => m.uid));
  for (const uid of c.map.keys()) if (!live.has(uid)) c.map.delete(uid);
}

/** Empties a folder's cache (benchmarks measure the store path with it). */
export function forgetFields(folder: Folder): void {
  caches.delete(folder);
}
