// The one place typed response values (values.ts) become wire bytes. Strings go out quoted when that is safe
// and short, else as literals; mailbox names in modified UTF-7 unless UTF8=ACCEPT is on (RFC 6855); literal
// bodies given as streams stay streams, so a large message is never buffered here.
import type { Readable } from 'node:stream';
import { Atom, Literal, MailboxName, Raw, Str, type Value } from './values.js';
import { encodeMutf7 } from './mutf7.js';

export interface EncodeOptions {
  /** UTF8=ACCEPT enabled: quoted strings and mailbox names may carry UTF-8. */
  readonly utf8: boolean;
}

/** A response ready to write: text and buffers in order, with streamed literal bodies in between. */
export type Chunk = Buffer | Readable;

/** Longest string sent quoted; longer ones become literals (clients handle both, literals need no escaping). */
const MAX_QUOTED = 1024;
/** astring atom characters minus "]" and wildcards: a name made only of these needs no quoting. */
const SAFE_MAILBOX_ATOM = /^[A-Za-z0-9!#$&'+,\-./:;<=>?@^_`|~]+$/;

export class ResponseBuilder {
  private readonly chunks: Chunk[] = [];
  private text = '';

  constructor(private readonly opts: EncodeOptions) {}

  /** Appends protocol text we produced (tags, keywords, codes). */
  raw(s: string): this {
    this.text += s;
    return this;
  }

  value(v: Value): this {
    if (v === null) this.text += 'NIL';
    else if (typeof v === 'number' || typeof v === 'bigint') this.text += String(v);
    else if (v instanceof Atom || v instanceof Raw) this.text += v.value;
    else if (v instanceof Str) this.string(v.value);
    else if (v instanceof MailboxName) this.mailbox(v.value);
    else if (v instanceof Literal) this.literal(v.source, v.size, v.binary);
    else {
      this.text += '(';
      v.forEach((item, i) => {
        if (i > 0) this.text += ' ';
        this.value(item);
      });
      this.text += ')';
    }
    return this;
  }

  /** Values separated by spaces (the body of an untagged response). */
  values(vs: readonly Value[]): this {
    vs.forEach((v, i) => {
      if (i > 0) this.text += ' ';
      this.value(v);
    });
    return this;
  }

  /** Mailbox names go out as atoms when they are plain (as Dovecot does), else quoted or literal. */
  private mailbox(name: string): void {
    const wire = name === 'INBOX' || this.opts.utf8 ? name : encodeMutf7(name);
    if (SAFE_MAILBOX_ATOM.test(wire) && wire.toUpperCase() !== 'NIL') this.text += wire;
    else this.string(wire);
  }

  string(s: string | Buffer): void {
    if (typeof s === 'string') {
      if (s.length <= MAX_QUOTED && quotable(s, this.opts.utf8)) this.text += '"' + s.replace(/["\\]/g, '\\$&') + '"';
      else this.literal(Buffer.from(s, 'utf8'), Buffer.byteLength(s, 'utf8'), false);
      return;
    }
    if (s.length <= MAX_QUOTED && quotableBytes(s)) this.text += '"' + s.toString('latin1').replace(/["\\]/g, '\\$&') + '"';
    else this.literal(s, s.length, false);
  }

  private literal(source: Buffer | Readable, size: number, binary: boolean): void {
    this.text += `${binary ? '~' : ''}{${size}}\r\n`;
    this.flushText();
    this.chunks.push(source);
  }

  private flushText(): void {
    if (this.text) this.chunks.push(Buffer.from(this.text, 'utf8'));
    this.text = '';
  }

  /** Ends the line and returns the chunks. */
  done(): Chunk[] {
    this.text += '\r\n';
    this.flushText();
    return this.chunks.splice(0);
  }
}

function quotable(s: string, utf8: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
    if (c > 0x7e && !utf8) return false;
  }
  return true;
}

function quotableBytes(b: Buffer): boolean {
  for (const c of b) if (c < 0x20 || c > 0x7e) return false;
  return true;
}

/** Encodes one whole line: `prefix` (e.g. "* ", "a1 OK ") followed by values. */
export function encodeLine(opts: EncodeOptions, prefix: string, values: readonly Value[]): Chunk[] {
  return new ResponseBuilder(opts).raw(prefix).values(values).done();
}
