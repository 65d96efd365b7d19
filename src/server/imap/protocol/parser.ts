// A typed cursor over one framed command (tokenizer.ts output): each method consumes one grammar element of
// RFC 9051 §9 and returns it typed, or throws ParseError with a message fit for `tag BAD <message>`.
// Commands read their arguments through it (`p.sp(); const name = p.mailbox(); p.end()`), so no handler
// splits strings or counts arguments by hand.
import type {
  DateSearchKey,
  FetchItem,
  FlagSearchKey,
  Partial,
  SearchDate,
  SearchKey,
  SearchProgram,
  SearchReturnOption,
  Section,
  SeqNumber,
  SeqRange,
  SequenceSet,
  SimpleFetchAttribute,
  TextSearchKey,
} from './ast.js';
import type { SpilledAt, SpilledLiteral } from './tokenizer.js';
import { StoreError } from '../../../errors.js';
import { decodeMutf7 } from './mutf7.js';

export class ParseError extends Error {
  override readonly name = 'ParseError';
}

export interface ParserOptions {
  /** UTF8=ACCEPT enabled: mailbox names are UTF-8, not modified UTF-7 (RFC 6855). */
  readonly utf8: boolean;
  /** Literals the framer wrote to files instead of the command's data (tokenizer.ts). */
  readonly spilled?: readonly SpilledAt[] | undefined;
}

const MAX_NUMBER = 0xffffffff;
/** The largest mod-sequence-value (RFC 7162 §7: a positive 63-bit integer). */
const MAX_MODSEQ = 2n ** 63n - 1n;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** ATOM-CHAR: any CHAR except atom-specials `(){ %*"\]` and CTLs (RFC 9051 §9). */
function isAtomChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== 0x28 && c !== 0x29 && c !== 0x7b && c !== 0x25 && c !== 0x2a && c !== 0x22 && c !== 0x5c && c !== 0x5d;
}
/** ASTRING-CHAR = ATOM-CHAR / resp-specials ("]"). */
function isAstringChar(c: number): boolean {
  return isAtomChar(c) || c === 0x5d;
}
/** list-char = ATOM-CHAR / list-wildcards / resp-specials. */
function isListChar(c: number): boolean {
  return isAstringChar(c) || c === 0x25 || c === 0x2a;
}

const FLAG_KEYS = new Set<string>(['ALL', 'ANSWERED', 'DELETED', 'DRAFT', 'FLAGGED', 'NEW', 'OLD', 'RECENT', 'SEEN', 'UNANSWERED', 'UNDELETED', 'UNDRAFT', 'UNFLAGGED', 'UNSEEN']);
const TEXT_KEYS = new Set<string>(['BCC', 'BODY', 'CC', 'FROM', 'SUBJECT', 'TEXT', 'TO']);
const DATE_KEYS = new Set<string>(['BEFORE', 'ON', 'SINCE', 'SENTBEFORE', 'SENTON', 'SENTSINCE']);
const SIMPLE_FETCH = new Set<string>(['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT', 'MODSEQ']);
export const SYSTEM_FLAGS = new Set(['\\SEEN', '\\ANSWERED', '\\FLAGGED', '\\DELETED', '\\DRAFT']);

export class Parser {
  pos = 0;
  /** Nesting depth of parenthesized search keys / lists, bounded against stack exhaustion. */
  private depth = 0;

  constructor(
    readonly data: Buffer,
    readonly opts: ParserOptions = { utf8: false },
  ) {}

  peek(): number {
    return this.pos < this.data.length ? this.data[this.pos]! : -1;
  }

  atEnd(): boolean {
    return this.pos >= this.data.length;
  }

  fail(message: string): never {
    throw new ParseError(message);
  }

  sp(): void {
    if (this.peek() !== 0x20) this.fail(this.atEnd() ? 'Missing arguments' : 'Expected a space');
    this.pos++;
  }

  trySp(): boolean {
    if (this.peek() !== 0x20) return false;
    this.pos++;
    return true;
  }

  char(c: string): void {
    if (this.peek() !== c.charCodeAt(0)) this.fail(this.atEnd() ? `Missing "${c}"` : `Expected "${c}"`);
    this.pos++;
  }

  tryChar(c: string): boolean {
    if (this.peek() !== c.charCodeAt(0)) return false;
    this.pos++;
    return true;
  }

  end(): void {
    if (!this.atEnd()) this.fail('Unexpected extra arguments');
  }

