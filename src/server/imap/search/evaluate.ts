// RFC 9051 §6.4.4 SEARCH (and RFC 3501 keys, RFC 7162 MODSEQ, RFC 5032 OLDER/YOUNGER, RFC 5182 `$`).
// Invariants: keys are ranked by cost and an AND evaluates cheap ones first (flags, size, dates and numbers
// from the in-memory state; then header-derived fields for SUBJECT/FROM/TO/CC/BCC/SENT*, kept in memory by
// field-cache.ts after the first load of a summary; then header bytes for HEADER; last, bodies for BODY/TEXT),
// so the expensive reads happen only for messages still in the running. Text matching is on decoded content
// (RFC 2047 headers, transfer encodings and charsets of text parts): NFC-normalised, case-insensitive
// substring. Search strings arrive already decoded from the command's CHARSET.
import { StoreError } from '../../../errors.js';
import type { Folder, MessageInfo } from '../../../maildir/types.js';
import type { MessageSummary } from '../../../mime/types.js';
import type { HeaderField } from '../../../mime/header-block.js';
import { decodeHeaderText } from '../../../mime/summarize.js';
import type { SearchDate, SearchKey, SequenceSet } from '../protocol/ast.js';
import { headerText, readBodyText, readHeaderFields } from './message-text.js';
import { cachedFields, pruneFields, remember, type SearchFields } from './field-cache.js';

/** The charsets SEARCH accepts; anything else answers NO [BADCHARSET (US-ASCII UTF-8)]. */
export const SEARCH_CHARSETS: readonly string[] = ['US-ASCII', 'UTF-8'];

export function isSearchCharset(charset: string | undefined): boolean {
  return charset === undefined || SEARCH_CHARSETS.includes(charset.toUpperCase());
}

export interface SearchContext {
  readonly folder: Folder;
  /** The session's view of the mailbox: message sequence number n is messages[n - 1]. */
  readonly messages: readonly MessageInfo[];
  /** \Recent in this session. */
  readonly isRecent: (uid: number) => boolean;
  /** UIDs of the saved search result (`$`, RFC 5182); empty when none was saved. */
  readonly saved?: ReadonlySet<number> | undefined;
  /** Clock for OLDER/YOUNGER; defaults to Date.now. */
  readonly now?: (() => number) | undefined;
  /** Offset from UTC in minutes used for INTERNALDATE calendar days; defaults to the server's zone. */
  readonly zoneOffset?: ((ms: number) => number) | undefined;
}

/** Cost classes: what a key must load. */
const enum Cost {
  State = 0,
  Summary = 1,
  Header = 2,
  Body = 3,
}

function cost(k: SearchKey): Cost {
  switch (k.kind) {
    case 'text':
      return k.key === 'BODY' || k.key === 'TEXT' ? Cost.Body : Cost.Summary;
    case 'header':
      return Cost.Header;
    case 'date':
      return k.key.startsWith('SENT') ? Cost.Summary : Cost.State;
    case 'not':
      return cost(k.key);
    case 'or':
      return Math.max(cost(k.left), cost(k.right));
    case 'and':
      return k.keys.reduce((m, c) => Math.max(m, cost(c)), Cost.State);
    default:
      return Cost.State;
  }
}

/** Orders AND members (recursively) cheapest first; OR puts its cheaper side first. */
function plan(k: SearchKey): SearchKey {
  switch (k.kind) {
    case 'and':
      return { kind: 'and', keys: k.keys.map(plan).sort((a, b) => cost(a) - cost(b)) };
    case 'or': {
      const l = plan(k.left);
      const r = plan(k.right);
      return cost(r) < cost(l) ? { kind: 'or', left: r, right: l } : { kind: 'or', left: l, right: r };
    }
    case 'not':
      return { kind: 'not', key: plan(k.key) };
    default:
      return k;
  }
}

function inSet(set: SequenceSet, n: number, max: number, uid: number, saved: ReadonlySet<number> | undefined): boolean {
  if (set.kind === 'saved') return saved?.has(uid) ?? false;
  for (const r of set.ranges) {
    const a = r.start === '*' ? max : r.start;
    const b = r.end === '*' ? max : r.end;
    if (n >= Math.min(a, b) && n <= Math.max(a, b)) return true;
  }
  return false;
}

