// Renders the FETCH data items (RFC 9051 §7.5.2, RFC 3516 BINARY, RFC 7162 MODSEQ) of one message as the
// `name value` pairs inside `* n FETCH (...)`. Whole messages and byte ranges stream from Folder.read as
// literals; the summary is loaded only when an item needs structure. Which items set \Seen is decided by
// fetchSetsSeen, before rendering, so the caller can store the flag and render FLAGS with it.
import type { Readable } from 'node:stream';
import type { Folder, MessageInfo } from '../../../maildir/types.js';
import type { MessageSummary } from '../../../mime/types.js';
import { decodeTransfer, isKnownEncoding } from '../../../mime/transfer-decode.js';
import { parseHeaderBlock } from '../../../mime/header-block.js';
import type { FetchItem, Partial, Section } from '../protocol/ast.js';
import { Atom, Literal, Raw, Str, str, type Value } from '../protocol/values.js';
import { bodyStructureValue } from './bodystructure.js';
import { envelopeValue } from './envelope.js';
import { applyPartial, filterHeader, findPart, resolveSection, type SectionData } from './sections.js';
import { formatInternalDate } from './internal-date.js';

/** BINARY on a part whose Content-Transfer-Encoding we cannot undo: answer `NO [UNKNOWN-CTE]` (RFC 3516). */
export class UnknownCteError extends Error {
  override readonly name = 'UnknownCteError';
  constructor(readonly encoding: string) {
    super(`unknown content transfer encoding ${encoding}`);
  }
}

export interface FetchContext {
  readonly folder: Folder;
  /** The message with its current flags (after \Seen was stored, if the fetch sets it). */
  readonly message: MessageInfo;
  /** \Recent in this session. */
  readonly recent: boolean;
}

/** Does this FETCH set \Seen (BODY[...] without PEEK, BINARY[...] without PEEK, RFC822, RFC822.TEXT)? */
export function fetchSetsSeen(items: readonly FetchItem[]): boolean {
  return items.some(
    (i) =>
      ((i.kind === 'section' || i.kind === 'binary') && !i.peek) ||
      (i.kind === 'attribute' && (i.name === 'RFC822' || i.name === 'RFC822.TEXT')),
  );
}

/** How much of a message is read to find its header without the summary. */
const HEADER_PROBE = 16 * 1024;

