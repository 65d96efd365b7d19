// The differences from Dovecot that everlock keeps on purpose, each listed with its reason under "Where everlock
// answers differently from Dovecot" in docs/imap.md. A rule forgives one difference in one command's responses
// and nothing else: it names the command (and, where the difference follows from the scenario's history, the
// scenario) and the exact lines each side sends, and only removes lines that match.
import { lineDiff } from './line-diff.js';

export interface Block {
  /** The client line (`C: …`, `@2 C: …`); '' for what came before the first one. */
  readonly command: string;
  readonly lines: string[];
}

export interface Pair {
  readonly dovecot: readonly string[];
  readonly everlock: readonly string[];
}

export interface Context extends Pair {
  readonly scenario: string;
  readonly command: string;
  readonly index: number;
  readonly dovecotBlocks: readonly Block[];
  readonly everlockBlocks: readonly Block[];
}

export interface Kept {
  /** Names the bullet in docs/imap.md. */
  readonly id: string;
  /** The pair with what this difference explains removed, or undefined when it does not apply. */
  apply(ctx: Context): Pair | undefined;
}

/** A server line without its connection and `S: ` prefix. */
const text = (l: string): string => l.replace(/^(?:@\d+ )?S: /, '');
const commandText = (c: string): string => c.replace(/^(?:@\d+ )?C: /, '');

interface Scope {
  readonly scenario?: RegExp;
  readonly command: RegExp;
}

const inScope = (s: Scope, ctx: Context): boolean => (s.scenario === undefined || s.scenario.test(ctx.scenario)) && s.command.test(commandText(ctx.command));

const without = (lines: readonly string[], drop: ReadonlySet<number>): string[] => lines.filter((_l, i) => !drop.has(i));

/**
 * Lines only one side sends: each pattern in `dovecot` / `everlock` must match at least one of them (the
 * difference is there as a whole), the `…May` patterns may; every matched line is removed.
 */
function lines(id: string, s: Scope & { dovecot?: RegExp[]; everlock?: RegExp[]; dovecotMay?: RegExp[]; everlockMay?: RegExp[] }): Kept {
  return {
    id,
    apply(ctx) {
      if (!inScope(s, ctx)) return undefined;
      const diff = lineDiff(ctx.dovecot, ctx.everlock);
      const take = (side: readonly string[], only: number[], must: RegExp[] = [], may: RegExp[] = []): Set<number> | undefined => {
        const hit = new Set<number>();
        for (const re of must) {
          const found = only.filter((i) => re.test(text(side[i]!)));
          if (found.length === 0) return undefined;
          for (const i of found) hit.add(i);
        }
        for (const re of may) for (const i of only) if (re.test(text(side[i]!))) hit.add(i);
        return hit;
      };
      const d = take(ctx.dovecot, diff.onlyA, s.dovecot, s.dovecotMay);
      const e = take(ctx.everlock, diff.onlyB, s.everlock, s.everlockMay);
      if (!d || !e || d.size + e.size === 0) return undefined;
      return { dovecot: without(ctx.dovecot, d), everlock: without(ctx.everlock, e) };
    },
  };
}

/** A Dovecot line and an everlock line that say the same thing in two ways: `same(d, e)` (texts) decides. */
function pairs(id: string, same: (d: string, e: string) => boolean, s?: Scope): Kept {
  return {
    id,
    apply(ctx) {
      if (s && !inScope(s, ctx)) return undefined;
      const diff = lineDiff(ctx.dovecot, ctx.everlock);
      const d = new Set<number>();
      const e = new Set<number>();
      for (const i of diff.onlyA) {
        const j = diff.onlyB.find((j) => !e.has(j) && same(text(ctx.dovecot[i]!), text(ctx.everlock[j]!)));
        if (j === undefined) continue;
        d.add(i);
        e.add(j);
      }
      if (d.size === 0) return undefined;
      return { dovecot: without(ctx.dovecot, d), everlock: without(ctx.everlock, e) };
    },
  };
}

const words = (list: string): string[] => list.split(' ').filter(Boolean);
const SPECIAL_USE = new Set(['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash']);
const CHILDREN = new Set(['\\HasChildren', '\\HasNoChildren']);

