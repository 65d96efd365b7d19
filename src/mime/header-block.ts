// Splits a MIME header block into fields with exact byte offsets. The header ends at the first empty line;
// a line that is neither a field nor a continuation ends it too (that line then starts the body, as
// Python's email package and Dovecot treat a missing separator). Never throws.
import { isUtf8 } from 'node:buffer';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

export interface HeaderField {
  /** Lower-cased field name. */
  readonly name: string;
  /** The value unfolded (CRLF before whitespace removed), outer whitespace trimmed, not decoded. */
  readonly value: string;
  /** Offsets of the whole field (name through its final CRLF) in the buffer. */
  readonly start: number;
  readonly end: number;
}

export interface HeaderBlock {
  readonly fields: readonly HeaderField[];
  /** Where the body starts: after the empty line, or at the first non-header line, or `end`. */
  readonly bodyStart: number;
}

/** Bytes to text: UTF-8 when valid (RFC 6532 headers), otherwise Latin-1 so no byte is lost. */
export function bytesToText(buf: Buffer): string {
  for (let i = 0; i < buf.length; i++) {
    if (buf[i]! >= 0x80) return isUtf8(buf) ? buf.toString('utf8') : buf.toString('latin1');
  }
  return buf.toString('latin1');
}

/** Index just past the line starting at `pos` (past its LF), or `end`. */
function lineEnd(buf: Buffer, pos: number, end: number): number {
  const i = buf.indexOf(LF, pos);
  return i === -1 || i >= end ? end : i + 1;
}

/** Length of the field name if the line at `pos` is `name:`; -1 otherwise. */
function fieldNameLength(buf: Buffer, pos: number, stop: number): number {
  let i = pos;
  while (i < stop) {
    const c = buf[i]!;
    if (c === COLON) break;
    if (c < 33 || c > 126) {
      // obsolete syntax allows whitespace between the name and the colon
      if (c !== SP && c !== HT) return -1;
      let j = i;
      while (j < stop && (buf[j] === SP || buf[j] === HT)) j++;
      if (j < stop && buf[j] === COLON && i > pos) return i - pos;
      return -1;
    }
    i++;
  }
  if (i >= stop || i === pos) return -1;
  return i - pos;
}

function unfold(raw: Buffer): string {
  const text = bytesToText(raw);
  return text.replace(/\r?\n(?=[ \t])/g, '').replace(/\r?\n$/, '').trim();
}

export function parseHeaderBlock(buf: Buffer, start: number, end: number): HeaderBlock {
  const fields: HeaderField[] = [];
  let pos = start;
  let current: { name: string; start: number; valueStart: number } | null = null;
  let fieldEnd = start;

  const finish = (): void => {
    if (!current) return;
    fields.push({
      name: current.name,
      value: unfold(buf.subarray(current.valueStart, fieldEnd)),
      start: current.start,
      end: fieldEnd,
    });
    current = null;
  };

  while (pos < end) {
    const next = lineEnd(buf, pos, end);
    const c = buf[pos]!;
    if (c === LF || (c === CR && pos + 1 < end && buf[pos + 1] === LF)) {
      finish();
      return { fields, bodyStart: next };
    }
    if ((c === SP || c === HT) && current) {
      fieldEnd = next;
      pos = next;
      continue;
    }
    const nameLen = fieldNameLength(buf, pos, next);
    if (nameLen < 0) {
      finish();
      return { fields, bodyStart: pos };
    }
    finish();
    const colon = buf.indexOf(COLON, pos + nameLen);
    current = { name: buf.toString('latin1', pos, pos + nameLen).toLowerCase(), start: pos, valueStart: colon + 1 };
    fieldEnd = next;
    pos = next;
  }
  finish();
  return { fields, bodyStart: end };
}

/** First field of that (lower-case) name, or undefined. */
export function firstField(fields: readonly HeaderField[], name: string): HeaderField | undefined {
  for (const f of fields) if (f.name === name) return f;
  return undefined;
}