const dayNumber = (d: SearchDate): number => Date.UTC(d.year, d.month - 1, d.day) / 86_400_000;

function localDay(ms: number, offsetMinutes: number): number {
  return Math.floor((ms + offsetMinutes * 60_000) / 86_400_000);
}

function compareDay(key: 'BEFORE' | 'ON' | 'SINCE', day: number, target: number): boolean {
  return key === 'BEFORE' ? day < target : key === 'ON' ? day === target : day >= target;
}

const has = (m: MessageInfo, flag: string): boolean => m.flags.includes(flag);
/** Unicode-normalised (NFC), lower-cased form used on both sides of every text comparison. */
const foldText = (s: string): string => (/[^\x00-\x7f]/.test(s) ? s.normalize('NFC') : s).toLowerCase();
const contains = (hay: string, needle: string): boolean => foldText(hay).includes(foldText(needle));

/** One message under evaluation; expensive inputs load once, on first use. */
class Candidate {
  private summaryP: Promise<MessageSummary> | undefined;
  private headerP: Promise<readonly HeaderField[]> | undefined;
  private bodyP: Promise<string> | undefined;

  constructor(
    readonly ctx: SearchContext,
    readonly info: MessageInfo,
    readonly seq: number,
    private readonly loadSummary: (uid: number) => Promise<MessageSummary> = (uid) => ctx.folder.summary(uid),
  ) {}

  summary(): Promise<MessageSummary> {
    this.summaryP ??= this.loadSummary(this.info.uid);
    return this.summaryP;
  }
  /** Header-derived fields, from the in-memory cache when this folder was searched before. */
  fields(): SearchFields | Promise<SearchFields> {
    return cachedFields(this.ctx.folder, this.info.uid) ?? this.summary().then((s) => remember(this.ctx.folder, this.info.uid, s));
  }
  async header(): Promise<readonly HeaderField[]> {
    this.headerP ??= this.summary().then((s) => readHeaderFields(this.ctx.folder, this.info.uid, s));
    return this.headerP;
  }
  async body(): Promise<string> {
    this.bodyP ??= this.summary().then((s) => readBodyText(this.ctx.folder, this.info.uid, s));
    return this.bodyP;
  }
}

/** Keys answerable from MessageInfo and session state alone. */
function testState(k: SearchKey, c: Candidate): boolean {
  const m = c.info;
  const ctx = c.ctx;
  switch (k.kind) {
    case 'flag':
      switch (k.key) {
        case 'ALL':
          return true;
        case 'ANSWERED':
          return has(m, '\\Answered');
        case 'DELETED':
          return has(m, '\\Deleted');
        case 'DRAFT':
          return has(m, '\\Draft');
        case 'FLAGGED':
          return has(m, '\\Flagged');
        case 'SEEN':
          return has(m, '\\Seen');
        case 'UNANSWERED':
          return !has(m, '\\Answered');
        case 'UNDELETED':
          return !has(m, '\\Deleted');
        case 'UNDRAFT':
          return !has(m, '\\Draft');
        case 'UNFLAGGED':
          return !has(m, '\\Flagged');
        case 'UNSEEN':
          return !has(m, '\\Seen');
        case 'RECENT':
          return ctx.isRecent(m.uid);
        case 'OLD':
          return !ctx.isRecent(m.uid);
        case 'NEW':
          return ctx.isRecent(m.uid) && !has(m, '\\Seen');
      }
      return false;
    case 'keyword': {
      const lower = k.flag.toLowerCase();
      const found = m.flags.some((f) => f.toLowerCase() === lower);
      return k.negate ? !found : found;
    }
    case 'size':
      return k.larger ? m.size > k.size : m.size < k.size;
    case 'seq':
      return inSet(k.set, c.seq, ctx.messages.length, m.uid, ctx.saved);
    case 'uid': {
      const maxUid = ctx.messages.length > 0 ? ctx.messages[ctx.messages.length - 1]!.uid : 0;
      return inSet(k.set, m.uid, maxUid, m.uid, ctx.saved);
    }
    case 'modseq':
      return m.modseq >= k.modseq;
    case 'within': {
      const age = ((ctx.now ?? Date.now)() - m.internalDate) / 1000;
      return k.older ? age >= k.seconds : age <= k.seconds;
    }
    case 'date': {
      const offset = ctx.zoneOffset ? ctx.zoneOffset(m.internalDate) : -new Date(m.internalDate).getTimezoneOffset();
      return compareDay(k.key as 'BEFORE' | 'ON' | 'SINCE', localDay(m.internalDate, offset), dayNumber(k.date));
    }
    case 'not':
      return !testState(k.key, c);
    case 'or':
      return testState(k.left, c) || testState(k.right, c);
    case 'and':
      return k.keys.every((x) => testState(x, c));
    default:
      return false;
  }
}

