// One transcript per command (RFC 3501/9051 and the extensions), on a session over the in-memory store.
import { describe, it } from 'vitest';
import { appendMessage, openSession, SAMPLE, selectedSession, type Harness } from './harness.js';
import { transcript } from './transcript.js';

async function withMessages(n = 3): Promise<Harness> {
  const h = await openSession();
  await h.client.command('LOGIN alice@example.com secret');
  for (let i = 1; i <= n; i++) await appendMessage(h.client, 'INBOX', SAMPLE(i), i === 1 ? '\\Seen' : '');
  await h.client.command('SELECT INBOX');
  return h;
}

describe('not authenticated', () => {
  it('CAPABILITY, NOOP, LOGIN failures, state errors, LOGOUT', async () => {
    const h = await openSession();
    await transcript(h.client, `
      C: a1 CAPABILITY
      S: * CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR ID ENABLE IDLE LITERAL+ AUTH=PLAIN APPENDLIMIT=52428800
      S: a1 OK Capability completed
      C: a2 NOOP
      S: a2 OK NOOP completed
      C: a3 SELECT INBOX
      S: a3 BAD Not logged in
      C: a4 LOGIN alice@example.com wrong
      S: a4 NO [AUTHENTICATIONFAILED] Authentication failed
      C: a5 LOGIN nobody secret
      S: a5 NO [AUTHENTICATIONFAILED] Authentication failed
      C: a6 LOGIN "alice@example.com" {6}
      S: + Ready for literal data
      C: secret
      S: a6 OK [CAPABILITY IMAP4rev1 ... NAMESPACE UIDPLUS MOVE ...] Logged in
      C: a7 LOGIN alice@example.com secret
      S: a7 BAD Already logged in
      C: a8 LOGOUT
      S: * BYE Logging out
      S: a8 OK Logout completed
    `);
  });

  it('LOGINDISABLED and no AUTH= before TLS; STARTTLS offered only when possible', async () => {
    const h = await openSession({ secure: false });
    await transcript(h.client, `
      C: a1 CAPABILITY
      S: * CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR ID ENABLE IDLE LITERAL+ LOGINDISABLED APPENDLIMIT=52428800
      S: a1 OK Capability completed
      C: a2 LOGIN alice@example.com secret
      S: a2 NO [PRIVACYREQUIRED] Plaintext authentication is disabled; use STARTTLS
      C: a3 AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==
      S: a3 NO [PRIVACYREQUIRED] ...
      C: a4 STARTTLS
      S: a4 BAD STARTTLS is not available
    `);
  });

  it('AUTHENTICATE PLAIN with SASL-IR, with a continuation, and cancelled', async () => {
    const h = await openSession();
    await transcript(h.client, `
      C: a1 AUTHENTICATE PLAIN
      S: + ...
      C: *
      S: a1 BAD Authentication cancelled
      C: a2 AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHdyb25n
      S: a2 NO [AUTHENTICATIONFAILED] Authentication failed
      C: a3 AUTHENTICATE CRAM-MD5
      S: a3 NO [CANNOT] Unsupported authentication mechanism
      C: a4 AUTHENTICATE PLAIN
      S: + ...
      C: AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==
      S: a4 OK [CAPABILITY ...] Logged in
    `);
    const h2 = await openSession();
    await transcript(h2.client, `
      C: b1 AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==
      S: b1 OK [CAPABILITY ...] Logged in
    `);
  });

  it('locks an IP out after repeated failures', async () => {
    const { AuthThrottle } = await import('../../src/server/auth-throttle.js');
    const h = await openSession({ throttle: new AuthThrottle({ maxFailures: 2, lockoutSeconds: 60 }) });
    await transcript(h.client, `
      C: a1 LOGIN alice@example.com x
      S: a1 NO [AUTHENTICATIONFAILED] ...
      C: a2 LOGIN alice@example.com y
      S: a2 NO [AUTHENTICATIONFAILED] ...
      C: a3 LOGIN alice@example.com secret
      S: a3 NO [UNAVAILABLE] Too many failed logins; try again later
    `);
  });
});

