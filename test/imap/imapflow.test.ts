// imapflow (a real client) against the real listener and the Maildir store.
import { ImapFlow } from 'imapflow';
import { afterEach, describe, expect, it } from 'vitest';
import { openMailStore } from '../../src/maildir/index.js';
import { SAMPLE } from './harness.js';
import { startRealServer } from './real-server.js';

const clients: ImapFlow[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.logout().catch(() => c.close());
});

function client(port: number, user = 'alice@example.com', pass = 'secret'): ImapFlow {
  const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass }, logger: false, doSTARTTLS: false });
  clients.push(c);
  return c;
}

async function sentCount(c: ImapFlow): Promise<number | undefined> {
  const st = await c.status('Sent', { messages: true });
  return st ? st.messages : undefined;
}

describe('imapflow against the real server', () => {
  it('login, list, append, select, fetch, store, search, copy, move, expunge', async () => {
    const { server } = await startRealServer();
    const c = client(server.port);
    await c.connect();
    const list = await c.list();
    const names = list.map((m) => m.path);
    expect(names).toEqual(expect.arrayContaining(['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk', 'Archive']));
    expect(list.find((m) => m.path === 'Sent')?.specialUse).toBe('\\Sent');

    const raw = SAMPLE(1, 'Hello imapflow');
    const appended = await c.append('INBOX', raw, ['\\Flagged']);
    expect(appended && appended.uid).toBe(1);
    await c.append('INBOX', SAMPLE(2, 'Second'));

    const box = await c.mailboxOpen('INBOX');
    expect(box.exists).toBe(2);
    const msg = await c.fetchOne('1', { source: true, envelope: true, flags: true, uid: true, bodyStructure: true });
    expect(msg && msg.source?.toString()).toBe(raw);
    expect(msg && msg.envelope?.subject).toBe('Hello imapflow');
    expect(msg && [...(msg.flags ?? [])]).toContain('\\Flagged');

    await c.messageFlagsAdd('2', ['\\Seen', '$Label1']);
    const f2 = await c.fetchOne('2', { flags: true });
    expect(f2 && [...(f2.flags ?? [])].filter((x) => x !== '\\Recent').sort()).toEqual(['$Label1', '\\Seen']);

    expect(await c.search({ subject: 'second' })).toEqual([2]);
    expect(await c.search({ seen: false })).toEqual([1]);

    const copied = await c.messageCopy('1', 'Archive');
    expect(copied && copied.uidMap?.get(1)).toBe(1);
    const moved = await c.messageMove('2', 'Trash');
    expect(moved && moved.uidMap?.get(2)).toBe(1);
    expect(c.mailbox && c.mailbox.exists).toBe(1);

    await c.messageFlagsAdd('1', ['\\Deleted']);
    await c.messageDelete('1');
    const status = await c.status('INBOX', { messages: true });
    expect(status && status.messages).toBe(0);
    const trash = await c.status('Trash', { messages: true, uidNext: true });
    expect(trash && trash.messages).toBe(1);
  });

  it('IDLE pushes a new message from another session in under a second', async () => {
    const { server } = await startRealServer();
    const watcher = client(server.port);
    const writer = client(server.port);
    await watcher.connect();
    await writer.connect();
    await watcher.mailboxOpen('INBOX');
    const seen = new Promise<number>((resolve) => watcher.on('exists', (d: { count: number }) => resolve(d.count)));
    const idling = watcher.idle();
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await writer.append('INBOX', SAMPLE(3));
    expect(await seen).toBe(1);
    const latency = Date.now() - t0;
    expect(latency).toBeLessThan(1000);
    console.log(`IDLE push latency (APPEND in another session -> * EXISTS): ${latency} ms`);
    void idling;
  });

  it('IDLE pushes a delivery made by another store instance (another process) in under a second', async () => {
    const { server, root } = await startRealServer();
    const watcher = client(server.port);
    await watcher.connect();
    await watcher.mailboxOpen('INBOX');
    const seen = new Promise<number>((resolve) => watcher.on('exists', (d: { count: number }) => resolve(d.count)));
    void watcher.idle();
    await new Promise((r) => setTimeout(r, 100));
    const other = openMailStore({ root, fsync: false, watch: false });
    const t0 = Date.now();
    await other.deliver([{ mailbox: { domain: 'example.com', local: 'alice' }, folder: 'INBOX' }], Buffer.from(SAMPLE(5)));
    expect(await seen).toBe(1);
    const latency = Date.now() - t0;
    expect(latency).toBeLessThan(1000);
    console.log(`IDLE push latency (delivery by another store instance -> * EXISTS): ${latency} ms`);
    await other.close();
  });

  it('two sessions on one folder see flag changes and expunges', async () => {
    const { server } = await startRealServer();
    const a = client(server.port);
    const b = client(server.port);
    await a.connect();
    await b.connect();
    await a.append('INBOX', SAMPLE(1));
    await a.append('INBOX', SAMPLE(2));
    await a.mailboxOpen('INBOX');
    await b.mailboxOpen('INBOX');
    const flags = new Promise<{ uid?: number; flags: Set<string> }>((resolve) => a.on('flags', resolve));
    const expunged = new Promise<{ seq: number }>((resolve) => a.on('expunge', resolve));
    await b.messageFlagsAdd('2', ['\\Answered']);
    await a.noop();
    const f = await flags;
    expect([...f.flags]).toContain('\\Answered');
    await b.messageDelete('1');
    await a.noop();
    expect((await expunged).seq).toBe(1);
    expect(a.mailbox && a.mailbox.exists).toBe(1);
  });

  it('UIDs and UIDVALIDITY survive reconnects and a server restart on the same files', async () => {
    const first = await startRealServer();
    const a = client(first.server.port);
    await a.connect();
    for (let i = 1; i <= 4; i++) await a.append('INBOX', SAMPLE(i));
    await a.mailboxOpen('INBOX');
    await a.messageDelete('2');
    const before: Array<[number, string]> = [];
    for await (const m of a.fetch('1:*', { uid: true, envelope: true })) before.push([m.uid, m.envelope?.subject ?? '']);
    const validity = a.mailbox && a.mailbox.uidValidity;
    await a.logout();
    expect(before.map((x) => x[0])).toEqual([1, 3, 4]);

    const again = client(first.server.port);
    await again.connect();
    await again.mailboxOpen('INBOX');
    const after: Array<[number, string]> = [];
    for await (const m of again.fetch('1:*', { uid: true, envelope: true })) after.push([m.uid, m.envelope?.subject ?? '']);
    expect(after).toEqual(before);
    expect(again.mailbox && again.mailbox.uidValidity).toBe(validity);

    // A second server and store over the same Maildir (a restart): the same UIDs, the next UID not reused.
    const second = await startRealServer({ store: openMailStore({ root: first.root, fsync: false, pollMs: 100 }) });
    const b = client(second.server.port);
    await b.connect();
    const box = await b.mailboxOpen('INBOX');
    expect(box.uidValidity).toBe(validity);
    const restarted: Array<[number, string]> = [];
    for await (const m of b.fetch('1:*', { uid: true, envelope: true })) restarted.push([m.uid, m.envelope?.subject ?? '']);
    expect(restarted).toEqual(before);
    const r = await b.append('INBOX', SAMPLE(5));
    expect(r && r.uid).toBe(5);
    await second.store.close();
  });

  it('namespaces, ID, LIST-STATUS, special-use CREATE, rename, subscribe, delete', async () => {
    const { server } = await startRealServer();
    const c = new ImapFlow({ host: '127.0.0.1', port: server.port, secure: false, auth: { user: 'alice@example.com', pass: 'secret' }, logger: false, clientInfo: { name: 'vitest' } });
    clients.push(c);
    await c.connect();
    expect(c.serverInfo && c.serverInfo.name).toBe('everlock');
    expect(c.namespaces && c.namespaces.personal[0]).toMatchObject({ prefix: '', delimiter: '/' });
    expect(c.namespaces && c.namespaces.shared && c.namespaces.shared[0]).toMatchObject({ prefix: 'Shared/', delimiter: '/' });
    await c.mailboxCreate(['Projects', 'Alpha']);
    await c.append('Projects/Alpha', SAMPLE(1), ['\\Seen']);
    await c.append('Projects/Alpha', SAMPLE(2));
    const listed = await c.list({ statusQuery: { messages: true, unseen: true, uidNext: true } });
    const alpha = listed.find((m) => m.path === 'Projects/Alpha');
    expect(alpha && alpha.status).toMatchObject({ messages: 2, unseen: 1, uidNext: 3 });
    expect(listed.find((m) => m.path === 'Projects')?.flags.has('\\HasChildren')).toBe(true);
    expect(listed.some((m) => m.path.startsWith('Shared/support@example.com'))).toBe(true);

    await c.mailboxRename('Projects/Alpha', 'Projects/Beta');
    await c.mailboxSubscribe('Projects/Beta');
    const subscribed = (await c.list()).filter((m) => m.subscribed).map((m) => m.path);
    expect(subscribed).toContain('Projects/Beta');
    const beta = await c.status('Projects/Beta', { messages: true });
    expect(beta && beta.messages).toBe(2);
    await c.mailboxDelete('Projects/Beta');
    expect((await c.list()).some((m) => m.path === 'Projects/Beta')).toBe(false);
  });

  it('CONDSTORE and QRESYNC: CHANGEDSINCE returns only changed messages, expunges arrive as VANISHED', async () => {
    const { server } = await startRealServer();
    const a = new ImapFlow({ host: '127.0.0.1', port: server.port, secure: false, auth: { user: 'alice@example.com', pass: 'secret' }, logger: false, qresync: true });
    clients.push(a);
    await a.connect();
    expect(a.enabled.has('QRESYNC')).toBe(true);
    for (let i = 1; i <= 3; i++) await a.append('INBOX', SAMPLE(i));
    const box = await a.mailboxOpen('INBOX');
    const modseq = box.highestModseq;
    expect(typeof modseq).toBe('bigint');
    await a.messageFlagsAdd('1', ['\\Flagged']);
    const expunged = new Promise<{ uid?: number; vanished?: boolean }>((resolve) => a.on('expunge', resolve));
    await a.messageDelete('2');
    expect(await expunged).toMatchObject({ uid: 2, vanished: true });
    const changed: number[] = [];
    for await (const m of a.fetch('1:*', { uid: true, flags: true }, { changedSince: modseq ?? 0n })) changed.push(m.uid);
    expect(changed).toEqual([1]);
    const st = await a.status('INBOX', { highestModseq: true });
    expect(st && st.highestModseq && st.highestModseq > (modseq ?? 0n)).toBe(true);
  });

  it('Sent de-duplication: an APPEND of a message the submission path filed in Sent returns its UID', async () => {
    const { server, store } = await startRealServer();
    const alice = { domain: 'example.com', local: 'alice' };
    const raw = Buffer.from(SAMPLE(7, 'Sent by submission'));
    const [stored] = await store.deliver([{ mailbox: alice, folder: 'Sent', flags: ['\\Seen'] }], raw);
    const c = client(server.port);
    await c.connect();
    const again = await c.append('Sent', raw, ['\\Seen']);
    expect(again && again.uid).toBe(stored && stored.uid);
    expect(await sentCount(c)).toBe(1);
    // Elsewhere than Sent, or another Message-ID, is stored as usual.
    const inbox = await c.append('INBOX', raw);
    expect(inbox && inbox.uid).toBe(1);
    await c.append('Sent', Buffer.from(SAMPLE(8)));
    expect(await sentCount(c)).toBe(2);
    // Older than ten minutes: a second copy is stored.
    const box = await store.mailbox(alice);
    await box.append('Sent', Buffer.from(SAMPLE(9)), { internalDate: Date.now() - 11 * 60 * 1000 });
    const late = await c.append('Sent', Buffer.from(SAMPLE(9)));
    expect(await sentCount(c)).toBe(4);
    expect(late && late.uid).toBe(4);
  });

  it('four sessions changing one folder at once end with the same view as the store', async () => {
    const { server, store } = await startRealServer();
    const sessions = [0, 1, 2, 3].map(() => client(server.port));
    for (const c of sessions) await c.connect();
    for (let i = 1; i <= 12; i++) await sessions[0]!.append('INBOX', SAMPLE(i));
    for (const c of sessions) await c.mailboxOpen('INBOX');
    // Each session works on its own UIDs (flags, deletes, moves) while the others do the same.
    await Promise.all(
      sessions.map(async (c, k) => {
        const mine = [k + 1, k + 5, k + 9];
        await c.messageFlagsAdd(String(mine[0]), ['\\Flagged', `$S${k}`], { uid: true });
        await c.messageFlagsAdd(String(mine[1]), ['\\Seen'], { uid: true });
        await c.messageDelete(String(mine[2]), { uid: true });
        await c.append('INBOX', SAMPLE(20 + k));
        await c.messageMove(String(mine[1]), 'Archive', { uid: true });
      }),
    );
    const views: string[] = [];
    for (const c of sessions) {
      await c.noop();
      const lines: string[] = [];
      for await (const m of c.fetch('1:*', { uid: true, flags: true })) {
        lines.push(`${m.seq}:${m.uid}:${[...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort().join(',')}`);
      }
      expect(c.mailbox && c.mailbox.exists).toBe(lines.length);
      views.push(lines.join(' '));
    }
    const box = await store.mailbox({ domain: 'example.com', local: 'alice' });
    const f = await box.openFolder('INBOX');
    const truth = (await f.sync()).messages.map((m, i) => `${i + 1}:${m.uid}:${[...m.flags].sort().join(',')}`).join(' ');
    f.release();
    for (const v of views) expect(v).toBe(truth);
    // 12 + 4 appended, 4 deleted, 4 moved away.
    expect(truth.split(' ')).toHaveLength(8);
    expect((await box.status('Archive')).messages).toBe(4);
  });
});