  /** The rest of the input, unparsed (AUTHENTICATE initial response, ID values are parsed properly). */
  rest(): string {
    const s = this.data.toString('latin1', this.pos);
    this.pos = this.data.length;
    return s;
  }

  /** tag = 1*<any ASTRING-CHAR except "+"> */
  tag(): string {
    const start = this.pos;
    while (isAstringChar(this.peek()) && this.peek() !== 0x2b) this.pos++;
    // `a+b NOOP`: the tag is not `a`; a reply tagged with a prefix of it would confuse the client (`* BAD`).
    if (this.pos === start || (!this.atEnd() && this.peek() !== 0x20)) this.fail('Invalid tag');
    return this.data.toString('latin1', start, this.pos);
  }

  atom(): string {
    const start = this.pos;
    while (isAtomChar(this.peek())) this.pos++;
    if (this.pos === start) this.fail(this.atEnd() ? 'Missing arguments' : 'Expected an atom');
    return this.data.toString('latin1', start, this.pos);
  }

  /** An atom upper-cased, for keywords. */
  keyword(): string {
    return this.atom().toUpperCase();
  }

  /** Consumes `word` (case-insensitive) when it comes next as a whole atom. */
  tryKeyword(word: string): boolean {
    const save = this.pos;
    const start = this.pos;
    while (isAtomChar(this.peek())) this.pos++;
    if (this.data.toString('latin1', start, this.pos).toUpperCase() === word) return true;
    this.pos = save;
    return false;
  }

  number(max = MAX_NUMBER): number {
    const start = this.pos;
    while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
    if (this.pos === start) this.fail('Expected a number');
    if (this.pos - start > 20) this.fail('Number too large');
    const n = Number(this.data.toString('latin1', start, this.pos));
    if (n > max) this.fail('Number too large');
    return n;
  }

  nzNumber(max = MAX_NUMBER): number {
    const n = this.number(max);
    if (n === 0) this.fail('Expected a non-zero number');
    return n;
  }

  /**
   * mod-sequence-value (RFC 7162 §7): any value up to 2^63-1 is valid. Ours stay below 2^53, so a larger one
   * compares with every modseq we hand out as MAX_SAFE_INTEGER does, and is read as that.
   */
  modseq(): number {
    const start = this.pos;
    while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
    if (this.pos === start) this.fail('Expected a number');
    const digits = this.data.toString('latin1', start, this.pos);
    if (digits.length > 19 || BigInt(digits) > MAX_MODSEQ) this.fail('Number too large');
    return Math.min(Number(digits), Number.MAX_SAFE_INTEGER);
  }

  quoted(): Buffer {
    this.char('"');
    const out: number[] = [];
    for (;;) {
      const c = this.peek();
      if (c < 0) this.fail('Unterminated quoted string');
      this.pos++;
      if (c === 0x22) break;
      if (c === 0x0d || c === 0x0a) this.fail('Line break in quoted string');
      if (c === 0x5c) {
        const n = this.peek();
        if (n !== 0x22 && n !== 0x5c) this.fail('Invalid escape in quoted string');
        this.pos++;
        out.push(n);
      } else {
        out.push(c);
      }
    }
    return Buffer.from(out);
  }

  /** literal = "{" number ["+"] "}" CRLF *CHAR8; literal8 = "~{" ... when `allow8`. */
  literal(allow8 = false): { data: Buffer; binary: boolean } {
    const l = this.messageLiteral(allow8);
    if (!l.data) this.fail('Literal too large here');
    return { data: l.data, binary: l.binary };
  }

  /** A literal that may have been spilled to a file by the framer (a message body: APPEND). */
  messageLiteral(allow8 = false): { data: Buffer; file?: undefined; binary: boolean } | { data?: undefined; file: SpilledLiteral; binary: boolean } {
    let binary = false;
    if (this.peek() === 0x7e) {
      if (!allow8) this.fail('literal8 not allowed here');
      binary = true;
      this.pos++;
    }
    this.char('{');
    const size = this.number(Number.MAX_SAFE_INTEGER);
    this.tryChar('+');
    this.char('}');
    this.tryChar('\r');
    if (!this.tryChar('\n')) this.fail('Expected CRLF after literal size');
    const spilled = this.opts.spilled?.find((s) => s.at === this.pos);
    if (spilled) {
      if (spilled.literal.size !== size) this.fail('Literal shorter than announced');
      if (!binary && spilled.literal.hasNul) this.fail('NUL in literal');
      return { file: spilled.literal, binary };
    }
    if (this.pos + size > this.data.length) this.fail('Literal shorter than announced');
    const data = this.data.subarray(this.pos, this.pos + size);
    this.pos += size;
    if (!binary && data.includes(0)) this.fail('NUL in literal');
    return { data, binary };
  }

