// What may differ between two correct IMAP servers, reduced to one form before the transcripts are compared:
// values the server chooses (UIDVALIDITY, MODSEQ numbers, capability lists, ID data), human text, and order
// where RFC 3501/9051 define none (LIST/LSUB responses of one command, FETCH data items, flags in a flag list,
// STATUS and ESEARCH items). Nothing here may hide a difference in names, attributes, counts or codes: the
// differences kept on purpose are forgiven one by one in kept.ts, not here.

/** A parsed response token: the raw text it came from and, for lists, its children. */
interface Tok {
  readonly raw: string;
  readonly list?: readonly Tok[];
  readonly literal?: { readonly data: string; readonly eight: boolean };
}

/** Reads IMAP response data (literals inline, as the transcript holds them). */
class Reader {
  constructor(
    readonly s: string,
    public i = 0,
  ) {}

  private skipSpace(): void {
    while (this.s[this.i] === ' ') this.i++;
  }

  /** Tokens until `)` or the end. */
  items(): Tok[] {
    const out: Tok[] = [];
    for (;;) {
      this.skipSpace();
      if (this.i >= this.s.length || this.s[this.i] === ')') return out;
      out.push(this.value());
    }
  }

  value(): Tok {
    const s = this.s;
    const start = this.i;
    const c = s[this.i];
    if (c === '(') {
      this.i++;
      const list = this.items();
      this.i++;
      return { raw: s.slice(start, this.i), list };
    }
    if (c === '"') {
      this.i++;
      while (this.i < s.length && s[this.i] !== '"') this.i += s[this.i] === '\\' ? 2 : 1;
      this.i++;
      return { raw: s.slice(start, this.i) };
    }
    const lit = /^(~?)\{(\d+)\}\r\n/.exec(s.slice(this.i, this.i + 30));
    if (lit) {
      const from = this.i + lit[0].length;
      this.i = from + Number(lit[2]);
      return { raw: s.slice(start, this.i), literal: { data: s.slice(from, this.i), eight: lit[1] === '~' } };
    }
    // An atom, with `[...]` (BODY[HEADER.FIELDS (A B)]) and `<...>` taken whole.
    let depth = 0;
    while (this.i < s.length) {
      const ch = s[this.i]!;
      if (ch === '[') depth++;
      else if (ch === ']') depth--;
      else if (depth === 0 && (ch === ' ' || ch === ')' || ch === '(')) break;
      this.i++;
    }
    return { raw: s.slice(start, this.i) };
  }
}

const sortWords = (words: readonly string[]): string => [...words].sort().join(' ');

/** A literal and a quoted string are the same value; `~{n}` (literal8) is needed only for NUL (RFC 9051 §7.5.2). */
function canonicalString(t: Tok): string {
  if (!t.literal) return t.raw;
  if (t.literal.data.length === 0) return '""';
  if (t.literal.eight && !t.literal.data.includes('\0')) return `{${t.literal.data.length}}\r\n${t.literal.data}`;
  return t.raw;
}

/** Header field names are case-insensitive (RFC 5322), so their echo in a section label is too. */
function canonicalSection(name: string): string {
  return name.replace(/(HEADER\.FIELDS(?:\.NOT)? \()([^)]*)\)/i, (_m, head: string, names: string) => `${head.toUpperCase()}${names.toUpperCase()})`);
}

/**
 * An INTERNALDATE the server took from its clock (APPEND without a date): the two servers get the command at
 * slightly different moments, possibly on either side of a second. Dates a scenario gives are far from now.
 */
function isNow(quoted: string): boolean {
  const t = Date.parse(quoted.replace(/^"|"$/g, '').replace(/^(\d{1,2})-(\w{3})-(\d{4}) /, '$2 $1 $3 '));
  return Number.isFinite(t) && Math.abs(t - Date.now()) < 10 * 60_000;
}

/** `* n FETCH (...)`: items sorted by name, flags sorted, MODSEQ values and the current time hidden. */
function canonicalFetch(body: string): string {
  const items = new Reader(body, 1).items();
  const pairs: string[] = [];
  for (let k = 0; k + 1 < items.length; k += 2) {
    const name = canonicalSection(items[k]!.raw);
    const v = items[k + 1]!;
    let value: string;
    if (/^FLAGS$/i.test(name) && v.list) value = `(${sortWords(v.list.map((t) => t.raw))})`;
    else if (/^MODSEQ$/i.test(name)) value = '(M)';
    else if (/^INTERNALDATE$/i.test(name) && isNow(v.raw)) value = '"<now>"';
    else if (/^(BODY|BODYSTRUCTURE)$/i.test(name)) value = v.raw.replace(/"7bit"/gi, '"7BIT"');
    else value = canonicalString(v);
    pairs.push(`${name} ${value}`);
  }
  if (items.length % 2) pairs.push(items[items.length - 1]!.raw);
  return `(${pairs.sort().join(' ')})`;
}

