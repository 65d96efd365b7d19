// Points where a comparison with Dovecot (test/imap/dovecot-diff) showed everlock off the RFC; each case
// here failed before its fix.
import { describe, expect, it } from 'vitest';
import { appendMessage, openSession, SAMPLE, tagged, type Harness } from './harness.js';
import { transcript } from './transcript.js';

async function loggedIn(): Promise<Harness> {
  const h = await openSession();
  await h.client.command('LOGIN bob@example.com hunter2');
  return h;
}

describe('LIST-EXTENDED (RFC 5258)', () => {
  it('an implied parent is \\Noselect in a base LIST and \\NonExistent in an extended one', async () => {
    const h = await loggedIn();
    await transcript(h.client, `
      C: a1 CREATE x/y
      S: a1 OK ...
      C: a2 DELETE x
      S: a2 OK ...
      C: a3 LIST "" x
      S: * LIST (\\Noselect \\HasChildren) "/" x
      S: a3 OK LIST completed
      C: a4 LIST "" x RETURN (CHILDREN)
      S: * LIST (\\NonExistent \\HasChildren) "/" x
      S: a4 OK LIST completed
      C: a5 LIST "" (x)
      S: * LIST (\\NonExistent \\HasChildren) "/" x
      S: a5 OK LIST completed
      C: a6 LIST "" % RETURN (STATUS (MESSAGES))
      S: * LIST (\\HasNoChildren) "/" INBOX
      S: * STATUS INBOX (MESSAGES 0)
      ...
    `);
    // No STATUS for a name that is not a mailbox (RFC 5819 §2).
    const more = await h.client.until('a6');
    const i = more.findIndex((l) => l.endsWith('"/" x'));
    expect(more[i]).toBe('* LIST (\\NonExistent \\HasChildren) "/" x');
    expect(more[i + 1]).not.toMatch(/^\* STATUS x /);
  });
});

describe('SUBSCRIBE (RFC 3501 §6.3.6)', () => {
  it('refuses a name that does not exist, so LSUB never hides a subscription', async () => {
    const h = await loggedIn();
    await transcript(h.client, `
      C: a1 SUBSCRIBE ghost
      S: a1 NO [NONEXISTENT] Mailbox does not exist
      C: a3 CREATE ghost
      S: a3 OK CREATE completed
      C: a4 SUBSCRIBE ghost
      S: a4 OK SUBSCRIBE completed
      C: a5 LSUB "" ghost
      S: * LSUB () "/" ghost
      S: a5 OK LSUB completed
    `);
  });
});

describe('CREATE with USE (RFC 6154 §3)', () => {
  it('an unknown or second use attribute is NO [USEATTR], and nothing is created', async () => {
    const h = await loggedIn();
    await transcript(h.client, `
      C: a1 CREATE Stuff (USE (\\Bogus))
      S: a1 NO [USEATTR] Unknown special-use attribute
      C: a2 CREATE Stuff (USE (\\Flagged \\All))
      S: a2 NO [USEATTR] Only one special-use attribute per mailbox
      C: a3 LIST "" Stuff
      S: a3 OK LIST completed
      C: a4 CREATE Stuff (USE (\\Flagged))
      S: a4 OK CREATE completed
      C: a5 LIST "" Stuff RETURN (SPECIAL-USE)
      S: * LIST (\\HasNoChildren \\Flagged) "/" Stuff
      S: a5 OK LIST completed
    `);
  });
});

describe('mailbox names', () => {
  it('invalid modified UTF-7 is NO [CANNOT] (the astring is valid syntax), and the session goes on', async () => {
    const h = await loggedIn();
    await transcript(h.client, `
      C: a1 CREATE bad&name
      S: a1 NO [CANNOT] Invalid mailbox name
      C: a2 SELECT &Jjo
      S: a2 NO [CANNOT] Invalid mailbox name
      C: a3 LIST "" bad&name
      S: a3 BAD Invalid modified UTF-7 in mailbox pattern
      C: a4 NOOP
      S: a4 OK NOOP completed
    `);
  });
});

describe('SELECT / EXAMINE', () => {
  it('replacing a selection sends [CLOSED] first, without ENABLE QRESYNC (RFC 9051 §7.1)', async () => {
    const h = await loggedIn();
    await transcript(h.client, `
      C: a1 SELECT INBOX
      S: * FLAGS ...
      S: * OK [PERMANENTFLAGS ...
      S: * 0 EXISTS
      S: * 0 RECENT
      S: * OK [UIDVALIDITY ...
      S: * OK [UIDNEXT 1] ...
      S: * OK [HIGHESTMODSEQ ...
      S: a1 OK [READ-WRITE] SELECT completed
      C: a2 EXAMINE INBOX
      S: * OK [CLOSED] Previous mailbox closed
      S: * FLAGS ...
    `);
  });
});