/** A LIST/LSUB line split into its attributes and the rest. */
function listParts(l: string): { head: string; attrs: string[]; rest: string } | undefined {
  const m = /^(\* (?:LIST|LSUB) )\(([^)]*)\)(.*)$/s.exec(l);
  return m ? { head: m[1]!, attrs: words(m[2]!), rest: m[3]! } : undefined;
}

function dropAttrs(l: string, drop: (a: string) => boolean): string {
  const m = /^((?:(?:@\d+ )?S: )?\* (?:LIST|LSUB) )\(([^)]*)\)(.*)$/s.exec(l);
  if (!m) return l;
  return `${m[1]}(${words(m[2]!).filter((a) => !drop(a)).join(' ')})${m[3]}`;
}

/** Literals in a line, with the text between them. */
function splitLiterals(l: string): { texts: string[]; literals: string[] } {
  const texts: string[] = [];
  const literals: string[] = [];
  let rest = l;
  for (;;) {
    const m = /\{(\d+)\}\r\n/.exec(rest);
    if (!m) break;
    texts.push(rest.slice(0, m.index));
    const from = m.index + m[0].length;
    literals.push(rest.slice(from, from + Number(m[1])));
    rest = rest.slice(from + Number(m[1]));
  }
  texts.push(rest);
  return { texts, literals };
}

/** FETCH items of a canonical `* n FETCH (...)` line holding only flag data (FLAGS, UID, MODSEQ). */
const FLAG_UPDATE = /^\* (\d+) FETCH \(FLAGS \([^)]*\)(?: MODSEQ \(M\))?( UID \d+)?\)$/;

