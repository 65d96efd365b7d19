// summarizeMessage: the one place a stored message is parsed for IMAP (ENVELOPE, BODYSTRUCTURE,
// BODY[section], SEARCH, SORT, THREAD). The result is cached by the store, so it holds everything those need
// without re-reading the message, except bodies. Input with bare LFs is converted first, so offsets always
// index the canonical CRLF form that Folder.read serves. Never throws on content: any bytes summarise.
import type { Readable } from 'node:stream';
import libmime from 'libmime';
import { toCrlf } from './canonical.js';
import { firstField, parseHeaderBlock } from './header-block.js';
import { buildEnvelope } from './envelope.js';
import { parsePart } from './structure.js';
import { wholeMessage } from './message-stream.js';
import type { MessageSummary } from './types.js';

/** RFC 2047 decoding that never throws (unknown charsets pass through raw). */
export function decodeHeaderText(value: string | null | undefined): string {
  if (!value) return '';
  if (!value.includes('=?')) return value;
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

/** The Date header as ms since epoch, or null when absent or unparseable. */
export function parseSentDate(value: string | null | undefined): number | null {
  if (!value) return null;
  const cleaned = value
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  let ms = Date.parse(cleaned);
  if (Number.isNaN(ms)) {
    // "23 Nov 2026 09:29:05 +0000" with a stray weekday or two-digit year: retry the core fields only
    const m = /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Z]{1,5})?/.exec(cleaned);
    if (!m) return null;
    let year = Number(m[3]);
    if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
    ms = Date.parse(`${m[1]} ${m[2]} ${year} ${m[4]}:${m[5]}:${m[6] ?? '00'} ${m[7] ?? '+0000'}`);
  }
  return Number.isNaN(ms) ? null : ms;
}

/** Summarises a message already in memory (bare LFs are converted to CRLF first). */
export function summarizeBuffer(source: Buffer): MessageSummary {
  const buf = toCrlf(source);
  const header = parseHeaderBlock(buf, 0, buf.length);
  const envelope = buildEnvelope(header.fields);
  const body = parsePart({ buf }, 0, buf.length, null, 0);
  const references = firstField(header.fields, 'references')?.value ?? null;
  return {
    envelope,
    body,
    decodedSubject: decodeHeaderText(envelope.subject),
    decodedFrom: decodeHeaderText(firstField(header.fields, 'from')?.value),
    messageId: envelope.messageId,
    sentDate: parseSentDate(envelope.date),
    references,
  };
}

async function collect(source: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Buffer));
  return Buffer.concat(chunks);
}

export async function summarizeMessage(source: Buffer | Readable): Promise<MessageSummary> {
  if (Buffer.isBuffer(source)) return summarizeBuffer(source);
  return summarizeBuffer(wholeMessage(source) ?? (await collect(source)));
}