describe('ENABLE CONDSTORE with a mailbox selected (RFC 7162 §3.1)', () => {
  it('reports HIGHESTMODSEQ, which the SELECT did not need to', async () => {
    const h = await loggedIn();
    await appendMessage(h.client, 'INBOX', SAMPLE(1));
    await h.client.command('SELECT INBOX');
    const r = await h.client.command('ENABLE CONDSTORE');
    expect(r[0]).toMatch(/^\* OK \[HIGHESTMODSEQ \d+\] /);
    expect(r[1]).toBe('* ENABLED CONDSTORE');
    const again = await h.client.command('ENABLE CONDSTORE');
    expect(again[0]).toBe('* ENABLED');
  });
});

describe('SEARCH BODY / TEXT in an attached message', () => {
  it('matches the attached message header, which is body text of the outer message', async () => {
    const h = await loggedIn();
    const msg = [
      'From: a@example.org',
      'Subject: Fwd',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'See attached.',
      '--b',
      'Content-Type: message/rfc822',
      '',
      'From: =?UTF-8?Q?Jos=C3=A9?= <inner@example.org>',
      'Subject: Quarterly figures',
      '',
      'Inner body.',
      '--b--',
      '',
    ].join('\r\n');
    await appendMessage(h.client, 'INBOX', msg);
    await appendMessage(h.client, 'INBOX', SAMPLE(2));
    await h.client.command('SELECT INBOX');
    await transcript(h.client, `
      C: a1 SEARCH TEXT "quarterly figures"
      S: * SEARCH 1
      S: a1 OK SEARCH completed
      C: a2 SEARCH CHARSET UTF-8 BODY "josé"
      S: * SEARCH 1
      S: a2 OK SEARCH completed
      C: a3 SEARCH SUBJECT quarterly
      S: * SEARCH
      S: a3 OK SEARCH completed
      C: a4 SEARCH BODY "inner body"
      S: * SEARCH 1
      S: a4 OK SEARCH completed
    `);
  });
});

describe('tags', () => {
  it('a tag with a character tags may not hold is answered untagged, not under a prefix of it', async () => {
    // Logged in: three BADs before login end the connection (below).
    const h = await loggedIn();
    await transcript(h.client, `
      C: e+ NOOP
      S: * BAD Invalid tag
      C: a"b NOOP
      S: * BAD Invalid tag
      C: g
      S: g BAD ...
      C: ok1 NOOP
      S: ok1 OK NOOP completed
    `);
  });
});

describe('SEARCHRES with MIN / MAX (RFC 5182 §2.4)', () => {
  it('saves only what MIN and MAX return, unless ALL or COUNT is asked for too', async () => {
    const h = await loggedIn();
    for (let i = 1; i <= 4; i++) await appendMessage(h.client, 'INBOX', SAMPLE(i));
    await h.client.command('SELECT INBOX');
    await transcript(h.client, `
      C: a1 SEARCH RETURN (SAVE MIN) ALL
      S: * ESEARCH (TAG "a1") MIN 1
      S: a1 OK SEARCH completed
      C: a2 SEARCH $
      S: * SEARCH 1
      S: a2 OK SEARCH completed
      C: a3 SEARCH RETURN (SAVE MIN MAX) 2:4
      S: * ESEARCH (TAG "a3") MIN 2 MAX 4
      S: a3 OK SEARCH completed
      C: a4 SEARCH $
      S: * SEARCH 2 4
      S: a4 OK SEARCH completed
      C: a5 SEARCH RETURN (SAVE MAX COUNT) 2:4
      S: * ESEARCH (TAG "a5") MAX 4 COUNT 3
      S: a5 OK SEARCH completed
      C: a6 SEARCH $
      S: * SEARCH 2 3 4
      S: a6 OK SEARCH completed
    `);
  });
});

