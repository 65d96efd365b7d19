// The MailStore contract: one suite run against every implementation (the Maildir store and the in-memory
// store used by protocol tests), so a fake can never drift from the real thing.
import { describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import type { FolderChange, MailStore } from '../../src/maildir/types.js';
import { StoreError } from '../../src/errors.js';

export type StoreFactory = () => Promise<MailStore>;

const alice = { domain: 'example.com', local: 'alice' };
const bob = { domain: 'example.com', local: 'bob' };

export function message(subject: string, body = 'Hello.\n', extra = ''): Buffer {
  return Buffer.from(`From: Sender <sender@example.org>\nTo: alice@example.com\nSubject: ${subject}\nMessage-ID: <${subject.replace(/\W/g, '')}@example.org>\nDate: Mon, 23 Nov 2026 09:00:00 +0000\n${extra}\n${body}`);
}

async function text(s: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('latin1');
}

async function rejectsWith(p: Promise<unknown>, kind: StoreError['kind']): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).kind).toBe(kind);
}

export function defineStoreContract(label: string, makeStore: StoreFactory): void {
  describe(`MailStore contract: ${label}`, () => {
    it('creates a mailbox with the special-use folders, subscribed', async () => {
      const store = await makeStore();
      const mb = await store.mailbox(alice);
      const folders = await mb.listFolders();
      const byName = new Map(folders.map((f) => [f.name, f]));
      expect([...byName.keys()].sort()).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
      expect(byName.get('Sent')?.specialUse).toBe('\\Sent');
      expect(byName.get('Drafts')?.specialUse).toBe('\\Drafts');
      expect(byName.get('Trash')?.specialUse).toBe('\\Trash');
      expect(byName.get('Junk')?.specialUse).toBe('\\Junk');
      expect(byName.get('Archive')?.specialUse).toBe('\\Archive');
      expect(byName.get('INBOX')?.specialUse).toBeUndefined();
      expect(await store.listMailboxes('example.com')).toEqual([alice]);
      await rejectsWith(store.mailbox(bob, { create: false }), 'not-found');
      await store.close();
    });

    it('appends with ascending UIDs, a stable UIDVALIDITY, flags and internal date', async () => {
      const store = await makeStore();
      const mb = await store.mailbox(alice);
      const a = await mb.append('INBOX', message('one'));
      const b = await mb.append('INBOX', message('two'), { flags: ['\\Seen', '$Forwarded'], internalDate: Date.UTC(2020, 0, 2, 3, 4, 5) });
      expect(b.uid).toBeGreaterThan(a.uid);
      expect(b.uidValidity).toBe(a.uidValidity);
      const f = await mb.openFolder('INBOX');
      const st = await f.sync();
      expect(st.uidValidity).toBe(a.uidValidity);
      expect(st.uidNext).toBe(b.uid + 1);
      expect(st.messages.map((m) => m.uid)).toEqual([a.uid, b.uid]);
      const mb2 = st.messages[1];
      expect([...(mb2?.flags ?? [])].sort()).toEqual(['$Forwarded', '\\Seen']);
      expect(Math.floor((mb2?.internalDate ?? 0) / 1000)).toBe(Date.UTC(2020, 0, 2, 3, 4, 5) / 1000);
      expect(st.messages[0]?.modseq).toBeGreaterThanOrEqual(1);
      expect(st.highestModSeq).toBeGreaterThanOrEqual(Math.max(...st.messages.map((m) => m.modseq)));
      f.release();
      await store.close();
    });

    it('reads the canonical CRLF form, whole or as a byte range, with RFC822.SIZE to match', async () => {
      const store = await makeStore();
      const mb = await store.mailbox(alice);
      const raw = message('crlf', 'line 1\nline 2\n');
      const { uid } = await mb.append('INBOX', raw);
      const f = await mb.openFolder('INBOX');
      const st = await f.sync();
      const whole = await text(await f.read(uid));
      expect(whole).toBe(raw.toString('latin1').replace(/\n/g, '\r\n'));
      expect(st.messages[0]?.size).toBe(whole.length);
      expect(await text(await f.read(uid, { start: 6, end: 12 }))).toBe(whole.slice(6, 12));
      expect(await text(await f.read(uid, { start: whole.length - 4 }))).toBe(whole.slice(-4));
      f.release();
      await store.close();
    });

    it('stores flags and keywords with add, remove and replace, bumping MODSEQ; UNCHANGEDSINCE reports conflicts', async () => {
      const store = await makeStore();
      const mb = await store.mailbox(alice);
      const { uid } = await mb.append('INBOX', message('flags'));
      const { uid: uid2 } = await mb.append('INBOX', message('flags2'));
      const f = await mb.openFolder('INBOX');
      const before = (await f.sync()).messages[0]?.modseq ?? 0;
      const r1 = await f.setFlags([uid], 'add', ['\\Seen', '\\Flagged', 'NonJunk']);
      expect(r1.updated).toHaveLength(1);
      expect([...(r1.updated[0]?.flags ?? [])].sort()).toEqual(['NonJunk', '\\Flagged', '\\Seen']);
      expect(r1.updated[0]?.modseq).toBeGreaterThan(before);
      const r2 = await f.setFlags([uid], 'remove', ['\\flagged']);
      expect([...(r2.updated[0]?.flags ?? [])].sort()).toEqual(['NonJunk', '\\Seen']);
      const r3 = await f.setFlags([uid], 'replace', ['\\Answered']);
      expect(r3.updated[0]?.flags).toEqual(['\\Answered']);
      const noop = await f.setFlags([uid], 'add', ['\\Answered']);
      expect(noop.updated).toHaveLength(0);
      const ms = r3.updated[0]?.modseq ?? 0;
      const r4 = await f.setFlags([uid, uid2], 'add', ['\\Deleted'], ms - 1);
      expect(r4.modified).toEqual([uid]);
      expect(r4.updated.map((m) => m.uid)).toEqual([uid2]);
      const st = await f.sync();
      expect(st.messages.find((m) => m.uid === uid)?.flags).toEqual(['\\Answered']);
      expect(st.highestModSeq).toBeGreaterThanOrEqual(r4.updated[0]?.modseq ?? 0);
      f.release();
      await store.close();
    });

    it('expunges, returns the removed UIDs, and never reuses a UID', async () => {
      const store = await makeStore();
      const mb = await store.mailbox(alice);
      const uids = [];
      for (const s of ['a', 'b', 'c']) uids.push((await mb.append('INBOX', message(s))).uid);
      const f = await mb.openFolder('INBOX');
      const removed = await f.expunge([uids[2] as number, 999_999]);
      expect(removed).toEqual([uids[2]]);
      expect((await f.sync()).messages.map((m) => m.uid)).toEqual(uids.slice(0, 2));
      const next = await mb.append('INBOX', message('d'));
      expect(next.uid).toBeGreaterThan(uids[2] as number);
      await rejectsWith(f.read(uids[2] as number), 'expunged');
      f.release();
      await store.close();
    });

    it('copies and moves with the UIDPLUS mapping, keeping flags', async () => {
      const store = await makeStore();
      const mb = await store.mailbox(alice);
      const a = await mb.append('INBOX', message('c1'), { flags: ['\\Seen', '$Label1'] });
      const b = await mb.append('INBOX', message('c2'));
      const f = await mb.openFolder('INBOX');
      await f.sync();
      const copy = await f.copyTo([b.uid, a.uid], 'Archive');
      expect(copy.pairs.map((p) => p[0])).toEqual([a.uid, b.uid]);
      const arch = await mb.openFolder('Archive');
      const ast = await arch.sync();
      expect(ast.uidValidity).toBe(copy.uidValidity);
      expect(ast.messages.map((m) => m.uid)).toEqual(copy.pairs.map((p) => p[1]));
      expect([...(ast.messages[0]?.flags ?? [])].sort()).toEqual(['$Label1', '\\Seen']);
      const move = await f.moveTo([a.uid], 'Trash');
      expect(move.pairs).toHaveLength(1);
      expect((await f.sync()).messages.map((m) => m.uid)).toEqual([b.uid]);
      const trash = await mb.openFolder('Trash');
      const tst = await trash.sync();
      expect(tst.messages.map((m) => m.uid)).toEqual([move.pairs[0]?.[1]]);
      expect(await text(await trash.read(move.pairs[0]?.[1] as number))).toContain('Subject: c1');
      await rejectsWith(f.copyTo([b.uid], 'Nope'), 'not-found');
      for (const x of [f, arch, trash]) x.release();
      await store.close();
    });

    it('hands each new message to exactly one claimRecent call', async () => {
      const store = await makeStore();
      const mb = await store.mailbox(alice);
      const { uid } = await mb.append('INBOX', message('recent'));
      const f = await mb.openFolder('INBOX');
      expect((await mb.status('INBOX')).recent).toBe(1);
      expect(await f.claimRecent()).toEqual([uid]);
      expect(await f.claimRecent()).toEqual([]);
      expect((await mb.status('INBOX')).recent).toBe(0);
      f.release();
      await store.close();
    });

    it('manages folders: create with parents, rename with children, delete, subscribe, invalid names', async () => {
      const store = await makeStore();
      const mb = await store.mailbox(alice);
      await mb.createFolder('Projects/Everlock');
      await rejectsWith(mb.createFolder('Projects/Everlock'), 'exists');
      await mb.createFolder('Réunions');
      let names = (await mb.listFolders()).map((f) => f.name);
      expect(names).toEqual(expect.arrayContaining(['Projects', 'Projects/Everlock', 'Réunions']));
      expect((await mb.listFolders()).find((f) => f.name === 'Projects')?.hasChildren).toBe(true);
      await mb.append('Projects/Everlock', message('in child'));
      await mb.renameFolder('Projects', 'Work');
      names = (await mb.listFolders()).map((f) => f.name);
      expect(names).toEqual(expect.arrayContaining(['Work', 'Work/Everlock']));
      expect(names).not.toContain('Projects');
      expect((await mb.status('Work/Everlock')).messages).toBe(1);
      await mb.setSubscribed('Work/Everlock', true);
      expect((await mb.listFolders()).find((f) => f.name === 'Work/Everlock')?.subscribed).toBe(true);
      await mb.deleteFolder('Work/Everlock');
      expect((await mb.listFolders()).map((f) => f.name)).not.toContain('Work/Everlock');
      await rejectsWith(mb.deleteFolder('INBOX'), 'no-permission');
      await rejectsWith(mb.deleteFolder('Nope'), 'not-found');
      for (const bad of ['a.b', '../x', 'a//b', '', 'x\u0001y']) await rejectsWith(mb.createFolder(bad), 'invalid-name');
      await rejectsWith(mb.openFolder('Nope'), 'not-found');
      await store.close();
    });

    it('renaming INBOX moves its messages to the new folder', async () => {
      const store = await makeStore();
      const mb = await store.mailbox(alice);
      await mb.append('INBOX', message('old inbox'));
      await mb.renameFolder('INBOX', 'Old');
      expect((await mb.status('INBOX')).messages).toBe(0);
      expect((await mb.status('Old')).messages).toBe(1);
      await store.close();
    });

    it('reports STATUS counts and size', async () => {
      const store = await makeStore();
      const mb = await store.mailbox(alice);
      await mb.append('INBOX', message('s1'), { flags: ['\\Seen'] });
      await mb.append('INBOX', message('s2'));
      const st = await mb.status('INBOX');
      expect(st.messages).toBe(2);
      expect(st.unseen).toBe(1);
      expect(st.uidNext).toBeGreaterThan(2);
      expect(st.size).toBeGreaterThan(0);
      expect(st.highestModSeq).toBeGreaterThanOrEqual(1);
      await store.close();
    });

    it('delivers one message to several mailboxes and folders, creating missing folders', async () => {
      const store = await makeStore();
      const results = await store.deliver(
        [
          { mailbox: alice, folder: 'INBOX' },
          { mailbox: bob, folder: 'Lists/Dev', flags: ['\\Seen'] },
        ],
        message('multi'),
      );
      expect(results).toHaveLength(2);
      expect(results.every((r) => r !== null && r.uid >= 1)).toBe(true);
      const a = await (await store.mailbox(alice)).status('INBOX');
      expect(a.messages).toBe(1);
      const bmb = await store.mailbox(bob);
      const f = await bmb.openFolder('Lists/Dev');
      const st = await f.sync();
      expect(st.messages).toHaveLength(1);
      expect(st.messages[0]?.flags).toEqual(['\\Seen']);
      f.release();
      await store.close();
    });

    it('parses summaries and finds a message by Message-ID', async () => {
      const store = await makeStore();
      const mb = await store.mailbox(alice);
      const { uid } = await mb.append('Sent', message('dedup me'));
      const f = await mb.openFolder('Sent');
      const s = await f.summary(uid);
      expect(s.envelope.subject).toBe('dedup me');
      expect(await mb.findByMessageId('Sent', '<dedupme@example.org>', 60_000)).toBe(uid);
      expect(await mb.findByMessageId('Sent', 'other@example.org', 60_000)).toBeNull();
      f.release();
      await store.close();
    });

    it('feeds changes to subscribers within a second', async () => {
      const store = await makeStore();
      const mb = await store.mailbox(alice);
      const f = await mb.openFolder('INBOX');
      const seen: FolderChange[] = [];
      const unsubscribe = f.subscribe((c) => seen.push(c));
      const { uid } = await mb.append('INBOX', message('feed'));
      await waitFor(() => seen.some((c) => c.type === 'added' && c.messages.some((m) => m.uid === uid)));
      await f.setFlags([uid], 'add', ['\\Seen']);
      await waitFor(() => seen.some((c) => c.type === 'flags' && c.messages.some((m) => m.uid === uid && m.flags.includes('\\Seen'))));
      await f.expunge([uid]);
      await waitFor(() => seen.some((c) => c.type === 'expunged' && c.uids.includes(uid)));
      unsubscribe();
      f.release();
      await store.close();
    });

    it('keeps quota usage up to date', async () => {
      const store = await makeStore();
      const mb = await store.mailbox(alice, { quotaBytes: 1_000_000 });
      const q0 = await mb.quota();
      const { uid } = await mb.append('INBOX', message('quota'));
      const q1 = await mb.quota();
      expect(q1.usedMessages).toBe(q0.usedMessages + 1);
      expect(q1.usedBytes).toBeGreaterThan(q0.usedBytes);
      expect(q1.limitBytes).toBe(1_000_000);
      const f = await mb.openFolder('INBOX');
      await f.expunge([uid]);
      expect((await mb.quota()).usedMessages).toBe(q0.usedMessages);
      f.release();
      const small = await store.mailbox(bob, { quotaBytes: 10 });
      await rejectsWith(small.append('INBOX', message('too big')), 'over-quota');
      await store.close();
    });
  });
}

export async function waitFor(cond: () => boolean, ms = 1000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met within ' + ms + ' ms');
    await new Promise((r) => setTimeout(r, 10));
  }
}