describe('authenticated', () => {
  it('ID, ENABLE, NAMESPACE with the shared namespace', async () => {
    const h = await openSession();
    await h.client.command('LOGIN alice@example.com secret');
    await transcript(h.client, `
      C: a1 ID ("name" "test")
      S: * ID ("name" "everlock" "vendor" "everlock")
      S: a1 OK ID completed
      C: a2 ENABLE CONDSTORE XYZZY
      S: * ENABLED CONDSTORE
      S: a2 OK Enabled
      C: a3 NAMESPACE
      S: * NAMESPACE (("" "/")) NIL (("Shared/" "/"))
      S: a3 OK Namespace completed
    `);
  });

  it('CREATE, LIST, LSUB, SUBSCRIBE, RENAME, DELETE, STATUS', async () => {
    const h = await openSession();
    await h.client.command('LOGIN bob@example.com hunter2');
    await transcript(h.client, `
      C: a1 CREATE Projects/2026/
      S: a1 OK CREATE completed
      C: a2 CREATE Entw&APw-rfe
      S: a2 OK CREATE completed
      C: a3 CREATE INBOX
      S: a3 NO [ALREADYEXISTS] INBOX already exists
      C: a4 CREATE Projects/2026
      S: a4 NO [ALREADYEXISTS] Mailbox already exists
      C: a5 LIST "" ""
      S: * LIST (\\Noselect) "/" ""
      S: a5 OK LIST completed
      C: a6 LIST "" Pro%
      S: * LIST (\\HasChildren) "/" Projects
      S: a6 OK LIST completed
    `);
    await transcript(h.client, `
      C: b1 LIST "" Projects/%
      S: * LIST (\\HasNoChildren) "/" Projects/2026
      S: b1 OK LIST completed
      C: b2 LIST "" Entw*
      S: * LIST (\\HasNoChildren) "/" Entw&APw-rfe
      S: b2 OK LIST completed
      C: b3 LIST (SPECIAL-USE) "" Arch* RETURN (STATUS (MESSAGES))
      S: * LIST (\\HasNoChildren \\Archive) "/" Archive
      S: * STATUS Archive (MESSAGES 0)
      S: b3 OK LIST completed
      C: b4 UNSUBSCRIBE Projects/2026
      S: b4 OK UNSUBSCRIBE completed
      C: b5 LSUB "" Projects/*
      S: b5 OK LSUB completed
      C: b6 SUBSCRIBE Projects/2026
      S: b6 OK SUBSCRIBE completed
      C: b7 LSUB "" Projects/*
      S: * LSUB () "/" Projects/2026
      S: b7 OK LSUB completed
      C: b8 RENAME Projects/2026 Projects/2027
      S: b8 OK RENAME completed
      C: b9 STATUS Projects/2027 (MESSAGES UIDNEXT UNSEEN SIZE)
      S: * STATUS Projects/2027 (MESSAGES 0 UIDNEXT 1 UNSEEN 0 SIZE 0)
      S: b9 OK STATUS completed
      C: c1 DELETE Projects/2027
      S: c1 OK DELETE completed
      C: c2 DELETE INBOX
      S: c2 NO [CANNOT] INBOX cannot be deleted
      C: c3 STATUS nosuch (MESSAGES)
      S: c3 NO [NONEXISTENT] Mailbox does not exist
      C: c4 CREATE a.b
      S: c4 NO [CANNOT] Invalid mailbox name
      C: c5 CREATE Shelf (USE (\\Archive))
      S: c5 NO [USEATTR] ...
    `);
  });

  it('APPEND: APPENDUID, TRYCREATE, TOOBIG, Sent de-duplication', async () => {
    const h = await openSession({ limits: { maxMessageBytes: 1000 } });
    await h.client.command('LOGIN alice@example.com secret');
    const msg = SAMPLE(1);
    await transcript(h.client, `
      C: a1 APPEND nosuch {${msg.length}+}
      ${msg.split('\r\n').map((l) => 'C: ' + l).join('\n')}
      S: a1 NO [TRYCREATE] Mailbox does not exist
      C: a2 APPEND INBOX (\\Seen) "17-Jul-1996 02:44:25 -0700" {${msg.length}+}
      ${msg.split('\r\n').map((l) => 'C: ' + l).join('\n')}
      S: a2 OK [APPENDUID ... 1] APPEND completed
      C: a3 APPEND INBOX {5000}
      S: a3 NO [TOOBIG] ...
      C: a4 APPEND Sent {${msg.length}+}
      ${msg.split('\r\n').map((l) => 'C: ' + l).join('\n')}
      S: a4 OK [APPENDUID ... 1] APPEND completed
      C: a5 APPEND Sent {${msg.length}+}
      ${msg.split('\r\n').map((l) => 'C: ' + l).join('\n')}
      S: a5 OK [APPENDUID ... 1] APPEND completed (already stored)
      C: a6 STATUS Sent (MESSAGES)
      S: * STATUS Sent (MESSAGES 1)
      S: a6 OK STATUS completed
    `);
  });
});