  /** string = quoted / literal, as bytes. */
  string(): Buffer {
    const c = this.peek();
    if (c === 0x22) return this.quoted();
    if (c === 0x7b) return this.literal().data;
    return this.fail(this.atEnd() ? 'Missing arguments' : 'Expected a string');
  }

  astringBytes(): Buffer {
    const c = this.peek();
    if (c === 0x22 || c === 0x7b) return this.string();
    const start = this.pos;
    // With UTF8=ACCEPT, 8-bit (UTF-8) bytes are accepted in atoms as clients send them (RFC 6855 §3).
    const utf8 = this.opts.utf8;
    while (isAstringChar(this.peek()) || (utf8 && this.peek() >= 0x80)) this.pos++;
    if (this.pos === start) this.fail(this.atEnd() ? 'Missing arguments' : 'Expected a string');
    return this.data.subarray(start, this.pos);
  }

  astring(): string {
    return this.astringBytes().toString('utf8');
  }

  /** nstring = string / NIL */
  nstring(): Buffer | null {
    if (this.tryKeyword('NIL')) return null;
    return this.string();
  }

  /** mailbox = "INBOX" / astring; returned in Unicode (modified UTF-7 decoded unless UTF8=ACCEPT). */
  mailbox(): string {
    return this.decodeMailbox(this.astring());
  }

  /** list-mailbox = 1*list-char / string (LIST patterns, with % and *). */
  listMailbox(): string {
    const c = this.peek();
    let raw: string;
    if (c === 0x22 || c === 0x7b) raw = this.string().toString('utf8');
    else {
      const start = this.pos;
      while (isListChar(this.peek())) this.pos++;
      if (this.pos === start) this.fail('Expected a mailbox pattern');
      raw = this.data.toString('utf8', start, this.pos);
    }
    return this.decodeMailbox(raw, true);
  }

  private decodeMailbox(raw: string, pattern = false): string {
    if (!pattern && raw.toUpperCase() === 'INBOX') return 'INBOX';
    if (this.opts.utf8) return raw;
    const decoded = decodeMutf7(raw);
    if (decoded !== undefined) return decoded;
    // The astring is valid syntax; only the name is unusable, which is `NO [CANNOT]`, not BAD (as Dovecot).
    if (!pattern) throw new StoreError('invalid-name', 'invalid modified UTF-7 in mailbox name');
    return this.fail('Invalid modified UTF-7 in mailbox pattern');
  }

  /** sequence-set / "$" (RFC 5182). */
  sequenceSet(): SequenceSet {
    if (this.tryChar('$')) return { kind: 'saved' };
    const ranges: SeqRange[] = [];
    do {
      const start = this.seqNumber();
      const end = this.tryChar(':') ? this.seqNumber() : start;
      ranges.push({ start, end });
    } while (this.tryChar(','));
    return { kind: 'set', ranges };
  }

  private seqNumber(): SeqNumber {
    if (this.tryChar('*')) return '*';
    if (!(this.peek() >= 0x30 && this.peek() <= 0x39)) this.fail('Invalid sequence set');
    return this.nzNumber();
  }

  /** "(" item *(SP item) ")" ; empty lists allowed when `allowEmpty`. */
  list<T>(item: () => T, allowEmpty = true): T[] {
    this.char('(');
    const out: T[] = [];
    if (this.tryChar(')')) {
      if (!allowEmpty) this.fail('Empty list');
      return out;
    }
    for (;;) {
      out.push(item());
      if (this.tryChar(')')) return out;
      if (this.atEnd()) this.fail('Missing ")"');
      this.sp();
    }
  }

  /** flag = "\Answered" / ... / keyword / flag-extension; \Recent and unknown system flags are refused. */
  flag(): string {
    if (this.tryChar('\\')) {
      const name = '\\' + this.atom();
      const up = name.toUpperCase();
      if (!SYSTEM_FLAGS.has(up)) this.fail(`Invalid system flag ${name}`);
      return '\\' + up[1] + up.slice(2).toLowerCase();
    }
    return this.atom();
  }

