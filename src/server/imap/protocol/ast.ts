// The parsed forms of IMAP command arguments that more than one module needs: sequence sets, FETCH items,
// SEARCH keys, STORE actions, SORT criteria. The parser (protocol/parser.ts) produces them; commands and the
// fetch/ and search/ modules consume them. Plain data only: no I/O, no session state.

/** A message number or UID; `'*'` is the largest number in use (RFC 9051 §9 seq-number). */
export type SeqNumber = number | '*';

/** `n`, `n:m` or `*` ranges; `n:m` is unordered (RFC 9051 §9 seq-range: 4:2 equals 2:4). */
export interface SeqRange {
  readonly start: SeqNumber;
  readonly end: SeqNumber;
}

/** A sequence set, or `$`: the saved SEARCH result (RFC 5182 SEARCHRES). */
export type SequenceSet = { readonly kind: 'set'; readonly ranges: readonly SeqRange[] } | { readonly kind: 'saved' };

/** `<start.length>` partial fetch (RFC 9051 §6.4.5). */
export interface Partial {
  readonly start: number;
  readonly length: number;
}

/**
 * A BODY[...] section: `part` is the dotted part path (empty for the whole message), `text` what follows it.
 * `fields` holds HEADER.FIELDS(.NOT) names as the client spelled them (the response echoes them).
 */
export interface Section {
  readonly part: readonly number[];
  readonly text?: 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME' | undefined;
  readonly fields?: readonly string[] | undefined;
}

/** Simple FETCH attributes with no arguments (RFC 9051 §6.4.5, RFC 7162 MODSEQ, RFC 8474 EMAILID/THREADID). */
export type SimpleFetchAttribute =
  | 'UID'
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822.SIZE'
  | 'ENVELOPE'
  | 'BODYSTRUCTURE'
  /** Non-extensible BODYSTRUCTURE. */
  | 'BODY'
  /** Same as BODY[] (sets \Seen). */
  | 'RFC822'
  /** Same as BODY.PEEK[HEADER]. */
  | 'RFC822.HEADER'
  /** Same as BODY[TEXT] (sets \Seen). */
  | 'RFC822.TEXT'
  | 'MODSEQ';

export type FetchItem =
  | { readonly kind: 'attribute'; readonly name: SimpleFetchAttribute }
  /** BODY[section]<partial> and BODY.PEEK[...]. */
  | { readonly kind: 'section'; readonly peek: boolean; readonly section: Section; readonly partial?: Partial | undefined }
  /** BINARY[part]<partial> and BINARY.PEEK (RFC 3516): decoded content transfer encoding. */
  | { readonly kind: 'binary'; readonly peek: boolean; readonly part: readonly number[]; readonly partial?: Partial | undefined }
  /** BINARY.SIZE[part] (RFC 3516). */
  | { readonly kind: 'binary-size'; readonly part: readonly number[] };

/** FETCH modifiers (RFC 7162): CHANGEDSINCE and VANISHED. */
export interface FetchModifiers {
  readonly changedSince?: number | undefined;
  readonly vanished?: boolean | undefined;
}

/** A calendar date as SEARCH compares it: time and zone disregarded (RFC 9051 §6.4.4). */
export interface SearchDate {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  readonly day: number;
}

export type FlagSearchKey =
  | 'ALL'
  | 'ANSWERED'
  | 'DELETED'
  | 'DRAFT'
  | 'FLAGGED'
  | 'NEW'
  | 'OLD'
  | 'RECENT'
  | 'SEEN'
  | 'UNANSWERED'
  | 'UNDELETED'
  | 'UNDRAFT'
  | 'UNFLAGGED'
  | 'UNSEEN';

/** Header-address and text keys; HEADER has its own variant. Matching is on decoded content, case-insensitive. */
export type TextSearchKey = 'BCC' | 'BODY' | 'CC' | 'FROM' | 'SUBJECT' | 'TEXT' | 'TO';

export type DateSearchKey = 'BEFORE' | 'ON' | 'SINCE' | 'SENTBEFORE' | 'SENTON' | 'SENTSINCE';

/** Every RFC 3501/9051 search key, plus MODSEQ (RFC 7162), OLDER/YOUNGER (RFC 5032) and `$` (RFC 5182). */
export type SearchKey =
  | { readonly kind: 'flag'; readonly key: FlagSearchKey }
  | { readonly kind: 'keyword'; readonly flag: string; readonly negate: boolean }
  | { readonly kind: 'text'; readonly key: TextSearchKey; readonly value: string }
  | { readonly kind: 'header'; readonly field: string; readonly value: string }
  | { readonly kind: 'date'; readonly key: DateSearchKey; readonly date: SearchDate }
  | { readonly kind: 'size'; readonly larger: boolean; readonly size: number }
  /** A sequence set given bare (message sequence numbers). */
  | { readonly kind: 'seq'; readonly set: SequenceSet }
  | { readonly kind: 'uid'; readonly set: SequenceSet }
  | { readonly kind: 'not'; readonly key: SearchKey }
  | { readonly kind: 'or'; readonly left: SearchKey; readonly right: SearchKey }
  /** A parenthesized list, and the implicit AND of the top level. */
  | { readonly kind: 'and'; readonly keys: readonly SearchKey[] }
  /** MODSEQ [entry-name entry-type] mod-sequence-valzer: matches modseq >= value. */
  | { readonly kind: 'modseq'; readonly modseq: number }
  /** OLDER / YOUNGER n: INTERNALDATE relative to now, in seconds (RFC 5032 WITHIN). */
  | { readonly kind: 'within'; readonly older: boolean; readonly seconds: number };

/** ESEARCH return options (RFC 4731) and SAVE (RFC 5182). An empty list means a plain ESEARCH ALL. */
export type SearchReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE';

export interface SearchProgram {
  /** Charset given with CHARSET; only US-ASCII and UTF-8 are accepted. */
  readonly charset?: string | undefined;
  /** RETURN (...) was given: answer with ESEARCH instead of SEARCH. */
  readonly returnOptions?: readonly SearchReturnOption[] | undefined;
  readonly key: SearchKey;
}

export type SortKey = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';

/** RFC 5256 SORT criterion; RFC 5957 adds DISPLAYFROM / DISPLAYTO. */
export interface SortCriterion {
  readonly key: SortKey;
  readonly reverse: boolean;
}

export type ThreadAlgorithm = 'ORDEREDSUBJECT' | 'REFERENCES';

/** STORE data item: FLAGS / +FLAGS / -FLAGS, .SILENT, and CONDSTORE UNCHANGEDSINCE (RFC 7162). */
export interface StoreAction {
  readonly op: 'add' | 'remove' | 'replace';
  readonly silent: boolean;
  readonly flags: readonly string[];
  readonly unchangedSince?: number | undefined;
}

/** The section spelled the way responses name it, e.g. `1.HEADER.FIELDS (FROM TO)` (inside BODY[...]). */
export function formatSection(s: Section): string {
  const parts = s.part.join('.');
  const text = s.text ? (parts ? '.' : '') + s.text : '';
  const fields = s.fields ? ` (${s.fields.join(' ')})` : '';
  return parts + text + fields;
}
