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
});
