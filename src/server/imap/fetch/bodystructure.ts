// RFC 9051 §7.5.2 BODYSTRUCTURE (with extension data) and BODY (without), from the cached summary.
// A multipart's parts are written back to back, `((...)(...) "mixed" ...)`, so the structure is formatted
// exactly (exact.ts) rather than as a spaced value list. A multipart with no parts is shown with one empty
// text/plain part, since the grammar needs at least one (Dovecot does the same).
import type { BodyPart, ContentParams, Envelope } from '../../../mime/types.js';
import { Raw } from '../protocol/values.js';
import { envelopeTree } from './envelope.js';
import { Adjacent, formatTree, nstring, type Tree } from './exact.js';

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

const EMPTY_ENVELOPE: Envelope = {
  date: null,
  subject: null,
  from: null,
  sender: null,
  replyTo: null,
  to: null,
  cc: null,
  bcc: null,
  inReplyTo: null,
  messageId: null,
};

/** RFC 2231 values are kept as `name*` = `charset'lang'%XX…` by the parser; clients decode them. */
function paramsTree(params: ContentParams): Tree {
  const entries = Object.entries(params);
  if (entries.length === 0) return null;
  return entries.flatMap(([k, v]) => [k, v]);
}

function extension(part: BodyPart, first: Tree): Tree[] {
  const disp = part.disposition ? [part.disposition.type, paramsTree(part.disposition.params)] : null;
  const lang = part.language === null ? null : part.language.length === 1 ? part.language[0]! : [...part.language];
  return [first, disp, lang, nstring(part.location)];
}

function partTree(part: BodyPart, extensible: boolean): Tree {
  if (part.children !== undefined) {
    const children = part.children.length > 0 ? part.children : [EMPTY_PART];
    const rest: Tree[] = [part.subtype];
    if (extensible) rest.push(...extension(part, paramsTree(part.params)));
    return [new Adjacent(children.map((c) => partTree(c, extensible))), ...rest];
  }
  const fields: Tree[] = [part.type, part.subtype, paramsTree(part.params), nstring(part.id), nstring(part.description), part.encoding, part.size];
  if (part.message) fields.push(envelopeTree(part.message.envelope), partTree(part.message.body, extensible), part.lines);
  else if (part.type === 'message' && (part.subtype === 'rfc822' || part.subtype === 'global')) {
    // an encoded (e.g. base64) message/rfc822 is not parsed; the grammar still wants envelope, body and lines
    fields.push(envelopeTree(EMPTY_ENVELOPE), partTree(EMPTY_PART, extensible), part.lines);
  } else if (part.type === 'text') fields.push(part.lines);
  if (extensible) fields.push(...extension(part, nstring(part.md5)));
  return fields;
}

/** BODYSTRUCTURE (extensible = true) or BODY (false) for a message's root part, as exact wire text. */
export function bodyStructureValue(root: BodyPart, extensible: boolean): Raw {
  return new Raw(formatTree(partTree(root, extensible)));
}
