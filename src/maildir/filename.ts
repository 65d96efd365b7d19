// Maildir file names: `<secs>.M<usecs>P<pid>Q<n>.<host>,S=<size>,W=<crlf size>` plus `:2,<flags>` in cur/.
// The part before ':' (the "base") never changes for the life of a message: the uidlist and every cache key
// on it, while flags live only in the info part and change by rename. Unknown info letters (e.g. P, "passed",
// which IMAP has no flag for) are preserved across flag changes, as Dovecot does.
import { hostname } from 'node:os';
import type { Flag } from './types.js';

const SYSTEM_TO_LETTER: Readonly<Record<string, string>> = {
  '\\draft': 'D',
  '\\flagged': 'F',
  '\\answered': 'R',
  '\\seen': 'S',
  '\\deleted': 'T',
};
const LETTER_TO_SYSTEM: Readonly<Record<string, Flag>> = {
  D: '\\Draft',
  F: '\\Flagged',
  R: '\\Answered',
  S: '\\Seen',
  T: '\\Deleted',
};

let counter = 0;
let cachedHost: string | undefined;

/** Dovecot escapes '/' and ':' in the host part so the name stays one path component without an info part. */
function safeHost(): string {
  cachedHost ??= hostname().replace(/\//g, '\\057').replace(/:/g, '\\072') || 'localhost';
  return cachedHost;
}

/** A name unique on this host: time, microseconds, pid and a per-process counter. */
export function uniqueBase(now = Date.now()): string {
  const secs = Math.floor(now / 1000);
  const usecs = (now % 1000) * 1000 + Math.floor((performance.now() % 1) * 1000);
  counter = (counter + 1) % 1_000_000_000;
  return `${secs}.M${usecs}P${process.pid}Q${counter}.${safeHost()}`;
}

/** The base with Dovecot's size fields: S= bytes on disk, W= bytes in CRLF form. */
export function withSizes(unique: string, size: number, crlfSize: number): string {
  return `${unique},S=${size},W=${crlfSize}`;
}

export interface ParsedName {
  /** Everything before ':' (the uidlist key). */
  readonly base: string;
  /** The flag letters after ':2,' ('' in new/ or when absent). */
  readonly info: string;
  /** From ',S=' and ',W=' when present. */
  readonly size: number | undefined;
  readonly crlfSize: number | undefined;
}

export function splitName(name: string): { base: string; info: string } {
  const colon = name.indexOf(':');
  if (colon === -1) return { base: name, info: '' };
  const rest = name.slice(colon + 1);
  return { base: name.slice(0, colon), info: rest.startsWith('2,') ? rest.slice(2) : '' };
}

/** The flag letters of a cur/ name ('' when it has no `:2,` part). */
export function infoOf(name: string): string {
  const colon = name.indexOf(':');
  if (colon === -1 || name.charCodeAt(colon + 1) !== 50 /* 2 */ || name.charCodeAt(colon + 2) !== 44 /* , */) return '';
  return colon + 3 === name.length ? '' : name.slice(colon + 3);
}

export function baseOf(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(0, colon);
}

/** Reads `,X=<digits>` from a base without allocating a split array. */
export function sizeField(base: string, key: 'S' | 'W'): number | undefined {
  const at = base.indexOf(`,${key}=`);
  if (at === -1) return undefined;
  let i = at + 3;
  let n = 0;
  let digits = 0;
  for (; i < base.length; i++) {
    const c = base.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
    digits++;
  }
  return digits > 0 && (i === base.length || base[i] === ',') ? n : undefined;
}

export function parseName(name: string): ParsedName {
  const { base, info } = splitName(name);
  return { base, info, size: sizeField(base, 'S'), crlfSize: sizeField(base, 'W') };
}

/** Names we never treat as messages: dot files, and names with CR/LF or '/' (Dovecot ignores those too). */
export function isMessageName(name: string): boolean {
  return name.length > 0 && name[0] !== '.' && !/[\r\n/]/.test(name);
}

/** Keyword letters a–z map to indexes 0–25 of dovecot-keywords. */
export function infoToFlags(info: string, keywords: readonly string[]): Flag[] {
  const out: Flag[] = [];
  for (const ch of info) {
    const system = LETTER_TO_SYSTEM[ch];
    if (system) out.push(system);
    else if (ch >= 'a' && ch <= 'z') {
      const kw = keywords[ch.charCodeAt(0) - 97];
      if (kw !== undefined) out.push(kw);
    }
  }
  return out;
}

/**
 * The info string for a flag set. `keywordIndex` returns the letter index of a keyword (it may extend
 * dovecot-keywords). `preserve` is the old info: letters we do not manage are kept.
 */
export function flagsToInfo(flags: readonly Flag[], keywordIndex: (kw: string) => number, preserve = ''): string {
  const letters = new Set<string>();
  for (const ch of preserve) {
    if (!(ch in LETTER_TO_SYSTEM) && !(ch >= 'a' && ch <= 'z') && ch !== ',') letters.add(ch);
  }
  for (const f of flags) {
    const sys = SYSTEM_TO_LETTER[f.toLowerCase()];
    if (sys) letters.add(sys);
    else if (!f.startsWith('\\')) letters.add(String.fromCharCode(97 + keywordIndex(f)));
  }
  return [...letters].sort().join('');
}

export function isSystemFlag(f: string): boolean {
  return f.toLowerCase() in SYSTEM_TO_LETTER;
}

/** Canonical spelling of a flag (system flags case-insensitive). */
export function normalizeFlag(f: string): Flag {
  const sys = SYSTEM_TO_LETTER[f.toLowerCase()];
  return sys ? (LETTER_TO_SYSTEM[sys] as Flag) : f;
}

/** The file name in cur/ for a base and info. */
export function curName(base: string, info: string): string {
  return `${base}:2,${info}`;
}
