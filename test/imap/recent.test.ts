// \Recent over the wire (RFC 3501 §2.3.2) on the Maildir store: a message APPENDed with flags, COPYed or
// MOVEd in is \Recent for the first session that selects the folder (or hears of it through EXISTS, idle or
// not) and for no other; EXAMINE shows \Recent without taking it; STATUS RECENT counts what is unclaimed; two
// servers on the same files selecting at once never both show one message as \Recent.
import { describe, expect, it } from 'vitest';
import { openMailStore } from '../../src/maildir/index.js';
import { startRealServer } from './real-server.js';
import { TextWire } from './text-wire.js';

/** A logged-in connection whose commands must all succeed. */
class Wire extends TextWire {
  static async connect(port: number): Promise<Wire> {
    return (await Wire.open(port)).login();
  }
  override command(cmd: string): Promise<string> {
    return super.command(cmd, { ok: true });
  }
  append(folder: string, n: number, flags: string): Promise<string> {
    const body = `From: a@example.org\r\nSubject: m${n}\r\nMessage-ID: <${n}@recent>\r\n\r\nbody ${n}\r\n`;
    return this.command(`APPEND ${folder} (${flags}) {${Buffer.byteLength(body)}+}\r\n${body}`);
  }
}

/** The `* n RECENT` count in a response. */
function recentCount(text: string): number {
  const m = /\* (\d+) RECENT\r\n/.exec(text);
  if (!m) throw new Error(`no RECENT in: ${text}`);
  return Number(m[1]);
}

/** Message sequence numbers whose FETCH FLAGS include \Recent. */
function recentInFetch(text: string): number[] {
  return [...text.matchAll(/\* (\d+) FETCH \(FLAGS \(([^)]*)\)\)/g)].filter((m) => m[2]!.split(' ').includes('\\Recent')).map((m) => Number(m[1]));
}

