// The byte-exact MIME structure of a message in CRLF form (RFC 2045/2046): every part's header and body
// offsets, multipart boundaries with preamble and epilogue excluded, message/rfc822 parsed in place.
// Offsets index the very buffer given, so BODY[n] ranges equal the stored bytes. Never throws: nesting is
// capped, and missing separators, boundaries or headers degrade to a plausible structure.
import { firstField, parseHeaderBlock, type HeaderField } from './header-block.js';
import { parseStructured } from './params.js';
import { buildEnvelope } from './envelope.js';
import type { BodyPart, ContentParams } from './types.js';

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
/** Beyond this depth of multipart/message nesting, parts are leaves (protects the stack from hostile mail). */
const MAX_DEPTH = 50;
const IDENTITY_ENCODINGS = new Set(['', '7bit', '8bit', 'binary']);

/** Lines of a text or message body: its LF count, as Dovecot counts them (a last line cut off by a boundary has none). */
function countLines(buf: Buffer, start: number, end: number): number {
  let n = 0;
  let i = buf.indexOf(LF, start);
  while (i !== -1 && i < end) {
    n++;
    i = buf.indexOf(LF, i + 1);
  }
  return n;
}

function text(fields: readonly HeaderField[], name: string): string | null {
  const f = firstField(fields, name);
  return f === undefined ? null : f.value;
}

interface Delimiter {
  /** Where the preceding part's content ends (the CRLF before the delimiter line belongs to the delimiter). */
  readonly contentEnd: number;
  /** Just past the delimiter line. */
  readonly next: number;
  readonly close: boolean;
}

/** Finds delimiter lines `--boundary[--][LWSP]CRLF` within [start, end). */
function findDelimiters(buf: Buffer, boundary: Buffer, start: number, end: number): Delimiter[] {
  const out: Delimiter[] = [];
  let ls = start;
  while (ls < end) {
    const le = buf.indexOf(LF, ls);
    const lineEnd = le === -1 || le >= end ? end : le + 1;
    if (
      buf[ls] === DASH &&
      buf[ls + 1] === DASH &&
      ls + 2 + boundary.length <= end &&
      buf.compare(boundary, 0, boundary.length, ls + 2, ls + 2 + boundary.length) === 0
    ) {
      let j = ls + 2 + boundary.length;
      let close = false;
      if (buf[j] === DASH && buf[j + 1] === DASH && j + 2 <= lineEnd) {
        close = true;
        j += 2;
      }
      while (j < lineEnd && (buf[j] === 0x20 || buf[j] === 0x09)) j++;
      if (j === lineEnd || buf[j] === LF || (buf[j] === CR && (j + 1 === lineEnd || buf[j + 1] === LF))) {
        let contentEnd = ls;
        if (ls > start && buf[ls - 1] === LF) contentEnd = ls >= start + 2 && buf[ls - 2] === CR ? ls - 2 : ls - 1;
        out.push({ contentEnd, next: lineEnd, close });
        if (close) break;
      }
    }
    ls = lineEnd;
  }
  return out;
}

interface ParseContext {
  readonly buf: Buffer;
}

/** Text parts without a charset are US-ASCII (RFC 2045 §5.2); Dovecot shows that, so clients need not guess. */
function leafDefaults(type: string, params: ContentParams): ContentParams {
  if (type === 'text' && params['charset'] === undefined) return { ...params, charset: 'us-ascii' };
  return params;
}

/** What a part's header says, resolved with the defaults: shared by the buffer and the streaming parser. */
export interface PartDescription {
  readonly base: Omit<BodyPart, 'type' | 'subtype' | 'params' | 'lines' | 'children' | 'message'>;
  readonly type: string;
  readonly subtype: string;
  readonly params: ContentParams;
  readonly encoding: string;
}

