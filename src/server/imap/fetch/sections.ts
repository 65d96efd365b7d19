// Resolves a BODY[section] (RFC 9051 §6.4.5) to bytes of the stored message using the cached structure:
// either a byte range of the CRLF form, or a header subset to synthesise (HEADER.FIELDS[.NOT]).
// Part numbering: a non-multipart message (or encapsulated message) has exactly part 1, its body; parts of a
// message/rfc822 part are numbered within the encapsulated message. Sections that do not exist resolve to
// an empty range, which the client receives as an empty string (as Dovecot does).
import type { BodyPart } from '../../../mime/types.js';
import { parseHeaderBlock } from '../../../mime/header-block.js';
import type { Partial, Section } from '../protocol/ast.js';

export type SectionData =
  /** Bytes [start, end) of the stored message. */
  | { readonly kind: 'range'; readonly start: number; readonly end: number }
  /** The header in [start, end), filtered to (or excluding) the named fields, plus the closing blank line. */
  | { readonly kind: 'fields'; readonly start: number; readonly end: number; readonly names: readonly string[]; readonly not: boolean };

const EMPTY: SectionData = { kind: 'range', start: 0, end: 0 };

/** The part a non-empty part path names, or undefined. `root` is the message's top-level body. */
export function findPart(root: BodyPart, path: readonly number[]): BodyPart | undefined {
  let container = root;
  for (let i = 0; i < path.length; i++) {
    const n = path[i]!;
    let part: BodyPart | undefined;
    if (container.children !== undefined) part = container.children[n - 1];
    else part = n === 1 ? container : undefined;
    if (part === undefined) return undefined;
    if (i === path.length - 1) return part;
    if (part.message) container = part.message.body;
    else if (part.children !== undefined) container = part;
    else return undefined;
  }
  return undefined;
}

function messageSection(headerStart: number, body: BodyPart, end: number, section: Section): SectionData {
  switch (section.text) {
    case 'HEADER':
      return { kind: 'range', start: headerStart, end: body.bodyStart };
    case 'TEXT':
      return { kind: 'range', start: body.bodyStart, end };
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT':
      return {
        kind: 'fields',
        start: headerStart,
        end: body.bodyStart,
        names: section.fields ?? [],
        not: section.text === 'HEADER.FIELDS.NOT',
      };
    default:
      return { kind: 'range', start: headerStart, end };
  }
}

export function resolveSection(root: BodyPart, section: Section): SectionData {
  if (section.part.length === 0) return messageSection(0, root, root.bodyEnd, section);
  const part = findPart(root, section.part);
  if (part === undefined) return EMPTY;
  switch (section.text) {
    case undefined:
      return { kind: 'range', start: part.bodyStart, end: part.bodyEnd };
    case 'MIME':
      return { kind: 'range', start: part.headerStart, end: part.bodyStart };
    default:
      // HEADER, TEXT and HEADER.FIELDS after a part number apply to an encapsulated message only
      if (!part.message) return EMPTY;
      return messageSection(part.bodyStart, part.message.body, part.bodyEnd, section);
  }
}

/** Selects header fields from a header block (the bytes of [start, end) of a 'fields' section). */
export function filterHeader(header: Buffer, names: readonly string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const block = parseHeaderBlock(header, 0, header.length);
  const kept: Buffer[] = [];
  for (const f of block.fields) {
    if (wanted.has(f.name) !== not) {
      const raw = header.subarray(f.start, f.end);
      kept.push(raw);
      // a last field without its line end (header cut off by the end of the message) still ends in CRLF
      if (raw[raw.length - 1] !== 0x0a) kept.push(Buffer.from('\r\n'));
    }
  }
  kept.push(Buffer.from('\r\n'));
  return Buffer.concat(kept);
}

/** Applies `<start.length>` to a length: the [from, to) slice to send. */
export function applyPartial(length: number, partial: Partial | undefined): { from: number; to: number } {
  if (!partial) return { from: 0, to: length };
  const from = Math.min(partial.start, length);
  return { from, to: Math.min(length, from + partial.length) };
}
