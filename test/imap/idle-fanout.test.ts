// Several sessions in IDLE on one folder share one change-feed subscription (session/folder-feed.ts): a new
// message reaches each of them as `* n EXISTS`, \Recent goes to exactly one, flag changes and expunges made
// by another session still arrive as FETCH / EXPUNGE (with MODSEQ and as VANISHED for a QRESYNC session),
// and a session that joined late is told everything.
import { describe, expect, it } from 'vitest';
import { startRealServer } from './real-server.js';
import { TextWire as Wire } from './text-wire.js';

const message = (n: number): Buffer => Buffer.from(`From: a@example.org\r\nSubject: m${n}\r\nMessage-ID: <${n}@t>\r\n\r\nbody ${n}\r\n`);

describe('IDLE fan-out', () => {
  it('pushes new mail, \\Recent once, flag changes and expunges to every idling session', async () => {
    const { server, store } = await startRealServer();
    const alice = { domain: 'example.com', local: 'alice' };
    const wires = await Promise.all([0, 1, 2, 3].map(() => Wire.open(server.port)));
    for (const [i, w] of wires.entries()) {
      await w.until(/^\* OK/, 0);
      expect(await w.command('LOGIN alice@example.com secret')).toMatch(/OK/);
      if (i === 2) expect(await w.command('ENABLE QRESYNC')).toMatch(/\* ENABLED QRESYNC/);
      await w.command('SELECT INBOX');
    }
    const [a, b, c, writer] = wires as [Wire, Wire, Wire, Wire];
    const marks = [await a.idle(), await b.idle(), await c.idle()];

    await store.deliver([{ mailbox: alice, folder: 'INBOX' }], message(1));
    const seen = await Promise.all([a, b, c].map((w, i) => w.until(/\* 1 EXISTS\r\n\* \d+ RECENT\r\n/, marks[i]!)));
    const recents = seen.map((t) => Number(/\* (\d+) RECENT/.exec(t)![1]));
    expect(recents.sort()).toEqual([0, 0, 1]);

    // A flag change by a session that is not idling: pushed to the three idlers as FETCH.
    const marks2 = [a, b, c].map((w) => w.text.length);
    expect(await writer.command('STORE 1 +FLAGS (\\Flagged)')).toMatch(/\* 1 FETCH \(FLAGS \(\\Flagged\)\)/);
    await Promise.all([a, b].map((w, i) => w.until(/\* 1 FETCH \(UID 1 FLAGS \(\\Flagged( \\Recent)?\)\)\r\n/, marks2[i]!)));
    await c.until(/\* 1 FETCH \(UID 1 FLAGS \(\\Flagged( \\Recent)?\) MODSEQ \(\d+\)\)\r\n/, marks2[2]!);

    // A second message while one session has left IDLE: the others get it at once, the late one when it idles.
    expect(await c.done()).toMatch(/i OK/);
    const marks3 = [a, b].map((w) => w.text.length);
    await store.deliver([{ mailbox: alice, folder: 'INBOX' }], message(2));
    await Promise.all([a, b].map((w, i) => w.until(/\* 2 EXISTS\r\n/, marks3[i]!)));
    const from = c.text.length;
    c.socket.write('i IDLE\r\n');
    await c.until(/\* 2 EXISTS\r\n[\s\S]*\+ idling|\+ idling[\s\S]*\* 2 EXISTS\r\n/, from);

    // An expunge by the writer reaches every idler as EXPUNGE.
    const marks4 = [a, b, c].map((w) => w.text.length);
    await writer.command('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await writer.command('EXPUNGE');
    await Promise.all([a, b].map((w, i) => w.until(/\* 1 EXPUNGE\r\n/, marks4[i]!)));
    await c.until(/\* VANISHED 1\r\n/, marks4[2]!);
    expect(c.text.slice(marks4[2]!)).not.toContain('EXPUNGE');
    for (const w of [a, b, c]) expect(await w.done()).toMatch(/i OK/);
    const st = await a.command('STATUS INBOX (MESSAGES)');
    expect(st).toMatch(/MESSAGES 1\)/);
    for (const w of wires) w.socket.destroy();
  });
});