export function describePart(fields: readonly HeaderField[], start: number, bodyStart: number, end: number, parentSubtype: string | null): PartDescription {
  const defaultDigest = parentSubtype === 'digest';
  const ctRaw = text(fields, 'content-type');
  let type = defaultDigest ? 'message' : 'text';
  let subtype = defaultDigest ? 'rfc822' : 'plain';
  let params: ContentParams = {};
  if (ctRaw !== null) {
    const ct = parseStructured(ctRaw);
    const m = /^([^/\s]+)\/([^/\s]+)$/.exec(ct.value);
    if (m) {
      type = m[1]!.toLowerCase();
      subtype = m[2]!.toLowerCase();
      params = ct.params;
    } else {
      // RFC 2045 §5.2: an unparseable Content-Type means text/plain; charset=us-ascii
      type = 'text';
      subtype = 'plain';
    }
  }
  const encoding = text(fields, 'content-transfer-encoding')?.trim() || '7BIT';
  const dispRaw = text(fields, 'content-disposition');
  const disp = dispRaw === null ? null : parseStructured(dispRaw);
  const langRaw = text(fields, 'content-language');
  const language = langRaw === null ? null : langRaw.split(',').map((l) => l.trim()).filter((l) => l !== '');
  const base = {
    headerStart: start,
    bodyStart,
    bodyEnd: end,
    id: text(fields, 'content-id'),
    description: text(fields, 'content-description'),
    encoding,
    size: end - bodyStart,
    md5: text(fields, 'content-md5'),
    disposition: disp === null || disp.value === '' ? null : { type: disp.value, params: disp.params },
    language: language && language.length > 0 ? language : null,
    location: text(fields, 'content-location'),
  };
  return { base, type, subtype, params, encoding };
}

/** How a described part is parsed further. */
export function partKind(d: PartDescription, depth: number): 'multipart' | 'message' | 'leaf' {
  if (d.type === 'multipart' && depth < MAX_DEPTH && d.params['boundary']) return 'multipart';
  if (d.type === 'message' && (d.subtype === 'rfc822' || d.subtype === 'global') && depth < MAX_DEPTH && IDENTITY_ENCODINGS.has(d.encoding.toLowerCase())) {
    return 'message';
  }
  return 'leaf';
}

/** A leaf's final shape; a multipart that cannot be split (no boundary, or nested too deep) is shown as text. */
export function leafPart(d: PartDescription, lines: number): BodyPart {
  if (d.type === 'multipart') return { ...d.base, type: 'text', subtype: 'plain', params: leafDefaults('text', d.params), lines };
  return { ...d.base, type: d.type, subtype: d.subtype, params: leafDefaults(d.type, d.params), lines };
}

/** Whether a part of this type has its lines counted (RFC 3501 body-fld-lines). */
export function countsLines(d: PartDescription): boolean {
  return d.type === 'text' || d.type === 'message' || d.type === 'multipart';
}

export function parsePart(ctx: ParseContext, start: number, end: number, parentSubtype: string | null, depth: number): BodyPart {
  const { buf } = ctx;
  const block = parseHeaderBlock(buf, start, end);
  const bodyStart = Math.min(block.bodyStart, end);
  const d = describePart(block.fields, start, bodyStart, end, parentSubtype);
  const kind = partKind(d, depth);
  if (kind === 'multipart') {
    const delims = findDelimiters(buf, Buffer.from(d.params['boundary']!, 'utf8'), bodyStart, end);
    const children: BodyPart[] = [];
    for (let i = 0; i < delims.length; i++) {
      const dl = delims[i]!;
      if (dl.close) break;
      const nextDelim = delims[i + 1];
      const partStart = dl.next;
      const partEnd = nextDelim ? Math.max(partStart, nextDelim.contentEnd) : end;
      children.push(parsePart(ctx, partStart, partEnd, d.subtype, depth + 1));
    }
    return { ...d.base, type: d.type, subtype: d.subtype, params: d.params, lines: 0, children };
  }
  const lines = countsLines(d) ? countLines(buf, bodyStart, end) : 0;
  if (kind === 'message') {
    const inner = parseHeaderBlock(buf, bodyStart, end);
    const body = parsePart(ctx, bodyStart, end, null, depth + 1);
    return { ...d.base, type: d.type, subtype: d.subtype, params: d.params, lines, message: { envelope: buildEnvelope(inner.fields), body } };
  }
  return leafPart(d, lines);
}