  flagList(): string[] {
    return this.list(() => this.flag());
  }

  /** date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE → ms since epoch. */
  dateTime(): number {
    const s = this.quoted().toString('latin1');
    const m = /^([ \d]?\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(s);
    if (!m) this.fail('Invalid date-time');
    const month = MONTHS.indexOf(m[2]!.toLowerCase());
    if (month < 0) this.fail('Invalid month in date-time');
    const day = Number(m[1]!.trim());
    const [h, mi, se] = [Number(m[4]), Number(m[5]), Number(m[6])];
    if (day < 1 || day > 31 || h > 23 || mi > 59 || se > 60) this.fail('Invalid date-time');
    const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000;
    return Date.UTC(Number(m[3]), month, day, h, mi, se) - offset;
  }

  /** date = date-text / DQUOTE date-text DQUOTE; date-text = date-day "-" date-month "-" date-year */
  date(): SearchDate {
    const text = this.peek() === 0x22 ? this.quoted().toString('latin1') : this.atom();
    const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
    const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) : -1;
    if (!m || month < 0 || Number(m[1]) < 1 || Number(m[1]) > 31) this.fail('Invalid date');
    return { year: Number(m[3]), month: month + 1, day: Number(m[1]) };
  }

  /** search = [SP "RETURN" SP (...)] [SP "CHARSET" SP astring] 1*(SP search-key); the leading SP is consumed. */
  searchProgram(allowReturn: boolean): SearchProgram {
    let returnOptions: SearchReturnOption[] | undefined;
    let charset: string | undefined;
    this.sp();
    if (allowReturn && this.tryKeyword('RETURN')) {
      this.sp();
      returnOptions = this.list(() => {
        const o = this.keyword();
        if (o !== 'MIN' && o !== 'MAX' && o !== 'ALL' && o !== 'COUNT' && o !== 'SAVE') this.fail(`Unknown search return option ${o}`);
        return o;
      });
      this.sp();
    }
    if (this.tryKeyword('CHARSET')) {
      this.sp();
      charset = this.astring();
      this.sp();
    }
    const keys: SearchKey[] = [this.searchKey()];
    while (this.trySp()) keys.push(this.searchKey());
    this.end();
    return { charset, returnOptions, key: keys.length === 1 ? keys[0]! : { kind: 'and', keys } };
  }

  private searchString(): string {
    return this.astringBytes().toString('utf8');
  }

  searchKey(): SearchKey {
    const c = this.peek();
    if (c === 0x28) {
      if (++this.depth > 32) this.fail('Search keys nested too deep');
      const keys = this.list(() => this.searchKey(), false);
      this.depth--;
      return keys.length === 1 ? keys[0]! : { kind: 'and', keys };
    }
    if ((c >= 0x30 && c <= 0x39) || c === 0x2a || c === 0x24) return { kind: 'seq', set: this.sequenceSet() };
    const key = this.keyword();
    if (FLAG_KEYS.has(key)) return { kind: 'flag', key: key as FlagSearchKey };
    if (TEXT_KEYS.has(key)) {
      this.sp();
      return { kind: 'text', key: key as TextSearchKey, value: this.searchString() };
    }
    if (DATE_KEYS.has(key)) {
      this.sp();
      return { kind: 'date', key: key as DateSearchKey, date: this.date() };
    }
    switch (key) {
      case 'KEYWORD':
      case 'UNKEYWORD':
        this.sp();
        return { kind: 'keyword', flag: this.atom(), negate: key === 'UNKEYWORD' };
      case 'HEADER': {
        this.sp();
        const field = this.astring();
        this.sp();
        return { kind: 'header', field, value: this.searchString() };
      }
      case 'LARGER':
      case 'SMALLER':
        this.sp();
        return { kind: 'size', larger: key === 'LARGER', size: this.number() };
      case 'UID':
        this.sp();
        return { kind: 'uid', set: this.sequenceSet() };
      case 'NOT': {
        this.sp();
        if (++this.depth > 32) this.fail('Search keys nested too deep');
        const k = this.searchKey();
        this.depth--;
        return { kind: 'not', key: k };
      }
      case 'OR': {
        if (++this.depth > 32) this.fail('Search keys nested too deep');
        this.sp();
        const left = this.searchKey();
        this.sp();
        const right = this.searchKey();
        this.depth--;
        return { kind: 'or', left, right };
      }
      case 'MODSEQ': {
        this.sp();
        if (this.peek() === 0x22) {
          // entry-name entry-type-req: per-flag metadata we do not keep separately; the modseq still applies.
          this.quoted();
          this.sp();
          const t = this.keyword();
          if (t !== 'PRIV' && t !== 'SHARED' && t !== 'ALL') this.fail('Invalid MODSEQ entry type');
          this.sp();
        }
        return { kind: 'modseq', modseq: this.modseq() };
      }
      case 'OLDER':
      case 'YOUNGER':
        this.sp();
        return { kind: 'within', older: key === 'OLDER', seconds: this.nzNumber() };
      default:
        return this.fail(`Unknown search key ${key}`);
    }
  }

