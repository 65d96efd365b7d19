// The text SEARCH matches for one message, each computed on demand: decoded header fields (RFC 2047), and the
// decoded body text (transfer encoding and charset undone) of every text part, including those of attached
// messages, whose header fields are body text too (an attached message's Subject matches BODY and TEXT).
// Only BODY and TEXT read bodies; HEADER reads just the header bytes.
import type { Readable } from 'node:stream';
import type { Folder } from '../../../maildir/types.js';
import type { Address, BodyPart, MessageSummary } from '../../../mime/types.js';
import { parseHeaderBlock, type HeaderField } from '../../../mime/header-block.js';
import { decodeHeaderText } from '../../../mime/summarize.js';
import { decodeCharset, decodeTransfer } from '../../../mime/transfer-decode.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : (c as Buffer));
  return Buffer.concat(chunks);
}

export async function readHeaderFields(folder: Folder, uid: number, summary: MessageSummary): Promise<readonly HeaderField[]> {
  const end = summary.body.bodyStart;
  if (end === 0) return [];
  const buf = await readAll(await folder.read(uid, { start: 0, end }));
  return parseHeaderBlock(buf, 0, buf.length).fields;
}

type Segment = { readonly kind: 'text'; readonly part: BodyPart } | { readonly kind: 'header'; readonly start: number; readonly end: number };

/** What BODY searches, in order: text parts, and the header of every attached message (it is body text of ours). */
function bodySegments(part: BodyPart, out: Segment[]): void {
  if (part.children) for (const c of part.children) bodySegments(c, out);
  else if (part.message) {
    const inner = part.message.body;
    if (inner.bodyStart > inner.headerStart) out.push({ kind: 'header', start: inner.headerStart, end: inner.bodyStart });
    bodySegments(inner, out);
  } else if (part.type === 'text') out.push({ kind: 'text', part });
}

/** Decoded text of every text part and attached message header, joined by newlines. */
export async function readBodyText(folder: Folder, uid: number, summary: MessageSummary): Promise<string> {
  const segments: Segment[] = [];
  bodySegments(summary.body, segments);
  const texts: string[] = [];
  for (const s of segments) {
    if (s.kind === 'header') {
      const raw = await readAll(await folder.read(uid, { start: s.start, end: s.end }));
      texts.push(headerText(parseHeaderBlock(raw, 0, raw.length).fields));
      continue;
    }
    const p = s.part;
    if (p.bodyEnd <= p.bodyStart) continue;
    const raw = await readAll(await folder.read(uid, { start: p.bodyStart, end: p.bodyEnd }));
    texts.push(decodeCharset(decodeTransfer(raw, p.encoding), p.params['charset']));
  }
  return texts.join('\n');
}

/** Header fields decoded, one `name: value` per line. */
export function headerText(fields: readonly HeaderField[]): string {
  return fields.map((f) => `${f.name}: ${decodeHeaderText(f.value)}`).join('\n');
}

/** An address list as searchable text: decoded names and `mailbox@host`. */
export function addressText(list: readonly Address[] | null): string {
  if (!list) return '';
  return list
    .map((a) => [a.name ? decodeHeaderText(a.name) : '', a.mailbox !== null && a.host !== null ? `<${a.mailbox}@${a.host}>` : (a.mailbox ?? '')].join(' '))
    .join(', ');
}
