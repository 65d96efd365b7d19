// IMAP4rev2 (RFC 9051) for clients that send ENABLE IMAP4rev2, on a session over the in-memory store. Each
// behaviour that differs is shown twice where it matters: the rev2 answer after ENABLE, and the unchanged
// IMAP4rev1 answer of a session that did not enable it.
import { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { appendMessage, openSession, SAMPLE, type Harness } from './harness.js';
import { startRealServer } from './real-server.js';
import { transcript } from './transcript.js';

/** A logged-in session, IMAP4rev2 enabled when `rev2`. */
async function login(h: Harness, rev2: boolean): Promise<Harness> {
  await h.client.command('LOGIN alice@example.com secret');
  if (rev2) await h.client.command('ENABLE IMAP4rev2');
  return h;
}

/** A store whose INBOX holds three messages, the first \Seen, none yet taken as \Recent by any session. */
async function withMessages(): Promise<Harness> {
  const h = await openSession();
  await h.client.command('LOGIN alice@example.com secret');
  for (let i = 1; i <= 3; i++) await appendMessage(h.client, 'INBOX', SAMPLE(i), i === 1 ? '\\Seen' : '');
  await h.client.command('LOGOUT');
  return h;
}

/** The bytes of a UTF-8 string as the wire client shows them (latin1). */
const wire = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

describe('IMAP4rev2', () => {
  it('is advertised next to IMAP4rev1 and enabled with ENABLE, once, whatever the case', async () => {
    const h = await openSession();
    await transcript(h.client, `
      C: a1 CAPABILITY
      S: * CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR ...
      S: a1 OK Capability completed
      C: a2 LOGIN alice@example.com secret
      S: a2 OK [CAPABILITY IMAP4rev1 IMAP4rev2 ...] Logged in
      C: a3 ENABLE imap4REV2
      S: * ENABLED IMAP4rev2
      S: a3 OK Enabled
      C: a4 ENABLE IMAP4rev2 CONDSTORE
      S: * ENABLED CONDSTORE
      S: a4 OK Enabled
    `);
  });

  it('SELECT and EXAMINE: no RECENT, no OK [UNSEEN], a LIST response with accurate attributes', async () => {
    const h = await withMessages();
    const rev2 = await login(await h.connect(), true);
    await transcript(rev2.client, `
      C: a1 SELECT inbox
      S: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)
      S: * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted
      S: * 3 EXISTS
      S: * OK [UIDVALIDITY ...] UIDs valid
      S: * OK [UIDNEXT 4] Predicted next UID
      S: * OK [HIGHESTMODSEQ ...] Highest
      S: * LIST (\\HasNoChildren) "/" INBOX
      S: a1 OK [READ-WRITE] SELECT completed
      C: a3 CREATE Archive/2026
      S: a3 OK CREATE completed
      C: a4 EXAMINE Archive
      S: * OK [CLOSED] Previous mailbox closed
      S: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)
      S: * OK [PERMANENTFLAGS ()] No permanent flags permitted
      S: * 0 EXISTS
      S: * OK [UIDVALIDITY ...] UIDs valid
      S: * OK [UIDNEXT 1] Predicted next UID
      S: * OK [HIGHESTMODSEQ ...] Highest
      S: * LIST (\\HasChildren \\Archive) "/" Archive
      S: a4 OK [READ-ONLY] EXAMINE completed
    `);
    // The rev2 session took no \Recent: an IMAP4rev1 session still sees all three as new, and the first unseen.
    const rev1 = await login(await h.connect(), false);
    await transcript(rev1.client, `
      C: b1 SELECT INBOX
      S: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)
      S: * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted
      S: * 3 EXISTS
      S: * 3 RECENT
      S: * OK [UNSEEN 2] First unseen
      S: * OK [UIDVALIDITY ...] UIDs valid
      S: * OK [UIDNEXT 4] Predicted next UID
      S: * OK [HIGHESTMODSEQ ...] Highest
      S: b1 OK [READ-WRITE] SELECT completed
    `);
  });

  it('FETCH and STORE show no \\Recent, SEARCH RECENT finds nothing; IMAP4rev1 keeps \\Recent', async () => {
    const h = await withMessages();
    const rev1 = await login(await h.connect(), false);
    await rev1.client.command('SELECT INBOX');
    await transcript(rev1.client, `
      C: b1 FETCH 1:3 FLAGS
      S: * 1 FETCH (FLAGS (\\Seen \\Recent))
      S: * 2 FETCH (FLAGS (\\Recent))
      S: * 3 FETCH (FLAGS (\\Recent))
      S: b1 OK FETCH completed
    `);
    // A second rev1 session and a rev2 session: neither holds \Recent for the messages the first one took.
    const rev2 = await login(await h.connect(), true);
    await rev2.client.command('SELECT INBOX');
    const other = await login(await h.connect(), false);
    await appendMessage(other.client, 'INBOX', SAMPLE(4));
    await transcript(rev2.client, `
      C: a1 FETCH 1:4 FLAGS
      S: * 4 EXISTS
      S: * 1 FETCH (FLAGS (\\Seen))
      S: * 2 FETCH (FLAGS ())
      S: * 3 FETCH (FLAGS ())
      S: * 4 FETCH (FLAGS ())
      S: a1 OK FETCH completed
      C: a2 STORE 2 +FLAGS (\\Flagged)
      S: * 2 FETCH (FLAGS (\\Flagged))
      S: a2 OK STORE completed
      C: a3 SEARCH RECENT
      S: * ESEARCH (TAG "a3")
      S: a3 OK SEARCH completed
      C: a4 SEARCH NEW
      S: * ESEARCH (TAG "a4")
      S: a4 OK SEARCH completed
    `);
    // The message that arrived while the rev2 session was selected is still \Recent for the next rev1 session.
    await transcript(rev1.client, `
      C: b2 NOOP
      S: * 4 EXISTS
      S: * 4 RECENT
      S: * 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent))
      S: b2 OK NOOP completed
    `);
  });

  it('new mail is announced with EXISTS alone, at a command and in IDLE; an IMAP4rev1 idler still takes \\Recent', async () => {
    const h = await withMessages();
    // The rev2 session selects first, so it is first among the folder's idlers.
    const rev2 = await login(await h.connect(), true);
    await rev2.client.command('SELECT INBOX');
    const rev1 = await login(await h.connect(), false);
    await rev1.client.command('SELECT INBOX');
    const other = await login(await h.connect(), false);
    await transcript(rev2.client, `
      C: a1 IDLE
      S: + idling
    `);
    await transcript(rev1.client, `
      C: b1 IDLE
      S: + idling
    `);
    await appendMessage(other.client, 'INBOX', SAMPLE(4));
    await transcript(rev2.client, `
      S: * 4 EXISTS
      C: DONE
      S: a1 OK IDLE terminated
    `);
    await transcript(rev1.client, `
      S: * 4 EXISTS
      S: * 4 RECENT
      C: DONE
      S: b1 OK IDLE terminated
    `);
    await appendMessage(other.client, 'INBOX', SAMPLE(5));
    await transcript(rev2.client, `
      C: a2 NOOP
      S: * 5 EXISTS
      S: a2 OK NOOP completed
    `);
    await transcript(rev1.client, `
      C: b2 NOOP
      S: * 5 EXISTS
      S: * 5 RECENT
      S: b2 OK NOOP completed
    `);
  });

  it('SEARCH and UID SEARCH answer with ESEARCH; IMAP4rev1 keeps SEARCH', async () => {
    const h = await withMessages();
    const rev2 = await login(await h.connect(), true);
    await rev2.client.command('SELECT INBOX');
    await transcript(rev2.client, `
      C: a1 SEARCH UNSEEN
      S: * ESEARCH (TAG "a1") ALL 2:3
      S: a1 OK SEARCH completed
      C: a2 UID SEARCH ALL
      S: * ESEARCH (TAG "a2") UID ALL 1:3
      S: a2 OK UID SEARCH completed
      C: a3 SEARCH DELETED
      S: * ESEARCH (TAG "a3")
      S: a3 OK SEARCH completed
      C: a4 UID SEARCH DELETED
      S: * ESEARCH (TAG "a4") UID
      S: a4 OK UID SEARCH completed
      C: a5 SEARCH RETURN (COUNT) SEEN
      S: * ESEARCH (TAG "a5") COUNT 1
      S: a5 OK SEARCH completed
      C: a6 SEARCH RETURN (SAVE) SEEN
      S: a6 OK SEARCH completed
      C: a7 SEARCH MODSEQ 1 UNSEEN
      S: * OK [HIGHESTMODSEQ ...] Highest
      S: * ESEARCH (TAG "a7") ALL 2:3 MODSEQ ...
      S: a7 OK SEARCH completed
    `);
    const rev1 = await login(await h.connect(), false);
    await rev1.client.command('SELECT INBOX');
    await transcript(rev1.client, `
      C: b1 SEARCH UNSEEN
      S: * SEARCH 2 3
      S: b1 OK SEARCH completed
      C: b2 UID SEARCH DELETED
      S: * SEARCH
      S: b2 OK UID SEARCH completed
    `);
  });

  it('mailbox names are UTF-8 on the wire both ways; IMAP4rev1 keeps modified UTF-7', async () => {
    const h = await openSession();
    const rev2 = await login(h, true);
    await transcript(rev2.client, `
      C: a1 CREATE "Entwürfe"
      S: a1 OK CREATE completed
      C: a2 CREATE A&B
      S: a2 OK CREATE completed
      C: a3 LIST "" "Entw*"
      S: * LIST (\\HasNoChildren) "/" "${wire('Entwürfe')}"
      S: a3 OK LIST completed
      C: a4 STATUS "Entwürfe" (MESSAGES)
      S: * STATUS "${wire('Entwürfe')}" (MESSAGES 0)
      S: a4 OK STATUS completed
      C: a5 SELECT "Entwürfe"
      S: * FLAGS ...
      S: * OK [PERMANENTFLAGS ...
      S: * 0 EXISTS
      S: * OK [UIDVALIDITY ...
      S: * OK [UIDNEXT 1] ...
      S: * OK [HIGHESTMODSEQ ...
      S: * LIST (\\HasNoChildren) "/" "${wire('Entwürfe')}"
      S: a5 OK [READ-WRITE] SELECT completed
      C: a6 LIST "" A&*
      S: * LIST (\\HasNoChildren) "/" A&B
      S: a6 OK LIST completed
    `);
    const rev1 = await login(await h.connect(), false);
    await transcript(rev1.client, `
      C: b1 LIST "" "Entw*"
      S: * LIST (\\HasNoChildren) "/" Entw&APw-rfe
      S: b1 OK LIST completed
      C: b2 LIST "" A&-*
      S: * LIST (\\HasNoChildren) "/" A&-B
      S: b2 OK LIST completed
    `);
  });

  it('ENABLE IMAP4rev2 with a mailbox selected drops \\Recent for it from then on', async () => {
    const h = await withMessages();
    const s = await login(await h.connect(), false);
    await transcript(s.client, `
      C: a1 SELECT INBOX
      S: * FLAGS ...
      S: * OK [PERMANENTFLAGS ...
      S: * 3 EXISTS
      S: * 3 RECENT
      S: * OK [UNSEEN 2] First unseen
      S: * OK [UIDVALIDITY ...
      S: * OK [UIDNEXT 4] ...
      S: * OK [HIGHESTMODSEQ ...
      S: a1 OK [READ-WRITE] SELECT completed
      C: a2 ENABLE IMAP4rev2
      S: * ENABLED IMAP4rev2
      S: a2 OK Enabled
      C: a3 FETCH 2 FLAGS
      S: * 2 FETCH (FLAGS ())
      S: a3 OK FETCH completed
    `);
    const other = await login(await h.connect(), false);
    await appendMessage(other.client, 'INBOX', SAMPLE(4));
    await transcript(s.client, `
      C: a4 NOOP
      S: * 4 EXISTS
      S: a4 OK NOOP completed
    `);
  });

  it('STATUS DELETED and SIZE, as IMAP4rev2 lists them', async () => {
    const h = await withMessages();
    const rev2 = await login(await h.connect(), true);
    await rev2.client.command('SELECT INBOX');
    await rev2.client.command('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await transcript(rev2.client, `
      C: a1 STATUS INBOX (MESSAGES DELETED SIZE)
      S: * STATUS INBOX (MESSAGES 3 DELETED 1 SIZE ${[1, 2, 3].reduce((n, i) => n + Buffer.byteLength(SAMPLE(i)), 0)})
      S: a1 OK STATUS completed
    `);
  });

  it('imapflow enables it on its own and works through it on the Maildir store', async () => {
    const { server } = await startRealServer();
    const open = async (disableIMAP4rev2: boolean): Promise<ImapFlow> => {
      const c = new ImapFlow({ host: '127.0.0.1', port: server.port, secure: false, auth: { user: 'alice@example.com', pass: 'secret' }, logger: false, disableIMAP4rev2 });
      await c.connect();
      return c;
    };
    const rev2 = await open(false);
    const rev1 = await open(true);
    try {
      // imapflow keeps enabled names upper-cased.
      expect(rev2.enabled.has('IMAP4REV2')).toBe(true);
      expect(rev1.enabled.has('IMAP4REV2')).toBe(false);
      await rev2.mailboxCreate('Entwürfe');
      expect((await rev2.list()).map((m) => m.path)).toContain('Entwürfe');
      expect((await rev1.list()).map((m) => m.path)).toContain('Entwürfe');
      await rev2.append('Entwürfe', SAMPLE(1), ['\\Seen']);
      await rev2.append('Entwürfe', SAMPLE(2));
      const box = await rev2.mailboxOpen('Entwürfe');
      expect(box.exists).toBe(2);
      expect(await rev2.search({ seen: false }, { uid: true })).toEqual([2]);
      const flags: string[][] = [];
      for await (const m of rev2.fetch('1:*', { flags: true })) flags.push([...(m.flags ?? [])]);
      expect(flags).toEqual([['\\Seen'], []]);
      // The rev2 session left \Recent to the next IMAP4rev1 session.
      await rev1.mailboxOpen('Entwürfe');
      const recent: string[][] = [];
      for await (const m of rev1.fetch('1:*', { flags: true })) recent.push([...(m.flags ?? [])].sort());
      expect(recent).toEqual([['\\Recent', '\\Seen'], ['\\Recent']]);
    } finally {
      await rev2.logout().catch(() => rev2.close());
      await rev1.logout().catch(() => rev1.close());
    }
  });
});
