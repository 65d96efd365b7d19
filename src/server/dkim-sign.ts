// DKIM signing of submitted mail (RFC 6376, relaxed/relaxed; RFC 8463 for Ed25519), one signature per key of
// the sending domain (Ed25519 and RSA when both exist). We sign ourselves rather than through mailauth's
// dkimSign because it cannot oversign: listing `from` once more than it occurs makes a From field added later
// (by anyone) break the signature, which is the point of oversigning. Verification stays with mailauth; the
// tests check our signatures with mailauth and with python3-dkim.
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { SigningKey } from '../dkim/keys.js';
import { bodyChunks, type MessageBody } from './delivery/source.js';

/** Signed when present; `from` is also oversigned. Order follows common practice (Postfix/OpenDKIM). */
const SIGNED = ['from', 'sender', 'reply-to', 'subject', 'date', 'message-id', 'to', 'cc', 'mime-version', 'content-type', 'content-transfer-encoding', 'in-reply-to', 'references', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post'];
const OVERSIGNED = new Set(['from']);

export interface SignRequest {
  readonly domain: string;
  readonly keys: readonly SigningKey[];
  /** Header lines that will precede the file's content (CRLF-ended); they are signed too. */
  readonly prefix: string;
  /** The message (CRLF): in memory or in a file. */
  readonly body: MessageBody;
  readonly now?: Date | undefined;
}

/** DKIM-Signature header lines (CRLF-ended) to put in front of `prefix`; empty when there are no keys. */
export async function dkimSignMessage(req: SignRequest): Promise<string> {
  if (!req.keys.length) return '';
  const { headerBlock, bodyHash } = await readForSigning(req.body);
  const fields = splitFields(Buffer.concat([Buffer.from(req.prefix, 'utf8'), headerBlock]).toString('latin1'));
  const t = Math.floor((req.now ?? new Date()).getTime() / 1000);
  let out = '';
  for (const key of req.keys) out += signOne(key, req.domain, fields, bodyHash, t);
  return out;
}

function signOne(key: SigningKey, domain: string, fields: readonly RawField[], bodyHash: string, t: number): string {
  const picked: RawField[] = [];
  const names: string[] = [];
  for (const name of SIGNED) {
    const present = fields.filter((f) => f.lname === name);
    // Instances are taken from the bottom up (RFC 6376 §5.4.2).
    for (let i = present.length - 1; i >= 0; i--) {
      picked.push(present[i]!);
      names.push(name);
    }
    if (OVERSIGNED.has(name)) names.push(name);
  }
  const tags = `v=1; a=${key.algorithm}; c=relaxed/relaxed; d=${domain}; s=${key.selector};\r\n\tt=${t}; h=${foldList(names)};\r\n\tbh=${bodyHash};\r\n\tb=`;
  const unsigned = `DKIM-Signature: ${tags}`;
  const data = picked.map((f) => relaxedHeader(f.raw) + '\r\n').join('') + relaxedHeader(unsigned);
  const pk = privateKey(key.privateKey);
  const signature =
    key.algorithm === 'ed25519-sha256'
      ? sign(null, createHash('sha256').update(data, 'latin1').digest(), pk)
      : sign('sha256', Buffer.from(data, 'latin1'), pk);
  return unsigned + foldBase64(signature.toString('base64')) + '\r\n';
}

const keyCache = new Map<string, KeyObject>();
function privateKey(pem: string): KeyObject {
  let k = keyCache.get(pem);
  if (!k) {
    k = createPrivateKey(pem);
    if (keyCache.size > 64) keyCache.clear();
    keyCache.set(pem, k);
  }
  return k;
}

interface RawField {
  readonly lname: string;
  /** The whole field as it appears, folding kept, without the final CRLF. */
  readonly raw: string;
}

function splitFields(block: string): RawField[] {
  const out: RawField[] = [];
  for (const line of block.split('\r\n')) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && out.length) {
      const last = out.pop()!;
      out.push({ lname: last.lname, raw: `${last.raw}\r\n${line}` });
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push({ lname: line.slice(0, colon).trim().toLowerCase(), raw: line });
  }
  return out;
}

/** RFC 6376 §3.4.2. */
function relaxedHeader(raw: string): string {
  const colon = raw.indexOf(':');
  const name = raw.slice(0, colon).trim().toLowerCase();
  const value = raw
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}`;
}

function foldList(names: readonly string[]): string {
  let out = '';
  let lineLen = 4;
  for (const [i, n] of names.entries()) {
    const piece = (i ? ':' : '') + n;
    if (lineLen + piece.length > 70) {
      out += '\r\n\t ';
      lineLen = 2;
    }
    out += piece;
    lineLen += piece.length;
  }
  return out;
}

function foldBase64(b64: string): string {
  const parts: string[] = [];
  for (let i = 0; i < b64.length; i += 72) parts.push(b64.slice(i, i + 72));
  return parts.join('\r\n\t ');
}

/** Reads the message once: the header block (up to the blank line) and the relaxed body hash (RFC 6376 §3.4.4). */
async function readForSigning(body: MessageBody): Promise<{ headerBlock: Buffer; bodyHash: string }> {
  const hash = createHash('sha256');
  let partial = '';
  let emptyLines = 0;
  const line = (l: string): void => {
    const c = l.replace(/[ \t]+/g, ' ').replace(/ $/, '');
    if (c === '') {
      emptyLines++;
      return;
    }
    if (emptyLines) hash.update('\r\n'.repeat(emptyLines));
    emptyLines = 0;
    hash.update(c + '\r\n', 'latin1');
  };
  let pending: Buffer | undefined = Buffer.alloc(0) as Buffer;
  let headerBlock: Buffer = Buffer.alloc(0);
  for await (const chunk of bodyChunks(body)) {
    let text: string;
    if (pending) {
      pending = Buffer.concat([pending, chunk as Buffer]);
      let bodyStart: number;
      if (pending.length >= 2 && pending[0] === 0x0d && pending[1] === 0x0a) bodyStart = 2;
      else {
        const idx = pending.indexOf('\r\n\r\n');
        if (idx < 0) continue;
        headerBlock = pending.subarray(0, idx + 2);
        bodyStart = idx + 4;
      }
      text = pending.subarray(bodyStart).toString('latin1');
      pending = undefined;
    } else text = (chunk as Buffer).toString('latin1');
    const lines = (partial + text).split('\r\n');
    partial = lines.pop() ?? '';
    for (const l of lines) line(l);
  }
  // A message without a blank line is all header and an empty body.
  if (pending) headerBlock = pending;
  if (partial !== '') line(partial);
  return { headerBlock, bodyHash: hash.digest('base64') };
}
