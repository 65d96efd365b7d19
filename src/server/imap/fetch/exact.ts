// Exact wire text for ENVELOPE and BODYSTRUCTURE. RFC 9051 writes some lists with members back to back:
// addresses in an envelope field, `1*address`, and the parts of a multipart, `1*body`, e.g.
// `(("a" NIL "b" "c")("d" NIL "e" "f"))`. The value encoder separates list members by spaces, so these two
// structures are formatted here, from parsed data only: strings go quoted when printable ASCII and short,
// otherwise as literals sized in UTF-8 bytes (valid in any server response; NULs are dropped).
import { Raw } from '../protocol/values.js';

/** Back-to-back members (`1*address`, `1*body`). */
export class Adjacent {
  constructor(readonly items: readonly Tree[]) {}
}

export type Tree = null | number | string | Raw | Adjacent | readonly Tree[];

const MAX_QUOTED = 1024;

function quotable(s: string): boolean {
  if (s.length > MAX_QUOTED) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

function stringText(s: string): string {
  if (quotable(s)) return '"' + s.replace(/["\\]/g, '\\$&') + '"';
  const clean = s.replace(/\0/g, '');
  return `{${Buffer.byteLength(clean, 'utf8')}}\r\n${clean}`;
}

/** `null` is NIL, strings are IMAP strings, nested arrays are parenthesised space-separated lists. */
export function formatTree(t: Tree): string {
  if (t === null) return 'NIL';
  if (typeof t === 'number') return String(t);
  if (typeof t === 'string') return stringText(t);
  if (t instanceof Raw) return t.value;
  if (t instanceof Adjacent) return t.items.map(formatTree).join('');
  return '(' + t.map(formatTree).join(' ') + ')';
}

export const nstring = (s: string | null | undefined): Tree => (s === null || s === undefined ? null : s);