describe('CONDSTORE enabling commands (RFC 7162 §3.1)', () => {
  it('FETCH MODSEQ turns CONDSTORE on for the connection: HIGHESTMODSEQ once, then UID and MODSEQ in every FETCH', async () => {
    const h = await loggedIn();
    await appendMessage(h.client, 'INBOX', SAMPLE(1));
    await h.client.command('SELECT INBOX');
    await transcript(h.client, `
      C: a1 STORE 1 +FLAGS (\\Answered)
      S: * 1 FETCH (FLAGS (\\Answered ...))
      S: a1 OK STORE completed
      C: a2 FETCH 1 (MODSEQ)
      S: * OK [HIGHESTMODSEQ ...] Highest
      S: * 1 FETCH (MODSEQ (...))
      S: a2 OK FETCH completed
      C: a3 FETCH 1 (MODSEQ)
      S: * 1 FETCH (MODSEQ (...))
      S: a3 OK FETCH completed
      C: a4 STORE 1 +FLAGS (\\Flagged)
      S: * 1 FETCH (UID 1 FLAGS (...) MODSEQ (...))
      S: a4 OK STORE completed
      C: a5 UNSELECT
      S: a5 OK ...
      C: a6 SELECT INBOX
      S: * FLAGS ...
      S: * OK [PERMANENTFLAGS ...
      S: * 1 EXISTS
      S: * 0 RECENT
      S: * OK [UNSEEN 1] ...
      S: * OK [UIDVALIDITY ...
      S: * OK [UIDNEXT 2] ...
      S: * OK [HIGHESTMODSEQ ...
      S: a6 OK [READ-WRITE] SELECT completed
      C: a7 STORE 1 -FLAGS (\\Flagged)
      S: * 1 FETCH (UID 1 FLAGS (...) MODSEQ (...))
      S: a7 OK STORE completed
      C: a8 ENABLE CONDSTORE
      S: * ENABLED
      S: a8 OK Enabled
    `);
  });
});

describe('UTF8=ACCEPT (RFC 6855 §4)', () => {
  it('APPEND takes the UTF8 (literal8) form once enabled, and only then', async () => {
    const h = await loggedIn();
    const msg = 'Subject: Grüße\r\nFrom: jörg@example.org\r\n\r\nHallo\r\n';
    const n = Buffer.byteLength(msg);
    h.client.write(`a1 APPEND INBOX UTF8 (~{${n}+}\r\n${msg})\r\n`);
    expect((await h.client.until('a1')).at(-1)).toMatch(/^a1 BAD /);
    await h.client.command('ENABLE UTF8=ACCEPT');
    h.client.write(`a2 APPEND INBOX (\\Seen) UTF8 (~{${n}+}\r\n${msg})\r\n`);
    expect((await h.client.until('a2')).at(-1)).toMatch(/^a2 OK \[APPENDUID \d+ 1\]/);
    await h.client.command('SELECT INBOX');
    const r = await h.client.command('FETCH 1 BODY.PEEK[]');
    expect(Buffer.from(r[0]!, 'latin1').toString('utf8')).toContain(msg);
  });
});