/** `KEY value KEY value` pairs (STATUS, ESEARCH) in name order. */
function sortPairs(words: readonly string[]): string {
  const pairs: string[] = [];
  for (let k = 0; k < words.length; k += 2) pairs.push(`${words[k]} ${words[k + 1] ?? ''}`.trimEnd());
  return pairs.sort().join(' ');
}

/** One server line (without the `S: ` prefix) in canonical form; '' drops it. */
export function canonicalResponse(line: string): string {
  let l = line;
  // Human text: what follows the status word (and its response code) is for people.
  l = l.replace(/^(\* (?:OK|NO|BAD|BYE|PREAUTH)|\S+ (?:OK|NO|BAD)) (\[[^\]]*\] )?.*$/s, (_m, head: string, code: string | undefined) => `${head} ${code ?? ''}…`);
  // An untagged OK without a code carries nothing but text (Dovecot's IDLE keepalive, progress notes).
  if (l === '* OK …') return '';
  l = l.replace(/^\+ .*$/s, '+ …');
  l = l.replace(/CAPABILITY [^\]]*/, 'CAPABILITY …');
  l = l.replace(/^\* ID .*/, '* ID …');
  l = l.replace(/UIDVALIDITY \d+/g, 'UIDVALIDITY V');
  l = l.replace(/(APPENDUID|COPYUID) \d+/g, '$1 V');
  // Modification sequences are the server's own counter, like UIDVALIDITY (RFC 7162 §3.1.1).
  l = l.replace(/HIGHESTMODSEQ \d+/g, 'HIGHESTMODSEQ M').replace(/\(MODSEQ \d+\)/g, '(MODSEQ M)');
  let m: RegExpExecArray | null;
  if ((m = /^(\* \d+ FETCH )(\(.*)$/s.exec(l))) return m[1] + canonicalFetch(m[2]!);
  if ((m = /^(\* FLAGS \(|\* OK \[PERMANENTFLAGS \()([^)]*)(\).*)$/.exec(l))) return m[1] + sortWords(m[2]!.split(' ').filter(Boolean)) + m[3];
  // An extended data item tag is an astring (RFC 5258 §6): "CHILDINFO" and CHILDINFO are the same.
  if ((m = /^(\* (?:LIST|LSUB) \()([^)]*)(\).*)$/s.exec(l))) return m[1] + sortWords(m[2]!.split(' ').filter(Boolean)) + m[3]!.replace(/ \("CHILDINFO" /, ' (CHILDINFO ');
  if ((m = /^(\* STATUS .* \()([^()]*)\)$/.exec(l))) return `${m[1]}${sortPairs(m[2]!.split(' '))})`;
  if ((m = /^(\* ESEARCH (?:\(TAG "[^"]*"\) )?(?:UID )?)(.*)$/.exec(l))) return m[1] + sortPairs(m[2]!.split(' ').filter(Boolean));
  return l;
}

const LIST_LINE = /^(?:@\d+ )?S: \* (?:LIST|LSUB) /;
const STATUS_LINE = /^(?:@\d+ )?S: \* STATUS /;

/** The mailbox name part of a LIST/LSUB line (after attributes and delimiter), for ordering. */
function listName(line: string): string {
  const r = new Reader(line, line.indexOf('* L') + 7);
  r.value();
  r.value();
  return line.slice(r.i).trim();
}

/**
 * A whole transcript in canonical form: server lines rewritten by canonicalResponse, and each run of LIST or
 * LSUB responses (with the STATUS responses LIST-STATUS puts after each, RFC 5819) sorted by mailbox name.
 */
export function canonicalTranscript(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const m = /^((?:@\d+ )?S: )(.*)$/s.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    const c = canonicalResponse(m[2]!);
    if (c !== '') out.push(m[1] + c);
  }
  const sorted: string[] = [];
  for (let i = 0; i < out.length; ) {
    if (!LIST_LINE.test(out[i]!)) {
      sorted.push(out[i++]!);
      continue;
    }
    const group: string[][] = [];
    while (i < out.length && LIST_LINE.test(out[i]!)) {
      const item = [out[i++]!];
      while (i < out.length && STATUS_LINE.test(out[i]!)) item.push(out[i++]!);
      group.push(item);
    }
    group.sort((a, b) => (listName(a[0]!) < listName(b[0]!) ? -1 : listName(a[0]!) > listName(b[0]!) ? 1 : 0));
    for (const item of group) sorted.push(...item);
  }
  return sorted;
}
