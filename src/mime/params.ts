// Parses structured MIME header values (`type/subtype; a=b; c="d"`, Content-Disposition) leniently.
// RFC 2231 continuations are joined the way Dovecot presents them in BODYSTRUCTURE: `name*0`, `name*1` …
// become one `name`; if any segment is extended (`*0*=utf-8''%E2%82%AC`), the result is `name*` holding
// `charset'lang'` plus the percent-encoded text, so IMAP clients decode it as RFC 2231 says.
import type { ContentParams } from './types.js';

export interface StructuredValue {
  /** The value before the first `;`, trimmed and with comments removed (not lower-cased). */
  readonly value: string;
  readonly params: ContentParams;
}

/** Removes RFC 5322 comments outside quoted strings. */
function stripComments(s: string): string {
  if (!s.includes('(')) return s;
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      out += c;
      if (c === '\\' && i + 1 < s.length) out += s[++i];
      else if (c === '"') quoted = false;
    } else if (depth > 0) {
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
    } else if (c === '"') {
      quoted = true;
      out += c;
    } else if (c === '(') depth++;
    else out += c;
  }
  return out;
}

interface RawParam {
  name: string;
  value: string;
}

function splitParams(s: string): { head: string; params: RawParam[] } {
  const params: RawParam[] = [];
  let i = s.indexOf(';');
  const head = (i === -1 ? s : s.slice(0, i)).trim();
  if (i === -1) return { head, params };
  const n = s.length;
  while (i < n) {
    i++; // past ';'
    while (i < n && /\s/.test(s[i]!)) i++;
    let name = '';
    while (i < n && s[i] !== '=' && s[i] !== ';') name += s[i++];
    name = name.trim().toLowerCase();
    if (i >= n || s[i] === ';') continue;
    i++; // past '='
    while (i < n && /\s/.test(s[i]!)) i++;
    let value = '';
    if (s[i] === '"') {
      i++;
      while (i < n && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < n) i++;
        value += s[i++];
      }
      i++; // closing quote
      while (i < n && s[i] !== ';') i++;
    } else {
      while (i < n && s[i] !== ';') value += s[i++];
      value = value.trim();
    }
    if (name) params.push({ name, value });
  }
  return { head, params };
}

const ATTR_CHAR = /^[A-Za-z0-9!#$&+\-.^_`|~]$/;

function percentEncode(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && ATTR_CHAR.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Joins RFC 2231 segments; plain parameters pass through. The first occurrence of a name wins. */
function joinParams(raw: readonly RawParam[]): ContentParams {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const segmented = new Map<string, Map<number, { value: string; extended: boolean }>>();
  for (const { name, value } of raw) {
    const m = /^(.+?)\*(\d+)?(\*)?$/.exec(name);
    if (!m) {
      if (!(name in out)) {
        out[name] = value;
      }
      continue;
    }
    const base = m[1]!;
    if (m[2] === undefined) {
      // name*=charset'lang'value: a single extended value
      const key = `${base}*`;
      if (!(key in out) && !segmented.has(base)) {
        out[key] = value;
      }
      continue;
    }
    const index = Number(m[2]);
    let segs = segmented.get(base);
    if (!segs) {
      segs = new Map();
      segmented.set(base, segs);
    }
    if (!segs.has(index)) segs.set(index, { value, extended: m[3] !== undefined });
  }
  for (const [base, segs] of segmented) {
    const parts: { value: string; extended: boolean }[] = [];
    for (let i = 0; segs.has(i); i++) parts.push(segs.get(i)!);
    if (parts.length === 0) continue;
    const extended = parts.some((p) => p.extended);
    let value: string;
    if (!extended) value = parts.map((p) => p.value).join('');
    else {
      const first = parts[0]!;
      value = first.extended ? first.value : `''${percentEncode(first.value)}`;
      for (const p of parts.slice(1)) value += p.extended ? p.value : percentEncode(p.value);
    }
    const key = extended ? `${base}*` : base;
    if (!(key in out)) out[key] = value;
  }
  // plain parameters first, then RFC 2231 ones, the order Dovecot shows them in
  const entries = Object.entries(out);
  return Object.fromEntries([...entries.filter(([k]) => !k.endsWith('*')), ...entries.filter(([k]) => k.endsWith('*'))]);
}

export function parseStructured(value: string): StructuredValue {
  const { head, params } = splitParams(stripComments(value));
  return { value: head.replace(/\s+/g, ''), params: joinParams(params) };
}
