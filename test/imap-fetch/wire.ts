// Test-only rendering of response Values to wire text (strings always quoted, literals inline with their
// bytes), and reading them back with imapflow's own response parser: an independent client's view.
import type { Readable } from 'node:stream';
import parser from 'imapflow/lib/handler/imap-parser.js';
import { Atom, Literal, MailboxName, Raw, Str, type Value } from '../../src/server/imap/protocol/values.js';

async function bytes(source: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(source)) return source;
  const chunks: Buffer[] = [];
  for await (const c of source) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Wire text plus the literal bodies in order (imapflow's parser takes literals separately). */
export async function render(v: Value, literals: Buffer[] = []): Promise<string> {
  if (v === null) return 'NIL';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof Atom || v instanceof Raw) return v.value;
  if (v instanceof Str) {
    const s = typeof v.value === 'string' ? v.value : v.value.toString('utf8');
    return '"' + s.replace(/["\\]/g, '\\$&') + '"';
  }
  if (v instanceof MailboxName) return `"${v.value}"`;
  if (v instanceof Literal) {
    const b = await bytes(v.source);
    if (b.length !== v.size) throw new Error(`literal declares ${v.size} bytes, has ${b.length}`);
    literals.push(b);
    return `{${v.size}}\r\n`;
  }
  const items: string[] = [];
  for (const item of v) items.push(await render(item, literals));
  return '(' + items.join(' ') + ')';
}

/** Literal bodies of a FETCH response, in order. */
export async function literalBytes(values: readonly Value[]): Promise<Buffer[]> {
  const literals: Buffer[] = [];
  await render([...values], literals);
  return literals;
}

export interface ParsedAttribute {
  type: string;
  value?: unknown;
  section?: unknown;
}

/** Parses `* 1 FETCH (values…)` with imapflow; returns its attribute list (the inside of the parens). */
export async function parseFetch(values: readonly Value[]): Promise<unknown[]> {
  const literals: Buffer[] = [];
  const text = await render([...values], literals);
  // as imapflow's stream framing hands it over: the line keeps `{n}\r\n`, literal bodies come separately
  const parsed = await parser(Buffer.from(`* 1 FETCH ${text}`, 'utf8'), { literals });
  return (parsed.attributes as unknown[])[1] as unknown[];
}