async function test(k: SearchKey, c: Candidate): Promise<boolean> {
  if (cost(k) === Cost.State) return testState(k, c);
  switch (k.kind) {
    case 'not':
      return !(await test(k.key, c));
    case 'or':
      return (await test(k.left, c)) || (await test(k.right, c));
    case 'and':
      for (const x of k.keys) if (!(await test(x, c))) return false;
      return true;
    case 'date': {
      const key = k.key.slice(4) as 'BEFORE' | 'ON' | 'SINCE';
      const day = (await c.fields()).sentDay ?? Math.floor(c.info.internalDate / 86_400_000);
      return compareDay(key, day, dayNumber(k.date));
    }
    case 'header': {
      const name = k.field.toLowerCase();
      const fields = (await c.header()).filter((f) => f.name === name);
      if (k.value === '') return fields.length > 0;
      return fields.some((f) => contains(decodeHeaderText(f.value), k.value));
    }
    case 'text': {
      switch (k.key) {
        case 'SUBJECT':
          return (await c.fields()).subject.includes(foldText(k.value));
        case 'FROM':
          return (await c.fields()).from.includes(foldText(k.value));
        case 'TO':
          return (await c.fields()).to.includes(foldText(k.value));
        case 'CC':
          return (await c.fields()).cc.includes(foldText(k.value));
        case 'BCC':
          return (await c.fields()).bcc.includes(foldText(k.value));
        case 'BODY':
          return contains(await c.body(), k.value);
        case 'TEXT':
          return contains(headerText(await c.header()), k.value) || contains(await c.body(), k.value);
      }
      return false;
    }
    default:
      return testState(k, c);
  }
}

/** Messages evaluated at once when keys need the message file: overlaps the store's reads. */
const CONCURRENCY = 32;

async function testOrSkip(k: SearchKey, c: Candidate): Promise<boolean> {
  try {
    return await test(k, c);
  } catch (err) {
    // expunged by another process since the view was taken: it matches nothing (RFC 9051 §7.5.1 keeps its number)
    if (err instanceof StoreError && (err.kind === 'expunged' || err.kind === 'not-found')) return false;
    throw err;
  }
}

/**
 * Evaluates a search key over the session's view; returns the matching message sequence numbers, ascending.
 * (UID SEARCH maps them through ctx.messages.) Messages that vanished from disk meanwhile do not match;
 * other store errors reject.
 */
export async function searchMessages(ctx: SearchContext, key: SearchKey): Promise<number[]> {
  const planned = plan(key);
  const n = ctx.messages.length;
  if (cost(planned) === Cost.State) {
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (testState(planned, new Candidate(ctx, ctx.messages[i]!, i + 1))) out.push(i + 1);
    return out;
  }
  if (cost(planned) === Cost.Summary) {
    // summaries only (usually from memory): a plain loop, no worker machinery per message
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (await testOrSkip(planned, new Candidate(ctx, ctx.messages[i]!, i + 1))) out.push(i + 1);
    pruneFields(ctx.folder);
    return out;
  }
  // summaries are fetched one at a time (the store's summary cache is not built for concurrent lookups);
  // file reads for HEADER/BODY/TEXT overlap
  let chain: Promise<unknown> = Promise.resolve();
  const loadSummary = (uid: number): Promise<MessageSummary> => {
    const p = chain.then(() => ctx.folder.summary(uid));
    chain = p.catch(() => undefined);
    return p;
  };
  const hits = new Uint8Array(n);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      if (await testOrSkip(planned, new Candidate(ctx, ctx.messages[i]!, i + 1, loadSummary))) hits[i] = 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, worker));
  pruneFields(ctx.folder);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (hits[i]) out.push(i + 1);
  return out;
}