describe('selected', () => {
  it('SELECT and EXAMINE responses', async () => {
    const h = await withMessages(3);
    await transcript(h.client, `
      C: a1 EXAMINE INBOX
      S: * OK [CLOSED] Previous mailbox closed
      S: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)
      S: * OK [PERMANENTFLAGS ()] No permanent flags permitted
      S: * 3 EXISTS
      S: * 0 RECENT
      S: * OK [UNSEEN 2] First unseen
      S: * OK [UIDVALIDITY ...] UIDs valid
      S: * OK [UIDNEXT 4] Predicted next UID
      S: * OK [HIGHESTMODSEQ ...] Highest
      S: a1 OK [READ-ONLY] EXAMINE completed
      C: a2 STORE 1 +FLAGS (\\Flagged)
      S: a2 NO [READ-ONLY] Mailbox is read-only
      C: a3 SELECT nosuch
      S: * OK [CLOSED] Previous mailbox closed
      S: a3 NO [NONEXISTENT] Mailbox does not exist
      C: a4 FETCH 1 FLAGS
      S: a4 BAD No mailbox selected
    `);
  });

  it('FETCH items, UID FETCH, implicit \\Seen, bad sets', async () => {
    const h = await withMessages(3);
    await transcript(h.client, `
      C: a1 FETCH 1:2 (UID FLAGS RFC822.SIZE)
      S: * 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) RFC822.SIZE ...)
      S: * 2 FETCH (UID 2 FLAGS (\\Recent) RFC822.SIZE ...)
      S: a1 OK FETCH completed
      C: a2 FETCH 2 (BODY[HEADER.FIELDS (Subject)])
      S: * 2 FETCH (BODY[HEADER.FIELDS (Subject)] {22}...Subject: Message 2... FLAGS (\\Seen \\Recent))
      S: a2 OK FETCH completed
      C: a3 UID FETCH 3 (FLAGS BODY.PEEK[TEXT])
      S: * 3 FETCH (UID 3 FLAGS (\\Recent) BODY[TEXT] {20}...Body of message 3...)
      S: a3 OK UID FETCH completed
      C: a4 FETCH 4 FLAGS
      S: a4 BAD Invalid message sequence number
      C: a5 UID FETCH 99 FLAGS
      S: a5 OK UID FETCH completed
      C: a6 FETCH 1 (BODY.PEEK[1.5.TEXT])
      S: * 1 FETCH (BODY[1.5.TEXT] "")
      S: a6 OK FETCH completed
      C: a7 FETCH 1 (FLAGS) (CHANGEDSINCE 1)
      S: * OK [HIGHESTMODSEQ ...] Highest
      S: * 1 FETCH (FLAGS (\\Seen \\Recent) MODSEQ (...))
      S: a7 OK FETCH completed
      C: a8 FETCH 1 (BINARY.SIZE[1] RFC822.HEADER)
      S: * 1 FETCH (BINARY.SIZE[1] 20 RFC822.HEADER {...)
      S: a8 OK FETCH completed
    `);
  });

  it('STORE with .SILENT, UNCHANGEDSINCE, and another session seeing it', async () => {
    const h = await withMessages(2);
    const other = await h.connect();
    await other.client.command('LOGIN alice@example.com secret');
    await other.client.command('SELECT INBOX');
    await transcript(h.client, `
      C: a1 STORE 1 +FLAGS (\\Flagged $Work)
      S: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)
      S: * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Flags permitted
      S: * 1 FETCH (FLAGS (\\Seen \\Flagged $Work \\Recent))
      S: a1 OK STORE completed
      C: a2 STORE 2 +FLAGS.SILENT (\\Answered)
      S: a2 OK STORE completed
      C: a3 UID STORE 1 -FLAGS (\\Flagged)
      S: * 1 FETCH (UID 1 FLAGS (\\Seen $Work \\Recent))
      S: a3 OK UID STORE completed
      C: a4 STORE 1 (UNCHANGEDSINCE 1) +FLAGS (\\Draft)
      S: * OK [HIGHESTMODSEQ ...] Highest
      S: a4 OK [MODIFIED 1] Conditional STORE failed
      C: a5 STORE 1 +FLAGS (\\Recent)
      S: a5 BAD Invalid system flag \\Recent
    `);
    await transcript(other.client, `
      C: b1 NOOP
      S: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)
      S: * OK [PERMANENTFLAGS ...] Flags permitted
      S: * 1 FETCH (UID 1 FLAGS (\\Seen $Work))
      S: * 2 FETCH (UID 2 FLAGS (\\Answered))
      S: b1 OK NOOP completed
    `);
  });

  it('SEARCH, UID SEARCH, ESEARCH, SEARCHRES, CHARSET', async () => {
    const h = await withMessages(3);
    await transcript(h.client, `
      C: a1 SEARCH UNSEEN
      S: * SEARCH 2 3
      S: a1 OK SEARCH completed
      C: a2 UID SEARCH SUBJECT "message 3"
      S: * SEARCH 3
      S: a2 OK UID SEARCH completed
      C: a3 SEARCH RETURN (MIN MAX COUNT) ALL
      S: * ESEARCH (TAG "a3") MIN 1 MAX 3 COUNT 3
      S: a3 OK SEARCH completed
      C: a4 SEARCH RETURN (SAVE) FROM sender2
      S: a4 OK SEARCH completed
      C: a5 FETCH $ UID
      S: * 2 FETCH (UID 2)
      S: a5 OK FETCH completed
      C: a6 SEARCH CHARSET KOI8-R ALL
      S: a6 NO [BADCHARSET (US-ASCII UTF-8)] Unsupported charset
      C: a7 SEARCH FOO
      S: a7 BAD Unknown search key FOO
      C: a8 SEARCH RETURN () OR SEEN DRAFT
      S: * ESEARCH (TAG "a8") ALL 1
      S: a8 OK SEARCH completed
    `);
  });

  it('COPY, MOVE, EXPUNGE, UID EXPUNGE, CLOSE, UNSELECT', async () => {
    const h = await withMessages(4);
    await transcript(h.client, `
      C: a1 COPY 1:2 Archive
      S: a1 OK [COPYUID ... 1:2 1:2] COPY completed
      C: a2 COPY 1 nosuch
      S: a2 NO [TRYCREATE] Mailbox does not exist
      C: a3 MOVE 2 Trash
      S: * OK [COPYUID ... 2 1] Moved
      S: * 2 EXPUNGE
      S: * 3 RECENT
      S: a3 OK MOVE completed
      C: a4 STORE 1:3 +FLAGS.SILENT (\\Deleted)
      S: a4 OK STORE completed
      C: a5 UID EXPUNGE 3
      S: * 2 EXPUNGE
      S: * 2 RECENT
      S: a5 OK UID EXPUNGE completed
      C: a6 EXPUNGE
      S: * 2 EXPUNGE
      S: * 1 EXPUNGE
      S: * 0 RECENT
      S: a6 OK EXPUNGE completed
      C: a7 UNSELECT
      S: a7 OK UNSELECT completed
      C: a8 SELECT Archive
      S: * FLAGS ...
      S: * OK [PERMANENTFLAGS ...
      S: * 2 EXISTS
      S: * 2 RECENT
      S: * OK [UNSEEN 2] First unseen
      S: * OK [UIDVALIDITY ...
      S: * OK [UIDNEXT 3] ...
      S: * OK [HIGHESTMODSEQ ...
      S: a8 OK [READ-WRITE] SELECT completed
      C: a9 STORE 1 +FLAGS.SILENT (\\Deleted)
      S: a9 OK STORE completed
      C: b1 CLOSE
      S: b1 OK CLOSE completed
      C: b2 STATUS Archive (MESSAGES)
      S: * STATUS Archive (MESSAGES 1)
      S: b2 OK STATUS completed
    `);
  });

  it('no EXPUNGE during FETCH, STORE or SEARCH; sent at the next NOOP', async () => {
    const h = await withMessages(3);
    const other = await h.connect();
    await other.client.command('LOGIN alice@example.com secret');
    await other.client.command('SELECT INBOX');
    await other.client.command('STORE 2 +FLAGS.SILENT (\\Deleted)');
    await other.client.command('EXPUNGE');
    await transcript(h.client, `
      C: a1 FETCH 1:* UID
      S: * 1 FETCH (UID 1)
      S: * 2 FETCH (UID 2)
      S: * 3 FETCH (UID 3)
      S: a1 OK FETCH completed
      C: a0 FETCH 2 BODY.PEEK[]
      S: a0 NO [EXPUNGEISSUED] Some of the requested messages no longer exist
      C: a2 SEARCH ALL
      S: * SEARCH 1 2 3
      S: a2 OK SEARCH completed
      C: a3 NOOP
      S: * 2 EXPUNGE
      S: * 2 RECENT
      S: a3 OK NOOP completed
      C: a4 FETCH 2 UID
      S: * 2 FETCH (UID 3)
      S: a4 OK FETCH completed
    `);
  });

  it('IDLE pushes EXISTS from another session and ends with DONE', async () => {
    const h = await withMessages(1);
    const other = await h.connect();
    await other.client.command('LOGIN alice@example.com secret');
    await transcript(h.client, `
      C: a1 IDLE
      S: + idling
    `);
    await appendMessage(other.client, 'INBOX', SAMPLE(9));
    await transcript(h.client, `
      S: * 2 EXISTS
      S: * 2 RECENT
      C: DONE
      S: a1 OK IDLE terminated
    `);
  });

  it('pipelined commands are answered in order; bad syntax gets BAD and the session goes on', async () => {
    const h = await withMessages(1);
    h.client.write('p1 NOOP\r\np2 FETCH 1 (FLAGS\r\np3 UID FETCH 1 UID\r\n(garbage\r\n' + 'p4 ' + 'X'.repeat(70_000) + '\r\np5 BLURDYBLOOP\r\np6 CHECK\r\n');
    await transcript(h.client, `
      S: p1 OK NOOP completed
      S: p2 BAD Missing ")"
      S: * 1 FETCH (UID 1)
      S: p3 OK UID FETCH completed
      S: * BAD Invalid tag
      S: p4 BAD Command line too long
      S: p5 BAD Unknown command BLURDYBLOOP
      S: p6 OK CHECK completed
    `);
  });

  it('QUOTA, ENABLE QRESYNC with VANISHED', async () => {
    const h = await withMessages(3);
    await transcript(h.client, `
      C: a1 GETQUOTAROOT INBOX
      S: * QUOTAROOT INBOX
      S: a1 OK GETQUOTAROOT completed
      C: a2 SETQUOTA "" (STORAGE 1)
      S: a2 NO [NOPERM] Quotas are set in the configuration
      C: a3 UNSELECT
      S: a3 OK UNSELECT completed
      C: a4 ENABLE QRESYNC
      S: * ENABLED QRESYNC CONDSTORE
      S: a4 OK Enabled
      C: a5 SELECT INBOX
      S: * FLAGS ...
      S: * OK [PERMANENTFLAGS ...
      S: * 3 EXISTS
      S: * 0 RECENT
      S: * OK [UNSEEN 2] First unseen
      S: * OK [UIDVALIDITY ...
      S: * OK [UIDNEXT 4] ...
      S: * OK [HIGHESTMODSEQ ...
      S: a5 OK [READ-WRITE] SELECT completed
      C: a6 STORE 3 +FLAGS.SILENT (\\Deleted)
      S: * 3 FETCH (UID 3 MODSEQ (...))
      S: a6 OK STORE completed
      C: a7 EXPUNGE
      S: * VANISHED 3
      S: a7 OK EXPUNGE completed
      C: a8 UID FETCH 1:5 (FLAGS) (CHANGEDSINCE 1 VANISHED)
      S: * VANISHED (EARLIER) 3
      S: * 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ (...))
      S: * 2 FETCH (UID 2 FLAGS () MODSEQ (...))
      S: a8 OK UID FETCH completed
    `);
  });

  it('a selected session survives the folder being deleted elsewhere', async () => {
    const h = await selectedSession();
    await h.client.command('CREATE Temp');
    await transcript(h.client, `
      C: a1 SELECT Temp
      S: * OK [CLOSED] Previous mailbox closed
      S: ...
      S: ...
      S: * 0 EXISTS
      S: ...
      S: ...
      S: ...
      S: ...
      S: a1 OK [READ-WRITE] SELECT completed
      C: a2 DELETE Temp
      S: a2 OK DELETE completed
      C: a3 NOOP
      S: a3 OK NOOP completed
    `);
  });
});

