// Folder names: Unicode with '/' as the hierarchy separator in the API, Dovecot Maildir++ names on disk:
// `.Parent.Child`, each component in modified UTF-7 (RFC 3501 §5.1.3). A '.' inside a component would be
// read back as a separator, so it is rejected, as Dovecot does. Every name is validated here before a path
// is built from it: no empty components, no control characters, nothing that could escape the mailbox.
import { StoreError } from '../errors.js';

export const INBOX = 'INBOX';
const MAX_NAME = 255;

/** INBOX is case-insensitive (RFC 3501 §5.1), also as the first component of a child. */
export function normalizeFolderName(name: string): string {
  const parts = name.split('/');
  if (parts[0]?.toUpperCase() === INBOX) parts[0] = INBOX;
  return parts.join('/');
}

export function validateFolderName(name: string): string {
  const n = normalizeFolderName(name);
  if (n.length === 0 || n.length > MAX_NAME) throw new StoreError('invalid-name', 'invalid folder name');
  for (const part of n.split('/')) {
    if (part.length === 0) throw new StoreError('invalid-name', 'folder name has an empty level');
    if (part.includes('.')) throw new StoreError('invalid-name', "folder names cannot contain '.'");
    if (part === '..' || part.startsWith('~')) throw new StoreError('invalid-name', 'invalid folder name');
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      if (c < 0x20 || c === 0x7f) throw new StoreError('invalid-name', 'folder name has control characters');
    }
  }
  return n;
}

/** Directory name under the mailbox root ('' for INBOX). */
export function folderToDir(name: string): string {
  const n = validateFolderName(name);
  if (n === INBOX) return '';
  return '.' + n.split('/').map(encodeMutf7).join('.');
}

/** The folder name for a `.A.B` directory, or undefined for anything that is not one. */
export function dirToFolder(dir: string): string | undefined {
  if (!dir.startsWith('.') || dir === '.' || dir === '..' || dir.length < 2) return undefined;
  const parts = dir.slice(1).split('.');
  if (parts.some((p) => p.length === 0)) return undefined;
  try {
    return normalizeFolderName(parts.map(decodeMutf7).join('/'));
  } catch {
    return undefined;
  }
}

/** RFC 3501 modified UTF-7: printable ASCII as is ('&' as "&-"), the rest as base64 of UTF-16 in &…-. */
export function encodeMutf7(s: string): string {
  let out = '';
  let pending: number[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const buf = Buffer.alloc(pending.length * 2);
    pending.forEach((u, i) => buf.writeUInt16BE(u, i * 2));
    out += '&' + buf.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    pending = [];
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e) {
      flush();
      out += c === 0x26 ? '&-' : s[i];
    } else {
      pending.push(c);
    }
  }
  flush();
  return out;
}

export function decodeMutf7(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch !== '&') {
      out += ch;
      continue;
    }
    const end = s.indexOf('-', i + 1);
    if (end === -1) throw new Error('unterminated modified UTF-7');
    if (end === i + 1) out += '&';
    else {
      const buf = Buffer.from(s.slice(i + 1, end).replace(/,/g, '/'), 'base64');
      for (let j = 0; j + 1 < buf.length; j += 2) out += String.fromCharCode(buf.readUInt16BE(j));
    }
    i = end;
  }
  return out;
}

/** Validates a mailbox address's parts before they become path components. */
export function validateMailboxParts(domain: string, local: string): void {
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/.test(domain) || domain.length > 253) {
    throw new StoreError('invalid-name', 'invalid mailbox domain', domain);
  }
  if (local.length === 0 || local.length > 64 || local.startsWith('.') || /[/\\\0\s]/.test(local) || local === '..') {
    throw new StoreError('invalid-name', 'invalid mailbox local part', local);
  }
}
