// The parsed shape of a stored message that IMAP needs for ENVELOPE, BODYSTRUCTURE, BODY[section] and SEARCH.
// Computed once per message by mime/summarize.ts and cached by the store (maildir/summary-cache.ts).
// All offsets are byte offsets in the message's canonical CRLF form (what Folder.read returns).

export interface Address {
  /** Display name, raw (may hold RFC 2047 encoded-words), or null. */
  readonly name: string | null;
  /** Source route (obsolete), almost always null. */
  readonly adl: string | null;
  /** Local part; for group syntax see RFC 3501 §7.4.2. */
  readonly mailbox: string | null;
  readonly host: string | null;
}

/** RFC 3501 ENVELOPE fields, raw header values (unfolded, not decoded) as IMAP requires. */
export interface Envelope {
  readonly date: string | null;
  readonly subject: string | null;
  readonly from: readonly Address[] | null;
  readonly sender: readonly Address[] | null;
  readonly replyTo: readonly Address[] | null;
  readonly to: readonly Address[] | null;
  readonly cc: readonly Address[] | null;
  readonly bcc: readonly Address[] | null;
  readonly inReplyTo: string | null;
  readonly messageId: string | null;
}

export interface ContentParams {
  /** Lower-cased parameter names with values, RFC 2231 continuations joined. */
  readonly [name: string]: string;
}

export interface BodyPart {
  /** Offsets in the CRLF form: header starts, header ends (after the blank line) = body starts, body ends. */
  readonly headerStart: number;
  readonly bodyStart: number;
  readonly bodyEnd: number;
  /** Lower-case type/subtype; defaults text/plain (or message/rfc822 inside multipart/digest). */
  readonly type: string;
  readonly subtype: string;
  readonly params: ContentParams;
  readonly id: string | null;
  readonly description: string | null;
  /** Content-Transfer-Encoding as written (default "7BIT"). */
  readonly encoding: string;
  /** Body size in bytes (bodyEnd - bodyStart). */
  readonly size: number;
  /** Lines in the body, for text/* and message/rfc822. */
  readonly lines: number;
  readonly md5: string | null;
  readonly disposition: { readonly type: string; readonly params: ContentParams } | null;
  readonly language: readonly string[] | null;
  readonly location: string | null;
  /** multipart/*: the parts. */
  readonly children?: readonly BodyPart[] | undefined;
  /** message/rfc822: the encapsulated message. */
  readonly message?: { readonly envelope: Envelope; readonly body: BodyPart } | undefined;
}

export interface MessageSummary {
  readonly envelope: Envelope;
  readonly body: BodyPart;
  /** Decoded subject and From for SEARCH and rules (RFC 2047 decoded, UTF-8). */
  readonly decodedSubject: string;
  readonly decodedFrom: string;
  /** Message-ID without angle brackets trimmed, as written; null if absent. */
  readonly messageId: string | null;
  /** The Date header parsed, or null (SEARCH SENTBEFORE etc. fall back to internal date). */
  readonly sentDate: number | null;
  /** The References header, unfolded and raw (THREAD=REFERENCES); absent in summaries cached before it existed. */
  readonly references?: string | null | undefined;
}
