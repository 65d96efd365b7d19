// RFC 8601 §5: a border MTA removes the Authentication-Results fields that carry its own authserv-id from mail
// arriving from outside before adding its own, since a client trusts that id and anyone can write it. Fields of
// other hosts stay (they are informative). The removal itself is header-strip.ts's.
import { stripFields, stripFieldsFromBlock, type StoredMessage, type Stripped } from './header-strip.js';

/** The authserv-id of an Authentication-Results value, lower-cased: the first word before `;`, comments and version dropped. */
export function authservId(value: string): string {
  const semi = value.indexOf(';');
  const head = (semi < 0 ? value : value.slice(0, semi)).replace(/\([^()]*\)/g, ' ').trim();
  const word = head.split(/\s+/)[0] ?? '';
  return normalise(word.replace(/^"(.*)"$/, '$1'));
}

/** Whether a field is an Authentication-Results field written in this server's name. */
export function isOwnAuthResults(name: string, value: string, hostname: string): boolean {
  return name.trim().toLowerCase() === 'authentication-results' && authservId(value) === normalise(hostname);
}

function normalise(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/** Removes own Authentication-Results fields from a header block (CRLF form, fields only). */
export function stripHeaderBlock(block: Buffer, hostname: string): { block: Buffer; removed: number } {
  return stripFieldsFromBlock(block, (name, value) => isOwnAuthResults(name, value, hostname));
}

/**
 * The message as it is to be stored: without own Authentication-Results fields (and, with `alsoRemove`, other
 * fields). Called after verification, which must see the message as received.
 */
export function stripOwnAuthResults(msg: StoredMessage, hostname: string, alsoRemove: (name: string) => boolean = () => false): Promise<Stripped> {
  return stripFields(msg, (name, value) => alsoRemove(name) || isOwnAuthResults(name, value, hostname));
}