describe('\\Recent', () => {
  it('APPEND with flags is \\Recent for the next session that selects the folder, and only for it', async () => {
    const { server } = await startRealServer();
    const a = await Wire.connect(server.port);
    await a.append('INBOX', 1, '\\Seen');
    expect(await a.command('STATUS INBOX (MESSAGES RECENT)')).toMatch(/\* STATUS INBOX \(MESSAGES 1 RECENT 1\)/);

    const b = await Wire.connect(server.port);
    expect(recentCount(await b.command('SELECT INBOX'))).toBe(1);
    const fetched = await b.command('FETCH 1 FLAGS');
    expect(recentInFetch(fetched)).toEqual([1]);
    expect(fetched).toMatch(/FLAGS \(\\Seen \\Recent\)/);
    expect(await a.command('STATUS INBOX (RECENT)')).toMatch(/RECENT 0\)/);
    // STATUS of its own selected mailbox counts what the session holds, as Dovecot does.
    expect(await b.command('STATUS INBOX (RECENT)')).toMatch(/RECENT 1\)/);

    const c = await Wire.connect(server.port);
    expect(recentCount(await c.command('SELECT INBOX'))).toBe(0);
    expect(recentInFetch(await c.command('FETCH 1 FLAGS'))).toEqual([]);
    // The session that claimed it keeps it for as long as it has the folder selected.
    expect(recentInFetch(await b.command('FETCH 1 FLAGS'))).toEqual([1]);
    for (const w of [a, b, c]) w.close();
  });

  it('EXAMINE shows \\Recent without taking it', async () => {
    const { server } = await startRealServer();
    const a = await Wire.connect(server.port);
    await a.append('INBOX', 1, '\\Flagged');
    await a.append('INBOX', 2, '');
    const x = await Wire.connect(server.port);
    expect(recentCount(await x.command('EXAMINE INBOX'))).toBe(2);
    expect(recentInFetch(await x.command('FETCH 1:* FLAGS'))).toEqual([1, 2]);
    const y = await Wire.connect(server.port);
    expect(recentCount(await y.command('EXAMINE INBOX'))).toBe(2);
    expect(recentCount(await y.command('SELECT INBOX'))).toBe(2);
    expect(recentInFetch(await y.command('FETCH 1:* FLAGS'))).toEqual([1, 2]);
    const z = await Wire.connect(server.port);
    expect(recentCount(await z.command('EXAMINE INBOX'))).toBe(0);

    // A read-only session in IDLE hears of new mail as \Recent and leaves it for the next SELECT.
    const from = x.text.length;
    x.socket.write('i IDLE\r\n');
    await x.until(/^\+ /m, from);
    await a.append('INBOX', 3, '\\Seen');
    await x.until(/\* 3 EXISTS\r\n\* 3 RECENT\r\n/, from);
    x.socket.write('DONE\r\n');
    await x.until(/(^|\r\n)i OK/, from);
    expect(recentCount(await z.command('SELECT INBOX'))).toBe(1);
    expect(recentInFetch(await z.command('FETCH 1:* FLAGS'))).toEqual([3]);
    // y, selected all along, keeps its two and does not get the third.
    expect(await y.command('NOOP')).toMatch(/\* 3 EXISTS\r\n\* 2 RECENT\r\n/);
    for (const w of [a, x, y, z]) w.close();
  });

  it('COPY and MOVE make the copies \\Recent in the destination: on SELECT, after EXISTS, and in IDLE', async () => {
    const { server } = await startRealServer();
    const a = await Wire.connect(server.port);
    for (let i = 1; i <= 3; i++) await a.append('INBOX', i, '\\Seen');
    expect(recentCount(await a.command('SELECT INBOX'))).toBe(3);
    await a.command('CREATE Other');
    expect(await a.command('COPY 1 Other')).toMatch(/COPYUID/);

    const b = await Wire.connect(server.port);
    expect(recentCount(await b.command('SELECT Other'))).toBe(1);
    expect(recentInFetch(await b.command('FETCH 1 FLAGS'))).toEqual([1]);

    // A command boundary: EXISTS, then RECENT counting the moved message too.
    await a.command('MOVE 2 Other');
    const noop = await b.command('NOOP');
    expect(noop).toMatch(/\* 2 EXISTS\r\n\* 2 RECENT\r\n/);
    expect(recentInFetch(await b.command('FETCH 1:* FLAGS'))).toEqual([1, 2]);

    // IDLE: the push carries it as \Recent as well.
    const from = b.text.length;
    b.socket.write('i IDLE\r\n');
    await b.until(/^\+ /m, from);
    await a.command('UID MOVE 3 Other');
    await b.until(/\* 3 EXISTS\r\n\* 3 RECENT\r\n/, from);
    b.socket.write('DONE\r\n');
    await b.until(/(^|\r\n)i OK/, from);
    expect(recentInFetch(await b.command('FETCH 1:* FLAGS'))).toEqual([1, 2, 3]);

    // Nobody else sees them as \Recent.
    const c = await Wire.connect(server.port);
    expect(recentCount(await c.command('SELECT Other'))).toBe(0);
    for (const w of [a, b, c]) w.close();
  });

  it('expunging \\Recent messages reports the new RECENT count, at a command and in IDLE', async () => {
    const { server } = await startRealServer();
    const a = await Wire.connect(server.port);
    for (let i = 1; i <= 3; i++) await a.append('INBOX', i, '\\Seen');
    const b = await Wire.connect(server.port);
    expect(recentCount(await b.command('SELECT INBOX'))).toBe(3);
    expect(await b.command('STORE 1 +FLAGS.SILENT (\\Deleted)')).not.toMatch(/RECENT/);
    expect(await b.command('EXPUNGE')).toMatch(/\* 1 EXPUNGE\r\n\* 2 RECENT\r\n/);

    // Someone else expunges while b idles: the push carries the count too.
    expect(recentCount(await a.command('SELECT INBOX'))).toBe(0);
    const from = b.text.length;
    b.socket.write('i IDLE\r\n');
    await b.until(/^\+ /m, from);
    await a.command('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await a.command('EXPUNGE');
    await b.until(/\* 1 EXPUNGE\r\n\* 1 RECENT\r\n/, from);
    b.socket.write('DONE\r\n');
    await b.until(/(^|\r\n)i OK/, from);
    expect(recentInFetch(await b.command('FETCH 1:* FLAGS'))).toEqual([1]);
    // a held no \Recent: its own EXPUNGE says nothing about it.
    await a.command('STORE 1 +FLAGS.SILENT (\\Deleted)');
    expect(await a.command('EXPUNGE')).not.toMatch(/RECENT/);
    for (const w of [a, b]) w.close();
  });

  it('two servers on the same files selecting at once never both show a message as \\Recent', async () => {
    const first = await startRealServer();
    const second = await startRealServer({ store: openMailStore({ root: first.root, fsync: false, pollMs: 100 }) });
    const a = await Wire.connect(first.server.port);
    const total = 12;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < total / 3; i++) await a.append('INBOX', round * 10 + i, i % 2 ? '\\Seen' : '');
      const wires = await Promise.all([first, second, first, second].map((s) => Wire.connect(s.server.port)));
      const selects = await Promise.all(wires.map((w) => w.command('SELECT INBOX')));
      const counts = selects.map(recentCount);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(total / 3);
      const fetched = await Promise.all(wires.map((w) => w.command('FETCH 1:* FLAGS')));
      const seqs = fetched.flatMap(recentInFetch);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs.length).toBe(total / 3);
      for (const w of wires) w.close();
    }
    a.close();
  });
});
