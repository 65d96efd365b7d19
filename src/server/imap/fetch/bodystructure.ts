// RFC 9051 §7.5.2 BODYSTRUCTURE (with extension data) and BODY (without), from the cached summary.
// RFC 3501 writes the parts of a multipart back to back, `(body)(body) "mixed"`, with no space; the value
// encoder separates list members by spaces, so when every string in the structure can go out quoted we
// format it here exactly (the usual case); otherwise it falls back to a spaced list, which clients parse too.
import type { BodyPart, ContentParams } from '../../../mime/types.js';
import { Atom, Literal, MailboxName, Raw, Str, str, nstr, type Value } from '../protocol/values.js';
import { envelopeValue } from './envelope.js';

/** What a multipart without any parts is shown as (a multipart must have one; Dovecot does the same). */
const EMPTY_PART: BodyPart = {
  headerStart: 0,
  bodyStart: 0,
  bodyEnd: 0,
  type: 'text',
  subtype: 'plain',
  params: { charset: 'us-ascii' },
  id: null,
  description: null,
  encoding: '7bit',
  size: 0,
  lines: 0,
  md5: null,
  disposition: null,
  language: null,
  location: null,
};

/** Parameter values needing RFC 2231 treatment are stored as `name*`; everything else passes as is. */
function paramsValue(params: ContentParams): Value {
  const entries = Object.entries(params);
  if (entries.length === 0) return null;
  return entries.flatMap(([k, v]) => [str(k), str(v)]);
}

function extension(part: BodyPart, first: Value): Value[] {
  const disp = part.disposition ? [str(part.disposition.type), paramsValue(part.disposition.params)] : null;
  const lang = part.language === null ? null : part.language.length === 1 ? str(part.language[0]!) : part.language.map(str);
  return [first, disp, lang, nstr(part.location)];
}

/** A multipart's members: children back to back, then the subtype and extension data. */
class Multipart {
  constructor(
    readonly children: readonly Tree[],
    readonly rest: readonly Value[],
  ) {}
}

type Tree = Value | Multipart | readonly Tree[];

function partTree(part: BodyPart, extensible: boolean): Tree {
  if (part.children !== undefined) {
    const children = part.children.length > 0 ? part.children : [EMPTY_PART];
    const rest: Value[] = [str(part.subtype)];
    if (extensible) rest.push(...extension(part, paramsValue(part.params)));
    return new Multipart(
      children.map((c) => partTree(c, extensible)),
      rest,
    );
  }
  const fields: Tree[] = [
    str(part.type),
    str(part.subtype),
    paramsValue(part.params),
    nstr(part.id),
    nstr(part.description),
    str(part.encoding),
    part.size,
  ];
  if (part.message) fields.push(envelopeValue(part.message.envelope), partTree(part.message.body, extensible), part.lines);
  else if (part.type === 'text') fields.push(part.lines);
  if (extensible) fields.push(...extension(part, nstr(part.md5)));
  return fields;
}

function quoted(s: string | Buffer): string | null {
  const text = typeof s === 'string' ? s : s.toString('latin1');
  if (text.length > 1024) return null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return null;
  }
  return '"' + text.replace(/["\\]/g, '\\$&') + '"';
}

/** Exact RFC text for the tree, or null if some string must be a literal (the encoder decides those). */
function format(t: Tree): string | null {
  if (t === null) return 'NIL';
  if (typeof t === 'number' || typeof t === 'bigint') return String(t);
  if (t instanceof Atom || t instanceof Raw) return t.value;
  if (t instanceof Str) return quoted(t.value);
  if (t instanceof Literal || t instanceof MailboxName) return null;
  if (t instanceof Multipart) {
    let out = '(';
    for (const c of t.children) {
      const s = format(c);
      if (s === null) return null;
      out += s;
    }
    for (const r of t.rest) {
      const s = format(r);
      if (s === null) return null;
      out += ' ' + s;
    }
    return out + ')';
  }
  const items: string[] = [];
  for (const item of t) {
    const s = format(item);
    if (s === null) return null;
    items.push(s);
  }
  return '(' + items.join(' ') + ')';
}

function toValue(t: Tree): Value {
  if (t instanceof Multipart) return [...t.children.map(toValue), ...t.rest];
  if (Array.isArray(t)) return (t as readonly Tree[]).map(toValue);
  return t as Value;
}

/** BODYSTRUCTURE (extensible = true) or BODY (false) for a message's root part. */
export function bodyStructureValue(root: BodyPart, extensible: boolean): Value {
  const tree = partTree(root, extensible);
  const exact = format(tree);
  return exact === null ? toValue(tree) : new Raw(exact);
}