  /** fetch-att list: "ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")" */
  fetchItems(): FetchItem[] {
    const attr = (name: SimpleFetchAttribute): FetchItem => ({ kind: 'attribute', name });
    if (this.peek() === 0x28) return this.list(() => this.fetchAtt(), false);
    const save = this.pos;
    const word = this.keyword();
    if (word === 'ALL') return [attr('FLAGS'), attr('INTERNALDATE'), attr('RFC822.SIZE'), attr('ENVELOPE')];
    if (word === 'FAST') return [attr('FLAGS'), attr('INTERNALDATE'), attr('RFC822.SIZE')];
    if (word === 'FULL') return [attr('FLAGS'), attr('INTERNALDATE'), attr('RFC822.SIZE'), attr('ENVELOPE'), attr('BODY')];
    this.pos = save;
    return [this.fetchAtt()];
  }

  fetchAtt(): FetchItem {
    const start = this.pos;
    for (let c = this.peek(); (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e; c = this.peek()) this.pos++;
    const name = this.data.toString('latin1', start, this.pos).toUpperCase();
    if (name === '') this.fail('Expected a fetch attribute');
    if (this.peek() === 0x5b /* [ */) {
      if (name === 'BODY' || name === 'BODY.PEEK') {
        const section = this.section();
        return { kind: 'section', peek: name === 'BODY.PEEK', section, partial: this.partial() };
      }
      if (name === 'BINARY' || name === 'BINARY.PEEK') {
        const part = this.sectionBinary();
        return { kind: 'binary', peek: name === 'BINARY.PEEK', part, partial: this.partial() };
      }
      if (name === 'BINARY.SIZE') return { kind: 'binary-size', part: this.sectionBinary() };
      this.fail(`Unexpected section after ${name}`);
    }
    if (!SIMPLE_FETCH.has(name)) this.fail(`Unknown fetch attribute ${name}`);
    return { kind: 'attribute', name: name as SimpleFetchAttribute };
  }

  private partNumbers(): number[] {
    const part: number[] = [];
    while (this.peek() >= 0x31 && this.peek() <= 0x39) {
      part.push(this.nzNumber());
      if (!this.tryChar('.')) break;
      if (!(this.peek() >= 0x30 && this.peek() <= 0x39)) {
        this.pos--; // the "." belongs to section-text
        break;
      }
    }
    return part;
  }

  /** section = "[" [section-spec] "]" */
  section(): Section {
    this.char('[');
    if (this.tryChar(']')) return { part: [] };
    const part = this.partNumbers();
    if (part.length > 0) {
      if (this.tryChar(']')) return { part };
      this.char('.');
    }
    const start = this.pos;
    for (let c = this.peek(); (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2e; c = this.peek()) this.pos++;
    const text = this.data.toString('latin1', start, this.pos).toUpperCase();
    let section: Section;
    if (text === 'HEADER' || text === 'TEXT' || (text === 'MIME' && part.length > 0)) {
      section = { part, text };
    } else if (text === 'HEADER.FIELDS' || text === 'HEADER.FIELDS.NOT') {
      this.sp();
      const fields = this.list(() => this.astring(), false);
      section = { part, text, fields };
    } else {
      return this.fail('Invalid section');
    }
    this.char(']');
    return section;
  }

  private sectionBinary(): number[] {
    this.char('[');
    const part = this.partNumbers();
    this.char(']');
    return part;
  }

  /** partial = "<" number "." nz-number ">" */
  partial(): Partial | undefined {
    if (!this.tryChar('<')) return undefined;
    const start = this.number();
    this.char('.');
    const length = this.nzNumber();
    this.char('>');
    return { start, length };
  }
}
