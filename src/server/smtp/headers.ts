// The top-level header block of a message as an ordered list of fields, plus the few decoded views SMTP needs
// (From addresses, Subject, Message-ID). Raw bytes are kept so nothing is re-encoded on the way to storage.
import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser';

export interface HeaderField {
  /** As written (case kept). */
  readonly name: string;
  /** Unfolded raw value, leading whitespace trimmed; not decoded. */
  readonly value: string;
}

/** Parses `Name: value` lines with continuation lines; stops at the blank line or at the end of `block`. */
export function parseHeaderBlock(block: Buffer): HeaderField[] {
  const text = block.toString('latin1');
  const fields: HeaderField[] = [];
  let name: string | undefined;
  let value = '';
  const flush = (): void => {
    if (name !== undefined) fields.push({ name, value: Buffer.from(value.trim(), 'latin1').toString('utf8') });
    name = undefined;
    value = '';
  };
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    if ((line[0] === ' ' || line[0] === '\t') && name !== undefined) {
      value += ' ' + line.trim();
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    name = line.slice(0, colon).trim();
    value = line.slice(colon + 1);
  }
  flush();
  return fields;
}

/** Every value of a field (case-insensitive name), raw. */
export function headerValues(headers: readonly HeaderField[], name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value);
}

export function firstHeader(headers: readonly HeaderField[], name: string): string | undefined {
  return headerValues(headers, name)[0];
}

export function decodeHeader(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

/** Lower-cased addresses of the From field(s), groups flattened. */
export function fromAddresses(headers: readonly HeaderField[]): string[] {
  return addressesIn(headers, 'from');
}

/** Every address in the named header fields, lower-cased. */
export function addressesIn(headers: readonly HeaderField[], name: string): string[] {
  return headerValues(headers, name).flatMap((v) => addressparser(v, { flatten: true }).map((a) => a.address.toLowerCase()).filter((a) => a !== ''));
}

/** The Message-ID with its angle brackets, if there is one. */
export function messageId(headers: readonly HeaderField[]): string | undefined {
  const v = firstHeader(headers, 'message-id');
  const m = v?.match(/<[^<>\s]+>/);
  return m?.[0] ?? v?.trim() ?? undefined;
}

/** A folded header line (CRLF-terminated), for the headers we add. Values we add are ASCII already. */
export function headerLine(name: string, value: string): string {
  return `${name}: ${value}\r\n`;
}
