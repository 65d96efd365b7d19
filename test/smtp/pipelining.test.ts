// RFC 2920 §3.1: a server answering a pipelined group should send the replies together. A MAIL/RCPT/DATA
// group accepted for a local user is answered with one socket write (one system call, one segment), which is
// what the SMTP throughput benchmark leans on; a flush per reply would cost a write and a client wake-up each.
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import { WireClient } from './wire.js';

describe('pipelined replies', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      domains: { 'example.com': 'enabled = true\n' },
      users: { alice: { password: 'secret-alice', toml: 'addresses = ["alice@example.com"]\n' } },
      only: ['smtp'],
    });
  });
  afterAll(() => h.stop({ closeStore: true }));

  it('answers MAIL/RCPT/DATA sent together with one socket write, and the message is delivered', async () => {
    const c = await WireClient.open(h.ports.smtp!);
    await c.reply();
    await c.cmd('EHLO client.test');
    // Every write the server makes on this connection, as the socket layer sees it (a corked group is one
    // _writev call, which is one system call).
    const writes: string[] = [];
    type WriteFn = (this: Socket, ...args: unknown[]) => void;
    const proto = Socket.prototype as unknown as { _write: WriteFn; _writev: WriteFn };
    const original = { _write: proto._write, _writev: proto._writev };
    const ours = (s: Socket): boolean => s.remotePort === c.localPort;
    proto._write = function (this: Socket, ...args: unknown[]) {
      if (ours(this)) writes.push(String(args[0]));
      return original._write.apply(this, args);
    };
    proto._writev = function (this: Socket, ...args: unknown[]) {
      if (ours(this)) writes.push((args[0] as Array<{ chunk: unknown }>).map((w) => String(w.chunk)).join(''));
      return original._writev.apply(this, args);
    };
    try {
      for (let i = 0; i < 3; i++) {
        writes.length = 0;
        c.write('MAIL FROM:<bob@sender.test>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n');
        expect((await c.reply()).code).toBe(250);
        expect((await c.reply()).code).toBe(250);
        expect((await c.reply()).code).toBe(354);
        expect(writes).toHaveLength(1);
        expect(writes[0]).toMatch(/^250 2\.1\.0 [^\r]*\r\n250 2\.1\.5 [^\r]*\r\n354 [^\r]*\r\n$/);
        c.write(`Subject: grouped ${i}\r\n\r\nhi\r\n.\r\n`);
        expect((await c.reply()).code).toBe(250);
      }
    } finally {
      Object.assign(proto, original);
    }
    await c.cmd('QUIT');
    c.close();
    expect(await h.messages('alice@example.com')).toHaveLength(3);
  });
});