const ATOM_SAFE = /^[!#$&'*+\-.0-9:<=>?@A-Z^_`a-z|~/]+$/;

/** A header field name as the response echoes it: an atom when it is one, else a quoted string. */
function fieldName(name: string): string {
  if (ATOM_SAFE.test(name)) return name;
  return '"' + name.replace(/[\r\n]/g, '').replace(/["\\]/g, '\\$&') + '"';
}

/** The section spec inside BODY[...] of a response, from parsed data only. */
export function sectionLabel(s: Section): string {
  const parts = s.part.join('.');
  const text = s.text ? (parts ? '.' : '') + s.text : '';
  const fields = s.fields ? ` (${s.fields.map(fieldName).join(' ')})` : '';
  return parts + text + fields;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : (c as Buffer));
  return Buffer.concat(chunks);
}

function bytesValue(data: Buffer, binary = false): Value {
  if (data.length === 0) return new Str('');
  return new Literal(data, data.length, binary && data.includes(0));
}

class Renderer {
  private summaryP: Promise<MessageSummary> | undefined;

  constructor(private readonly ctx: FetchContext) {}

  summary(): Promise<MessageSummary> {
    this.summaryP ??= this.ctx.folder.summary(this.ctx.message.uid);
    return this.summaryP;
  }

  /**
   * The message's header block (through the blank line), read from the start of the message; the summary
   * is consulted only when the header is longer than the first read or the summary is already loaded.
   */
  async topHeader(): Promise<Buffer> {
    const uid = this.ctx.message.uid;
    if (!this.summaryP) {
      const len = Math.min(this.ctx.message.size, HEADER_PROBE);
      const head = len > 0 ? await readAll(await this.ctx.folder.read(uid, { start: 0, end: len })) : Buffer.alloc(0);
      const block = parseHeaderBlock(head, 0, head.length);
      // trustworthy only if the header ended on a complete line inside what was read, or the message is whole
      if (head.length >= this.ctx.message.size || block.bodyStart <= head.lastIndexOf(0x0a)) return head.subarray(0, block.bodyStart);
    }
    const end = (await this.summary()).body.bodyStart;
    return end > 0 ? readAll(await this.ctx.folder.read(uid, { start: 0, end })) : Buffer.alloc(0);
  }

  /** Bytes [start, end) of the message, partial applied, streamed as a literal. */
  async range(start: number, end: number, partial: Partial | undefined): Promise<Value> {
    const { from, to } = applyPartial(Math.max(0, end - start), partial);
    if (to <= from) return new Str('');
    const stream = await this.ctx.folder.read(this.ctx.message.uid, { start: start + from, end: start + to });
    return new Literal(stream, to - from);
  }

  async section(data: SectionData, partial: Partial | undefined): Promise<Value> {
    if (data.kind === 'range') return this.range(data.start, data.end, partial);
    const header =
      data.end > data.start ? await readAll(await this.ctx.folder.read(this.ctx.message.uid, { start: data.start, end: data.end })) : Buffer.alloc(0);
    const filtered = filterHeader(header, data.names, data.not);
    const { from, to } = applyPartial(filtered.length, partial);
    return bytesValue(filtered.subarray(from, to));
  }

  /** The decoded content of a part for BINARY / BINARY.SIZE; the whole message for an empty path. */
  async binary(part: readonly number[]): Promise<Buffer> {
    const s = await this.summary();
    const uid = this.ctx.message.uid;
    if (part.length === 0) return readAll(await this.ctx.folder.read(uid));
    const p = findPart(s.body, part);
    if (p === undefined || p.bodyEnd <= p.bodyStart) return Buffer.alloc(0);
    const raw = await readAll(await this.ctx.folder.read(uid, { start: p.bodyStart, end: p.bodyEnd }));
    if (p.children !== undefined || p.message) return raw;
    if (!isKnownEncoding(p.encoding)) throw new UnknownCteError(p.encoding);
    return decodeTransfer(raw, p.encoding);
  }

  flags(): Value {
    const flags: Value[] = this.ctx.message.flags.map((f) => new Atom(f));
    if (this.ctx.recent) flags.push(new Atom('\\Recent'));
    return flags;
  }

  async item(item: FetchItem): Promise<Value[]> {
    const m = this.ctx.message;
    switch (item.kind) {
      case 'section': {
        const label = `BODY[${sectionLabel(item.section)}]${item.partial ? `<${item.partial.start}>` : ''}`;
        const sec = item.section;
        // BODY[] needs no structure, and the top-level header is found by reading the message's start: both
        // skip the summary (Thunderbird's first sync asks BODY.PEEK[HEADER.FIELDS (...)] of every message)
        if (sec.part.length === 0 && sec.text === undefined) return [new Raw(label), await this.range(0, m.size, item.partial)];
        if (sec.part.length === 0 && (sec.text === 'HEADER' || sec.text === 'HEADER.FIELDS' || sec.text === 'HEADER.FIELDS.NOT')) {
          const header = await this.topHeader();
          const data = sec.text === 'HEADER' ? header : filterHeader(header, sec.fields ?? [], sec.text === 'HEADER.FIELDS.NOT');
          const { from, to } = applyPartial(data.length, item.partial);
          return [new Raw(label), bytesValue(data.subarray(from, to))];
        }
        const s = await this.summary();
        return [new Raw(label), await this.section(resolveSection(s.body, item.section), item.partial)];
      }
      case 'binary': {
        const data = await this.binary(item.part);
        const { from, to } = applyPartial(data.length, item.partial);
        const label = `BINARY[${item.part.join('.')}]${item.partial ? `<${item.partial.start}>` : ''}`;
        return [new Raw(label), bytesValue(data.subarray(from, to), true)];
      }
      case 'binary-size':
        return [new Raw(`BINARY.SIZE[${item.part.join('.')}]`), (await this.binary(item.part)).length];
      case 'attribute':
        break;
    }
    switch (item.name) {
      case 'UID':
        return [new Atom('UID'), m.uid];
      case 'FLAGS':
        return [new Atom('FLAGS'), this.flags()];
      case 'INTERNALDATE':
        return [new Atom('INTERNALDATE'), str(formatInternalDate(m.internalDate))];
      case 'RFC822.SIZE':
        return [new Atom('RFC822.SIZE'), m.size];
      case 'MODSEQ':
        return [new Atom('MODSEQ'), [m.modseq]];
      case 'ENVELOPE':
        return [new Atom('ENVELOPE'), envelopeValue((await this.summary()).envelope)];
      case 'BODYSTRUCTURE':
        return [new Atom('BODYSTRUCTURE'), bodyStructureValue((await this.summary()).body, true)];
      case 'BODY':
        return [new Atom('BODY'), bodyStructureValue((await this.summary()).body, false)];
      case 'RFC822':
        return [new Atom('RFC822'), await this.range(0, m.size, undefined)];
      case 'RFC822.HEADER':
        return [new Atom('RFC822.HEADER'), bytesValue(await this.topHeader())];
      case 'RFC822.TEXT': {
        const s = await this.summary();
        return [new Atom('RFC822.TEXT'), await this.range(s.body.bodyStart, m.size, undefined)];
      }
    }
  }
}

const STATE_ATTRIBUTES = new Set(['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'MODSEQ']);

/** Items answerable from MessageInfo alone (no summary, no file): rendered without any await. */
function stateOnly(items: readonly FetchItem[]): boolean {
  return items.every((i) => i.kind === 'attribute' && STATE_ATTRIBUTES.has(i.name));
}

function renderState(ctx: FetchContext, items: readonly FetchItem[], addFlags: boolean): Value[] {
  const m = ctx.message;
  const out: Value[] = [];
  const flags = (): Value => {
    const f: Value[] = m.flags.map((x) => new Atom(x));
    if (ctx.recent) f.push(new Atom('\\Recent'));
    return f;
  };
  let sawFlags = false;
  for (const item of items) {
    if (item.kind !== 'attribute') continue;
    switch (item.name) {
      case 'UID':
        out.push(new Atom('UID'), m.uid);
        break;
      case 'FLAGS':
        sawFlags = true;
        out.push(new Atom('FLAGS'), flags());
        break;
      case 'INTERNALDATE':
        out.push(new Atom('INTERNALDATE'), str(formatInternalDate(m.internalDate)));
        break;
      case 'RFC822.SIZE':
        out.push(new Atom('RFC822.SIZE'), m.size);
        break;
      case 'MODSEQ':
        out.push(new Atom('MODSEQ'), [m.modseq]);
        break;
      default:
        break;
    }
  }
  if (addFlags && !sawFlags) out.push(new Atom('FLAGS'), flags());
  return out;
}

/**
 * The `name value …` list for one message's FETCH response, items in the order asked. Pass `addFlags` when
 * \Seen was just set implicitly and FLAGS was not asked for: the new flags are then reported too.
 * Rejects with UnknownCteError (BINARY) and whatever Folder.read / Folder.summary throw (StoreError
 * 'expunged'). Items that need only MessageInfo (UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ) are rendered
 * synchronously: the result is then a plain array, so `await` costs no extra work per message.
 */
export function renderFetch(ctx: FetchContext, items: readonly FetchItem[], opts: { addFlags?: boolean } = {}): Value[] | Promise<Value[]> {
  if (stateOnly(items)) return renderState(ctx, items, opts.addFlags ?? false);
  return renderAsync(ctx, items, opts);
}

async function renderAsync(ctx: FetchContext, items: readonly FetchItem[], opts: { addFlags?: boolean }): Promise<Value[]> {
  const r = new Renderer(ctx);
  const out: Value[] = [];
  for (const item of items) out.push(...(await r.item(item)));
  if (opts.addFlags && !items.some((i) => i.kind === 'attribute' && i.name === 'FLAGS')) out.push(new Atom('FLAGS'), r.flags());
  return out;
}
