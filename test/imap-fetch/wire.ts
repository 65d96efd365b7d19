// Test-only rendering of response Values to wire form (strings always quoted, Literal values as `{n}` with
// their bytes), and reading them back with imapflow's own response parser: an independent client's view.
import type { Readable } from 'node:stream';
import parser from 'imapflow/lib/handler/imap-parser.js';
import { Atom, Literal, MailboxName, Raw, Str, type Value } from '../../src/server/imap/protocol/values.js';

async function bytes(source: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(source)) return source;
  const chunks: Buffer[] = [];
  for await (const c of source) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Wire text with `{n}\r\n` markers; the bodies of Literal values are collected into `literals` instead of
 * inlined (literals inside exact Raw text, such as a non-ASCII ENVELOPE subject, stay inline).
 */
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
    return `{${v.size}}\r\n\0LITERAL\0`;
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

/** Parses `* 1 FETCH (values…)` with imapflow; returns its attribute list (the inside of the parens). */
export async function parseFetch(values: readonly Value[]): Promise<unknown[]> {
  const collected: Buffer[] = [];
  const text = await render([...values], collected);
  // reassemble the exact wire bytes, then frame them as imapflow's stream does: line text keeps the
  // `{n}\r\n` markers, literal bodies go separately
  const pieces = `* 1 FETCH ${text}`.split('\0LITERAL\0');
  const wire = Buffer.concat(pieces.flatMap((p, i) => (i < collected.length ? [Buffer.from(p, 'utf8'), collected[i]!] : [Buffer.from(p, 'utf8')])));
  const literals: Buffer[] = [];
  const lineParts: Buffer[] = [];
  const latin = wire.toString('latin1');
  const re = /\{(\d+)\}\r\n/g;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(latin)) !== null) {
    const start = m.index + m[0].length;
    lineParts.push(wire.subarray(pos, start));
    literals.push(wire.subarray(start, start + Number(m[1])));
    pos = start + Number(m[1]);
    re.lastIndex = pos;
  }
  lineParts.push(wire.subarray(pos));
  const parsed = await parser(Buffer.concat(lineParts), { literals });
  return (parsed.attributes as unknown[])[1] as unknown[];
}
