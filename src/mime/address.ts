// RFC 5322 address-list parsing into IMAP ENVELOPE address structures (RFC 3501 §7.4.2): display names are
// unquoted but RFC 2047 encoded-words stay raw (the client decodes them); groups become a start marker
// (NIL NIL name NIL) and an end marker (NIL NIL NIL NIL). Lenient: garbage yields what can be salvaged.
import type { Address } from './types.js';

type Token =
  | { readonly t: 'word'; readonly v: string }
  | { readonly t: 'quoted'; readonly v: string }
  | { readonly t: 'comment'; readonly v: string }
  | { readonly t: 'special'; readonly v: string };

const SPECIALS = new Set(['<', '>', '@', ',', ':', ';', '.']);

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      while (i < n && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < n) i++;
        v += s[i++];
      }
      i++;
      out.push({ t: 'quoted', v });
    } else if (c === '(') {
      let depth = 1;
      let v = '';
      i++;
      while (i < n && depth > 0) {
        const d = s[i]!;
        if (d === '\\' && i + 1 < n) {
          v += s[i + 1];
          i += 2;
          continue;
        }
        if (d === '(') depth++;
        else if (d === ')' && --depth === 0) {
          i++;
          break;
        }
        v += d;
        i++;
      }
      out.push({ t: 'comment', v: v.trim() });
    } else if (c === ')') {
      i++; // a stray closing parenthesis carries nothing
    } else if (SPECIALS.has(c)) {
      out.push({ t: 'special', v: c });
      i++;
    } else {
      let v = '';
      while (i < n && !SPECIALS.has(s[i]!) && !' \t\r\n"()'.includes(s[i]!)) v += s[i++];
      out.push({ t: 'word', v });
    }
  }
  return out;
}

/** Text of an addr-spec token run: dots kept, quoted local parts re-quoted, comments and spaces dropped. */
function specText(tokens: readonly Token[]): string {
  let out = '';
  for (const tok of tokens) {
    if (tok.t === 'comment') continue;
    if (tok.t === 'quoted') out += `"${tok.v.replace(/(["\\])/g, '\\$1')}"`;
    else out += tok.v;
  }
  return out;
}

function phraseText(tokens: readonly Token[]): string | null {
  const words: string[] = [];
  for (const tok of tokens) {
    if (tok.t === 'comment') continue;
    if (tok.t === 'special' && tok.v === '.' && words.length > 0) {
      words[words.length - 1] += '.';
      continue;
    }
    words.push(tok.v);
  }
  const s = words.join(' ').replace(/ \./g, '.').trim();
  return s === '' ? null : s;
}

function commentText(tokens: readonly Token[]): string | null {
  for (const tok of tokens) if (tok.t === 'comment' && tok.v !== '') return tok.v;
  return null;
}

/** Splits `local@domain` at its last `@`; missing pieces become empty strings. */
function addrSpec(tokens: readonly Token[], name: string | null, adl: string | null): Address {
  let at = -1;
  for (let i = tokens.length - 1; i >= 0; i--) {
    const tok = tokens[i]!;
    if (tok.t === 'special' && tok.v === '@') {
      at = i;
      break;
    }
  }
  const local = specText(at === -1 ? tokens : tokens.slice(0, at));
  const domain = at === -1 ? '' : specText(tokens.slice(at + 1));
  return { name, adl, mailbox: local, host: domain };
}

function angleAddress(inner: readonly Token[], name: string | null): Address {
  // obsolete source route: <@a,@b:user@host>
  let adl: string | null = null;
  let rest = inner;
  const colon = inner.findIndex((t) => t.t === 'special' && t.v === ':');
  if (colon !== -1 && inner[0]?.t === 'special' && inner[0].v === '@') {
    adl = specText(inner.slice(0, colon)) || null;
    rest = inner.slice(colon + 1);
  }
  return addrSpec(rest, name, adl);
}

/** Parses one mailbox (phrase <addr> or addr-spec) from the tokens between separators. */
function mailbox(tokens: readonly Token[]): Address | null {
  if (tokens.every((t) => t.t === 'comment')) return null;
  const open = tokens.findIndex((t) => t.t === 'special' && t.v === '<');
  if (open !== -1) {
    let close = tokens.findIndex((t, i) => i > open && t.t === 'special' && t.v === '>');
    if (close === -1) close = tokens.length;
    const name = phraseText(tokens.slice(0, open)) ?? commentText(tokens.slice(close + 1));
    return angleAddress(tokens.slice(open + 1, close), name);
  }
  return addrSpec(tokens, commentText(tokens), null);
}

/** Parses an address-list header value; null when it holds no address at all. */
export function parseAddressList(value: string | null | undefined): Address[] | null {
  if (value === null || value === undefined) return null;
  const tokens = tokenize(value);
  const out: Address[] = [];
  let current: Token[] = [];
  let inGroup = false;
  let inAngle = false;

  const flush = (): void => {
    const a = mailbox(current);
    if (a) out.push(a);
    current = [];
  };

  for (const tok of tokens) {
    if (tok.t === 'special') {
      if (tok.v === '<') inAngle = true;
      else if (tok.v === '>') inAngle = false;
      else if (!inAngle && tok.v === ',') {
        flush();
        continue;
      } else if (!inAngle && tok.v === ':' && !inGroup) {
        out.push({ name: null, adl: null, mailbox: phraseText(current) ?? '', host: null });
        current = [];
        inGroup = true;
        continue;
      } else if (!inAngle && tok.v === ';' && inGroup) {
        flush();
        out.push({ name: null, adl: null, mailbox: null, host: null });
        inGroup = false;
        continue;
      }
    }
    current.push(tok);
  }
  flush();
  if (inGroup) out.push({ name: null, adl: null, mailbox: null, host: null });
  return out.length > 0 ? out : null;
}
