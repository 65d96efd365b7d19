// Random and mutated IMAP command lines for the fuzz tests: a seeded generator (reproducible failures),
// a corpus of valid commands covering every command and argument form, and byte- and token-level mutations.

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

export const CORPUS: readonly string[] = [
  'NOOP', 'CAPABILITY', 'CHECK', 'NAMESPACE', 'ID ("name" "fuzz" "version" "1")', 'ID NIL', 'ENABLE CONDSTORE', 'ENABLE QRESYNC UTF8=ACCEPT',
  'SELECT INBOX', 'EXAMINE INBOX', 'SELECT INBOX (CONDSTORE)', 'SELECT INBOX (QRESYNC (1 1 1:5))', 'SELECT "Sent"',
  'CREATE foo', 'CREATE "foo/bar"', 'CREATE Entw&APw-rfe', 'CREATE x (USE (\\Archive))', 'DELETE foo', 'RENAME foo baz', 'RENAME INBOX old',
  'SUBSCRIBE foo', 'UNSUBSCRIBE foo', 'LIST "" *', 'LIST "" %', 'LIST "" ""', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" *',
  'LIST (SPECIAL-USE) "" * RETURN (STATUS (MESSAGES UNSEEN SIZE))', 'LIST "" (INBOX Sent) RETURN (CHILDREN SUBSCRIBED)', 'LSUB "" *', 'LSUB "" %',
  'STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE)', 'STATUS Sent (MESSAGES)',
  'APPEND INBOX {10+}\r\nSubject: x', 'APPEND INBOX (\\Seen $Junk) "17-Jul-1996 02:44:25 -0700" {12+}\r\nSubject: y\r\n',
  'FETCH 1 (FLAGS)', 'FETCH 1:* (UID FLAGS)', 'FETCH 1 ALL', 'FETCH 1 FULL', 'FETCH * FAST', 'FETCH 1 (BODY[])', 'FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject From)])',
  'FETCH 1 (BODY[1]<0.10>)', 'FETCH 1 (BODY[TEXT] BODY[1.MIME] BODYSTRUCTURE ENVELOPE)', 'FETCH 1 (RFC822 RFC822.HEADER RFC822.TEXT RFC822.SIZE INTERNALDATE)',
  'FETCH 1 (BINARY[1] BINARY.SIZE[1] BINARY.PEEK[1]<0.5>)', 'FETCH 1:* (FLAGS) (CHANGEDSINCE 1)', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)',
  'UID FETCH 1:* (UID FLAGS)', 'UID FETCH 2,4:6 BODY.PEEK[HEADER]', 'STORE 1 +FLAGS (\\Seen)', 'STORE 1:* -FLAGS.SILENT (\\Deleted $x)',
  'STORE 1 FLAGS \\Flagged \\Draft', 'STORE 1 (UNCHANGEDSINCE 3) +FLAGS (\\Answered)', 'UID STORE 1:* +FLAGS ($Forwarded)',
  'SEARCH ALL', 'SEARCH CHARSET UTF-8 SUBJECT "message"', 'SEARCH OR FROM sender1 TO alice NOT SEEN', 'SEARCH (LARGER 10 SMALLER 100000) UID 1:*',
  'SEARCH SINCE 1-Jan-2020 BEFORE "1-Jan-2030" SENTON 2-Nov-2026', 'SEARCH HEADER Message-ID m1 BODY "Body" TEXT message', 'SEARCH KEYWORD $x UNKEYWORD $y',
  'SEARCH RETURN (MIN MAX COUNT ALL) ALL', 'SEARCH RETURN (SAVE) SEEN', 'SEARCH $', 'SEARCH MODSEQ 2', 'SEARCH OLDER 10 YOUNGER 100000', 'SEARCH CHARSET KOI8-R ALL',
  'UID SEARCH 1:* NEW OLD RECENT ANSWERED DELETED DRAFT FLAGGED UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN',
  'SORT (SUBJECT REVERSE DATE) UTF-8 ALL', 'UID SORT (ARRIVAL FROM SIZE) US-ASCII SEEN', 'SORT (DISPLAYFROM CC TO) UTF-8 ALL',
  'COPY 1 Sent', 'COPY 1:* nosuch', 'UID COPY 1:3 Archive', 'MOVE 1 Trash', 'UID MOVE 2 Archive', 'EXPUNGE', 'UID EXPUNGE 1:2',
  'GETQUOTAROOT INBOX', 'GETQUOTA ""', 'SETQUOTA "" (STORAGE 10)', 'CLOSE', 'UNSELECT', 'LOGIN alice@example.com secret',
];

const SPECIALS = ['(', ')', '"', '{', '}', '*', '%', '\\', '[', ']', '<', '>', '.', ':', ',', ' ', '$', '+', '-', '~', '0', '1', '4294967296', '\x00', '\x7f', '\xff', 'é'];
const TOKENS = ['NIL', '()', '(', ')', '""', '"\\"', 'INBOX', '1:*', '*', '0', '99999999999', 'BODY[', 'BODY[]<', '{5}', '{1+}', '~{2}', 'UID', 'RETURN', 'CHARSET', 'NOT', 'OR', '\\Seen', '$'];

/** One fuzzed command body (without tag): random garbage, a mutation of a corpus line, or a splice of two. */
export function fuzzLine(r: () => number): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const mode = r();
  let line: string;
  if (mode < 0.1) {
    const n = Math.floor(r() * 12);
    line = Array.from({ length: n }, () => (r() < 0.5 ? pick(TOKENS) : pick(SPECIALS))).join(r() < 0.7 ? ' ' : '');
  } else if (mode < 0.2) {
    const a = pick(CORPUS).split(' ');
    const b = pick(CORPUS).split(' ');
    line = [...a.slice(0, 1 + Math.floor(r() * a.length)), ...b.slice(Math.floor(r() * b.length))].join(' ');
  } else {
    line = pick(CORPUS);
    const edits = 1 + Math.floor(r() * 4);
    for (let i = 0; i < edits; i++) {
      const at = Math.floor(r() * (line.length + 1));
      const e = r();
      if (e < 0.3) line = line.slice(0, at) + pick(SPECIALS) + line.slice(at);
      else if (e < 0.5) line = line.slice(0, at) + line.slice(at + 1 + Math.floor(r() * 3));
      else if (e < 0.65) line = line.slice(0, at);
      else if (e < 0.8) {
        const words = line.split(' ');
        words[Math.floor(r() * words.length)] = pick(TOKENS);
        line = words.join(' ');
      } else if (e < 0.9) line = line.slice(0, at) + String(Math.floor(r() * 1e6)) + line.slice(at);
      else if (mode > 0.95) line = line.slice(0, at) + line.slice(0, at) + line.slice(at);
    }
    if (mode > 0.9 && !line.includes('\r\n')) line = line.toUpperCase();
  }
  return line;
}

/**
 * Makes a fuzzed body safe to pipeline: a literal it contains gets its true length (LITERAL+, so nothing waits
 * for a continuation) and runs to the end of the line; without one, line breaks become spaces and a trailing
 * literal header is defused. The server must still cope with everything else in it.
 */
export function selfContained(body: string): string {
  const m = /~?\{(\d+)\+?\}\r\n/.exec(body);
  if (m) {
    const head = body.slice(0, m.index).replace(/[\r\n]/g, ' ');
    const data = body.slice(m.index + m[0].length);
    return `${head}{${Buffer.byteLength(data, 'latin1')}+}\r\n${data}`;
  }
  const flat = body.replace(/[\r\n]/g, ' ');
  return /\{\d+\+?\}$/.test(flat) ? flat + ' x' : flat;
}