describe('SORT and THREAD', () => {
  it('sorts and threads through the search module', async () => {
    const h = await openSession();
    await h.client.command('LOGIN alice@example.com secret');
    const msg = (id: number, subject: string, refs = ''): string =>
      `From: a${id}@example.org\r\nSubject: ${subject}\r\nMessage-ID: <t${id}@x>\r\n${refs ? `In-Reply-To: <t${refs}@x>\r\nReferences: <t${refs}@x>\r\n` : ''}Date: Mon, 2 Nov 2026 10:0${id}:00 +0000\r\n\r\nx\r\n`;
    await appendMessage(h.client, 'INBOX', msg(1, 'beta'));
    await appendMessage(h.client, 'INBOX', msg(2, 'alpha'));
    await appendMessage(h.client, 'INBOX', msg(3, 'Re: beta', '1'));
    await h.client.command('SELECT INBOX');
    await transcript(h.client, `
      C: a1 SORT (SUBJECT) UTF-8 ALL
      S: * SORT 2 1 3
      S: a1 OK SORT completed
      C: a2 UID SORT (REVERSE DATE) UTF-8 ALL
      S: * SORT 3 2 1
      S: a2 OK UID SORT completed
      C: a3 THREAD REFERENCES UTF-8 ALL
      S: * THREAD (1 3)(2)
      S: a3 OK THREAD completed
      C: a4 THREAD FOO UTF-8 ALL
      S: a4 BAD Unknown threading algorithm FOO
    `);
  });
});