export const KEPT: readonly Kept[] = [
  // An extended LIST (selection options, RETURN, several patterns) answers with the child and special-use
  // attributes everlock always sends (RFC 5258 §4, RFC 6154 §2 allow them unasked); Dovecot leaves them out.
  {
    id: 'list-extra-attributes',
    apply(ctx) {
      const cmd = commandText(ctx.command);
      if (!/^\S+ LIST (?:\(|"[^"]*" \(|.* RETURN \()/.test(cmd)) return undefined;
      const ret = /RETURN \((.*)\)$/.exec(cmd)?.[1] ?? '';
      const asked = { children: /\bCHILDREN\b/.test(ret), use: /SPECIAL-USE/.test(cmd) };
      // Dovecot's attributes per mailbox: what it sends of a kind must still match exactly.
      const dovecot = new Map(ctx.dovecot.map((l) => listParts(text(l))).flatMap((p) => (p ? [[p.rest, p.attrs] as [string, string[]]] : [])));
      let changed = false;
      const everlock = ctx.everlock.map((l) => {
        const theirs = dovecot.get(listParts(text(l))?.rest ?? '');
        if (!theirs) return l;
        const out = dropAttrs(
          l,
          (a) => (!asked.children && CHILDREN.has(a) && !theirs.some((x) => CHILDREN.has(x))) || (!asked.use && SPECIAL_USE.has(a) && !theirs.some((x) => SPECIAL_USE.has(x))),
        );
        if (out !== l) changed = true;
        return out;
      });
      return changed ? { dovecot: ctx.dovecot, everlock } : undefined;
    },
  },

  lines('highestmodseq', { command: /\b(?:SELECT|EXAMINE|ENABLE)\b/i, everlock: [/^\* OK \[HIGHESTMODSEQ M\] …$/] }),

  // RFC 2046 §5.1.1: the CRLF before a boundary belongs to the boundary, so a nested multipart ends at its
  // close delimiter; Dovecot's copy of the part has that CRLF too.
  pairs('nested-multipart-crlf', (d, e) => {
    const a = splitLiterals(d);
    const b = splitLiterals(e);
    if (a.literals.length !== b.literals.length || a.literals.length === 0) return false;
    let any = false;
    for (let k = 0; k < a.literals.length; k++) {
      const x = a.literals[k]!;
      const y = b.literals[k]!;
      if (x === y) continue;
      if (x !== y + '\r\n' || !/\r\n--[^\r\n]+--$/.test(y)) return false;
      any = true;
    }
    return any && a.texts.join('{}') === b.texts.join('{}');
  }),
  lines('no-boundary-multipart', {
    scenario: /bare LF/,
    command: /^d FETCH 2:4 \(BODYSTRUCTURE\)$|^f FETCH 4 \(BODY\[1\] BODY\[TEXT\]\)$/,
    dovecot: [/^\* 4 FETCH \(/],
    everlock: [/^\* 4 FETCH \(/],
  }),

  lines('partial-or-part-zero', {
    command: /BODY\[\]<\d+\.0>|BODY\[(?:\d+\.)*0\]/,
    dovecot: [/^\* \d+ FETCH \(/, /^\S+ OK …$/],
    everlock: [/^\S+ BAD …$/],
  }),

  lines('range-past-end', { command: /^\S+ SEARCH 5:\*$/, dovecot: [/^\* SEARCH$/], everlock: [/^\* SEARCH 3$/] }),

  lines('status-selected', { command: /^\S+ STATUS /, dovecot: [/^\S+ OK \[CLIENTBUG\] …$/], everlock: [/^\S+ OK …$/] }),
  lines('status-selected', {
    scenario: /two sessions/,
    command: /^w STATUS INBOX \(MESSAGES\)$/,
    dovecot: [/^\* STATUS INBOX \(MESSAGES 2\)$/],
    everlock: [/^\* STATUS INBOX \(MESSAGES 1\)$/, /^\* 1 EXPUNGE$/],
    everlockMay: [/^\* 0 RECENT$/],
  }),
  lines('status-selected', { scenario: /two sessions/, command: /^x CHECK$/, dovecot: [/^\* 1 EXPUNGE$/], dovecotMay: [/^\* 0 RECENT$/] }),

  lines('rename-inbox', { scenario: /rename INBOX/, command: /^b RENAME INBOX Old$/, dovecot: [/^b NO \[CANNOT\] …$/], everlock: [/^b OK …$/] }),
  lines('rename-inbox', {
    scenario: /rename INBOX/,
    command: /^c STATUS INBOX/,
    dovecot: [/^\* STATUS INBOX \(MESSAGES 3 UIDNEXT 4\)$/],
    everlock: [/^\* STATUS INBOX \(MESSAGES 0 UIDNEXT 4\)$/],
  }),
  lines('rename-inbox', {
    scenario: /rename INBOX/,
    command: /^d STATUS Old/,
    dovecot: [/^d NO …$/],
    everlock: [/^\* STATUS Old \(MESSAGES 3 UIDNEXT 4\)$/, /^d OK …$/],
  }),
  lines('rename-inbox', { scenario: /rename INBOX/, command: /^e LIST /, everlock: [/^\* LIST \(\\HasNoChildren\) "\/" Old$/] }),
  lines('rename-inbox', { scenario: /rename INBOX/, command: /^f RENAME Old INBOX$/, dovecot: [/^f NO \[NONEXISTENT\] …$/], everlock: [/^f NO \[ALREADYEXISTS\] …$/] }),

  // CREATE a/b/c (and RENAME to x/y) make the superior names real mailboxes; Dovecot lists them \Noselect
  // (\NonExistent in an extended LIST), so CREATE of one is ALREADYEXISTS and DELETE of one works.
  pairs(
    'superiors-are-mailboxes',
    (d, e) => {
      const a = listParts(d);
      const b = listParts(e);
      if (!a || !b || a.head !== b.head || a.rest !== b.rest || !/^ "\/" (?:Caf&AOk-|x)$/.test(a.rest)) return false;
      const extra = a.attrs.filter((x) => !b.attrs.includes(x));
      return b.attrs.every((x) => a.attrs.includes(x)) && extra.length === 1 && (extra[0] === '\\Noselect' || extra[0] === '\\NonExistent');
    },
    // Caf&AOk- (from CREATE Caf&AOk-/Sub) and x (from RENAME a/b x/y) are the superiors in that scenario.
    { scenario: /mailbox management/, command: /LIST/ },
  ),
  lines('superiors-are-mailboxes', { scenario: /mailbox management/, command: /^(?:b CREATE a|b2 CREATE a\/b)$/, dovecot: [/^\S+ OK …$/], everlock: [/^\S+ NO \[ALREADYEXISTS\] …$/] }),
  lines('superiors-are-mailboxes', {
    scenario: /mailbox management|sequence sets/,
    command: /^\S+ DELETE (?:x|p)$/,
    dovecot: [/^\S+ NO \[NONEXISTENT\] …$/],
    everlock: [/^\S+ OK …$/],
  }),

  lines('superiors-are-mailboxes', {
    scenario: /mailbox management/,
    command: /^b5 LIST "" % RETURN \(STATUS/,
    // The LIST lines pair up above; a mailbox also gets its STATUS.
    everlock: [/^\* STATUS Caf&AOk- \(MESSAGES 0 UNSEEN 0\)$/],
  }),
  // DELETE of a mailbox with inferiors leaves its name \Noselect (RFC 3501 §6.3.4); Dovecot lists it without.
  lines('delete-parent', {
    scenario: /mailbox management/,
    command: /^i LIST "" a\*$/,
    dovecot: [/^\* LIST \(\\HasChildren\) "\/" a$/],
    everlock: [/^\* LIST \(\\HasChildren \\Noselect\) "\/" a$/],
  }),

  lines('store-read-only', { command: /^\S+ (?:UID )?STORE /, dovecot: [/^\S+ OK …$/], everlock: [/^\S+ NO \[READ-ONLY\] …$/] }),

  // Another session's flag change: with the UID, and also when the message is expunged right after.
  pairs('uid-in-flag-updates', (d, e) => FLAG_UPDATE.test(e) && e.replace(/ UID \d+\)$/, ')') === d && !/ UID /.test(d)),
  {
    id: 'uid-in-flag-updates',
    apply(ctx) {
      const diff = lineDiff(ctx.dovecot, ctx.everlock);
      const drop = new Set(
        diff.onlyB.filter((j) => {
          const m = FLAG_UPDATE.exec(text(ctx.everlock[j]!));
          return m?.[2] !== undefined && ctx.everlock.slice(j + 1).some((l) => text(l) === `* ${m[1]} EXPUNGE`);
        }),
      );
      return drop.size ? { dovecot: ctx.dovecot, everlock: without(ctx.everlock, drop) } : undefined;
    },
  },

  // A UID command announces the expunges pending for the session before its own results (RFC 3501 §7.4.1
  // allows EXPUNGE during UID commands), so its results leave the expunged messages out.
  {
    id: 'expunges-before-uid-results',
    apply(ctx) {
      if (!/^\S+ UID (?:FETCH|SEARCH) /.test(commandText(ctx.command))) return undefined;
      const expunges = (ls: readonly string[]): string[] => ls.map(text).filter((l) => /^\* \d+ EXPUNGE$/.test(l));
      const de = expunges(ctx.dovecot);
      const ee = expunges(ctx.everlock);
      if (de.length === 0 || de.join() !== ee.join()) return undefined;
      // Everlock sends them first, Dovecot last.
      const firstResult = ctx.everlock.findIndex((l) => !/^\* \d+ EXPUNGE$/.test(text(l)));
      if (firstResult !== ee.length) return undefined;
      const dr = ctx.dovecot.filter((l) => !/^\* \d+ EXPUNGE$/.test(text(l)));
      const er = ctx.everlock.slice(ee.length);
      const search = (ls: readonly string[]): number[] | undefined => {
        const m = ls.map(text).find((l) => l.startsWith('* SEARCH'));
        return m === undefined ? undefined : words(m.slice(8)).map(Number);
      };
      const ds = search(dr);
      const es = search(er);
      if (ds && es) {
        if (ds.length - es.length !== de.length || !es.every((u) => ds.includes(u))) return undefined;
        return { dovecot: er, everlock: er };
      }
      // FETCH results: Dovecot's still number the expunged messages; compare by UID.
      const byUid = (ls: readonly string[]): Map<string, string> =>
        new Map(ls.map(text).flatMap((l) => {
          const m = /^\* \d+ FETCH (.* UID (\d+)\))$/.exec(l) ?? /^\* \d+ FETCH (\(UID (\d+).*)$/.exec(l);
          return m ? [[m[2]!, m[1]!] as [string, string]] : [];
        }));
      const dm = byUid(dr);
      const em = byUid(er);
      if (dm.size - em.size !== de.length) return undefined;
      for (const [uid, items] of em) if (dm.get(uid) !== items) return undefined;
      return { dovecot: er, everlock: er };
    },
  },

  lines('store-unchanged-flags', { scenario: /^store/, command: /^g UID STORE 3 -FLAGS \(\\Seen\)$/, everlock: [/^\* 3 FETCH \(FLAGS \((?:\\Recent)?\) UID 3\)$/] }),

  lines('badcharset-list', { command: /CHARSET/, dovecot: [/^\S+ NO \[BADCHARSET\] …$/], everlock: [/^\S+ NO \[BADCHARSET \([^)]+\)\] …$/] }),

  // FLAGS names the keywords the folder's messages carry; Dovecot also keeps those no message has any more.
  pairs(
    'keywords-in-use',
    (d, e) => {
      const m1 = /^(\* FLAGS \(|\* OK \[PERMANENTFLAGS \()([^)]*)\)/.exec(d);
      const m2 = /^(\* FLAGS \(|\* OK \[PERMANENTFLAGS \()([^)]*)\)/.exec(e);
      if (!m1 || !m2 || m1[1] !== m2[1]) return false;
      const a = words(m1[2]!);
      const b = words(m2[2]!);
      return b.every((f) => a.includes(f)) && a.filter((f) => !b.includes(f)).every((f) => !f.startsWith('\\'));
    },
    { command: /^\S+ (?:SELECT|EXAMINE) / },
  ),

  pairs('status-inbox-name', (d, e) => /^\* STATUS INBOX /.test(e) && /^\* STATUS inbox /i.test(d) && d.slice(14) === e.slice(14)),

  pairs('lsub-special-use', (d, e) => d.startsWith('* LSUB ') && dropAttrs(d, (a) => SPECIAL_USE.has(a)) === e),

  // The data of a non-synchronising literal belongs to its command even when the command is BAD; Dovecot
  // reads it as the next command (`x BAD`, then `* BAD` for the empty line).
  {
    id: 'literal-of-bad-command',
    apply(ctx) {
      const prev = ctx.dovecotBlocks[ctx.index - 1];
      if (!prev || !/\{\d+\+\}/.test(prev.command) || !prev.lines.some((l) => / BAD …$/.test(text(l)))) return undefined;
      const lead = ctx.dovecot.findIndex((l) => !/^(?:x|\*) BAD …$/.test(text(l)));
      if (lead <= 0) return undefined;
      return { dovecot: ctx.dovecot.slice(lead), everlock: ctx.everlock };
    },
  },

  lines('huge-literal', { command: /\{\d{10,}\+\}$/, dovecot: [/^<no response>$/], everlock: [/^\* BYE …$/] }),

  // RFC 5530 codes where Dovecot sends none.
  pairs('response-codes', (d, e) => {
    const a = /^(\S+) NO …$/.exec(d);
    const b = /^(\S+) NO \[(?:NONEXISTENT|CANNOT)\] …$/.exec(e);
    return !!a && !!b && a[1] === b[1];
  }),

  lines('strict-grammar', {
    scenario: /wrong state/,
    command: /^(?:f NOOP extra|u SELECT INBOX extra junk|a7 ENABLE)$/,
    dovecot: [/^\S+ OK /],
    dovecotMay: [/^\* /],
    everlock: [/^\S+ BAD …$/],
  }),
  lines('strict-grammar', { scenario: /wrong state/, command: /^v SELECT INBOX$/, dovecot: [/^\* OK \[CLOSED\] …$/] }),

  pairs('part-below-leaf', (d, e) => d.replace('BODY[3.1.1] {11}\r\nInner text.', 'BODY[3.1.1] ""') === e, { command: /BODY\[3\.1\.1\]/ }),

  // A message APPENDed by one session while another, with the same mailbox selected, sits in IDLE: \Recent goes
  // to whichever session is told first (RFC 3501 §2.3.2). Dovecot's appender always wins; in everlock the IDLE
  // push and the APPEND's own reply race, so the RECENT counts of both sessions (and what follows from them)
  // may differ by that one message.
  lines('recent-race-idle-append', { scenario: /^idle push$/, command: /./, dovecotMay: [/^\* \d+ RECENT$/], everlockMay: [/^\* \d+ RECENT$/] }),

  // `* n RECENT` follows every `* n EXISTS` (RFC 3501 §7.3.2), also when the count is the one last sent.
  {
    id: 'recent-with-exists',
    apply(ctx) {
      const conn = (l: string): string => /^(@\d+ )?/.exec(l)![0];
      // The last RECENT count each connection was told before this block.
      const last = new Map<string, string>();
      for (const l of ctx.everlockBlocks.slice(0, ctx.index).flatMap((b) => b.lines)) if (/^\* \d+ RECENT$/.test(text(l))) last.set(conn(l), text(l));
      const only = new Set(lineDiff(ctx.dovecot, ctx.everlock).onlyB);
      const drop = new Set<number>();
      ctx.everlock.forEach((l, j) => {
        if (!/^\* \d+ RECENT$/.test(text(l))) return;
        const prev = ctx.everlock[j - 1];
        const unchanged = last.get(conn(l)) === text(l);
        if (only.has(j) && unchanged && prev !== undefined && conn(prev) === conn(l) && / EXISTS$/.test(prev)) drop.add(j);
        last.set(conn(l), text(l));
      });
      return drop.size ? { dovecot: ctx.dovecot, everlock: without(ctx.everlock, drop) } : undefined;
    },
  },

  lines('enable-nothing', { command: /^\S+ ENABLE /, everlock: [/^\* ENABLED$/] }),

  lines('expunged-elsewhere', {
    scenario: /two sessions/,
    command: /^f FETCH 1:\* \(FLAGS\)$/,
    dovecot: [/^\* 2 FETCH \(FLAGS \(\$Work \\Deleted \\Flagged \\Recent\)\)$/],
    everlock: [/^\* 2 FETCH \(FLAGS \(\$Work \\Flagged \\Recent\)\)$/],
  }),
  lines('expunged-elsewhere', {
    command: /^\S+ FETCH /,
    dovecot: [/^\S+ OK \[EXPUNGEISSUED\] …$/],
    dovecotMay: [/^\* \d+ FETCH \(/],
    everlock: [/^\S+ NO \[EXPUNGEISSUED\] …$/],
  }),

  pairs('envelope-forms', (d, e) => d.replace(/"MISSING_MAILBOX" "MISSING_DOMAIN"/g, '"" ""').replace(/"(<[^"<>]*>)\s+"\)\)$/, '"$1"))') === e, {
    command: /ENVELOPE/,
  }),

  lines('sent-date-fallback', { scenario: /envelope and structure edge/, command: /^i SEARCH SENTBEFORE 1-Jan-2000$/, dovecot: [/^\* SEARCH 2 3$/], everlock: [/^\* SEARCH$/] }),

  lines('status-deleted', { command: /^\S+ STATUS .*\bDELETED\b/, dovecot: [/^\S+ BAD …$/], everlock: [/^\* STATUS /, /^\S+ OK …$/] }),

  // CREATE … (USE (…)) keeps the special use or refuses it with USEATTR (RFC 6154 §5.2); Dovecot takes special
  // use from its configuration only, ignores USE, and recreates its configured folders when they are deleted.
  lines('create-special-use', { scenario: /mailbox management/, command: /^c2 CREATE Stuff/, dovecot: [/^c2 OK …$/], everlock: [/^c2 NO \[USEATTR\] …$/] }),
  lines('create-special-use', {
    scenario: /mailbox management/,
    command: /^c3 LIST "" Projects/,
    dovecot: [/^\* LIST \(\) "\/" Projects$/],
    everlock: [/^\* LIST \(\\Flagged\) "\/" Projects$/],
  }),
  lines('create-special-use', {
    scenario: /mailbox management/,
    command: /^c5 LIST "" \*$/,
    dovecot: [/^\* LIST \(\\HasNoChildren\) "\/" (?:Projects|Stuff)$/, /^\* LIST \(\\HasNoChildren \\Sent\) "\/" Sent$/],
    everlock: [/^\* LIST \(\\Flagged \\HasNoChildren\) "\/" Projects$/],
  }),
];