describe('implicit \\Seen with CONDSTORE on (RFC 7162 §3.1)', () => {
  it('the FETCH that set \\Seen reports UID, the new FLAGS and the new MODSEQ', async () => {
    const h = await loggedIn();
    await appendMessage(h.client, 'INBOX', SAMPLE(1));
    await h.client.command('ENABLE CONDSTORE');
    await h.client.command('SELECT INBOX');
    const r = await h.client.command('FETCH 1 (BODY[TEXT])');
    expect(r[0]).toMatch(/^\* 1 FETCH \(UID 1 BODY\[TEXT\] \{\d+\}\r\n.*\)$/s);
    expect(r[0]).toMatch(/ MODSEQ \(\d+\)/);
    expect(r[0]).toMatch(/ FLAGS \(\\Seen( \\Recent)?\)/);
    // Nothing changed the second time: no UID or MODSEQ added.
    const again = await h.client.command('FETCH 1 (BODY[TEXT])');
    expect(again[0]).toMatch(/^\* 1 FETCH \(BODY\[TEXT\] /);
  });
});

describe('COPY / MOVE of a message expunged by another session (RFC 2180 §4.4.1)', () => {
  it('copies nothing and says EXPUNGEISSUED, then announces the EXPUNGE', async () => {
    const h = await loggedIn();
    for (let i = 1; i <= 3; i++) await appendMessage(h.client, 'INBOX', SAMPLE(i));
    await h.client.command('SELECT INBOX');
    const other = await h.connect();
    await other.client.command('LOGIN bob@example.com hunter2');
    await other.client.command('SELECT INBOX');
    await other.client.command('STORE 2 +FLAGS.SILENT (\\Deleted)');
    await other.client.command('EXPUNGE');
    await transcript(h.client, `
      C: a1 COPY 1:2 Archive
      S: * 2 EXPUNGE
      S: * 2 RECENT
      S: a1 NO [EXPUNGEISSUED] Some of the requested messages no longer exist
      C: a2 STATUS Archive (MESSAGES)
      S: * STATUS Archive (MESSAGES 0)
      S: a2 OK STATUS completed
      C: a3 MOVE 1:2 Archive
      S: * OK [COPYUID ... 1,3 1:2] Moved
      S: * 2 EXPUNGE
      S: * 1 EXPUNGE
      S: * 0 RECENT
      S: a3 OK MOVE completed
    `);
  });
});

describe('APPENDLIMIT (RFC 7889 §3.2)', () => {
  it('STATUS and LIST RETURN (STATUS) report the mailbox limit that APPENDLIMIT= advertises', async () => {
    const h = await openSession({ limits: { maxMessageBytes: 12345 } });
    await h.client.command('LOGIN bob@example.com hunter2');
    await transcript(h.client, `
      C: a1 STATUS INBOX (MESSAGES APPENDLIMIT)
      S: * STATUS INBOX (MESSAGES 0 APPENDLIMIT 12345)
      S: a1 OK STATUS completed
      C: a2 LIST "" Sent RETURN (STATUS (APPENDLIMIT))
      S: * LIST (\\HasNoChildren \\Sent) "/" Sent
      S: * STATUS Sent (APPENDLIMIT 12345)
      S: a2 OK LIST completed
    `);
  });
});

describe('mod-sequence values up to 2^63-1 (RFC 7162 §7)', () => {
  it('UNCHANGEDSINCE and CHANGEDSINCE take the largest value the grammar allows; one more is BAD', async () => {
    const h = await loggedIn();
    await appendMessage(h.client, 'INBOX', SAMPLE(1));
    await h.client.command('SELECT INBOX');
    await transcript(h.client, `
      C: a1 STORE 1 (UNCHANGEDSINCE 9223372036854775807) +FLAGS (\\Flagged)
      S: * OK [HIGHESTMODSEQ ...
      S: * 1 FETCH (UID 1 FLAGS (\\Flagged ...) MODSEQ (...))
      S: a1 OK STORE completed
      C: a2 FETCH 1 (FLAGS) (CHANGEDSINCE 9223372036854775807)
      S: a2 OK FETCH completed
      C: a3 UID SEARCH MODSEQ 9223372036854775807
      S: * SEARCH
      S: a3 OK ...
      C: a4 STORE 1 (UNCHANGEDSINCE 9223372036854775808) +FLAGS (\\Flagged)
      S: a4 BAD ...
    `);
  });
});

describe('peers that do not speak IMAP (cross-protocol attacks such as ALPACA)', () => {
  /** Reads until the server closes the connection; fails after 5 s. */
  async function readToClose(h: Harness): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      try {
        lines.push(await h.client.response(5000));
      } catch (err) {
        if (h.client.closed) return lines;
        throw err;
      }
    }
  }

  it('the third invalid command before login ends the connection with BYE', async () => {
    const h = await openSession();
    expect(tagged(await h.client.command('FOO'))).toMatch(/^t1 BAD /);
    expect(tagged(await h.client.command('SELECT INBOX'))).toMatch(/^t2 BAD /);
    // Two mistakes are forgiven: a correct command still works.
    expect(tagged(await h.client.command('NOOP'))).toBe('t3 OK NOOP completed');
    h.client.write('t4 LOGIN\r\n');
    expect(await readToClose(h)).toEqual(['* BYE Too many invalid commands']);
  });

  it('an HTTP request sent to the IMAP port is cut off after its third line', async () => {
    const h = await openSession();
    h.client.write('POST / HTTP/1.1\r\nHost: mail.example.com\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n\r\nt9 LOGIN bob@example.com hunter2\r\n');
    const lines = await readToClose(h);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^POST BAD /);
    expect(lines[1]).toMatch(/^Host: BAD /);
    expect(lines[2]).toBe('* BYE Too many invalid commands');
    // Nothing after the cut was executed.
    expect(lines.some((l) => l.startsWith('t9 '))).toBe(false);
  });

  it('after login, mistakes are answered and the session goes on', async () => {
    const h = await loggedIn();
    for (let i = 0; i < 5; i++) expect(tagged(await h.client.command('FOO'))).toMatch(/ BAD /);
    expect(tagged(await h.client.command('NOOP'))).toMatch(/ OK /);
    expect(h.client.closed).toBe(false);
  });
});
