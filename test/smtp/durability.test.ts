// Durability of inbound delivery through the real listener: the 250 waits until the store has made every
// Maildir copy durable and the queue copy (a forward) is committed; a Maildir that cannot be written answers
// 451 4.3.0 and leaves no copy anywhere (the other recipient's Maildir, the queue), and the next try succeeds.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataFiles } from '../../src/config/paths.js';
import { QueueFiles } from '../../src/server/queue/files.js';
import { startHarness, type Harness } from './harness.js';
import { WireClient } from './wire.js';

const RULES = `
[[rule]]
id = "rule-forward-bob"
receiver = "bob@example.com"
action = { type = "forward", to = ["bob@remote.test"], keep_copy = true }
`;

describe('inbound durability', () => {
  let h: Harness;
  let queue: QueueFiles;
  beforeAll(async () => {
    // No queue worker: committed queue entries stay in place to be looked at.
    h = await startHarness({
      domains: { 'example.com': 'enabled = true\n' },
      users: { alice: { password: 'a', toml: 'addresses = ["alice@example.com"]\n' }, bob: { password: 'b', toml: 'addresses = ["bob@example.com"]\n' } },
      rules: RULES,
      only: ['smtp'],
    });
    queue = new QueueFiles(dataFiles.queue(h.paths));
  });
  afterAll(() => h.stop({ closeStore: true }));

  const open = async (subject: string): Promise<WireClient> => {
    const c = await WireClient.open(h.ports.smtp!);
    await c.reply();
    await c.cmd('EHLO client.test');
    await c.cmd('MAIL FROM:<sender@remote.test>');
    expect((await c.cmd('RCPT TO:<alice@example.com>')).code).toBe(250);
    expect((await c.cmd('RCPT TO:<bob@example.com>')).code).toBe(250);
    expect((await c.cmd('DATA')).code).toBe(354);
    c.write(`From: sender@remote.test\r\nSubject: ${subject}\r\n\r\nbody\r\n.\r\n`);
    return c;
  };
  const queueFiles = async (): Promise<string[]> => readdir(queue.dir).catch(() => []);

  it('answers 250 only after the store returned and the forward is queued', async () => {
    const deliver = h.store.deliver.bind(h.store);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let stored = false;
    h.store.deliver = async (targets, source) => {
      await gate;
      const r = await deliver(targets, source);
      stored = true;
      return r;
    };
    try {
      const c = await open('held');
      // While the store is held, no reply may leave.
      await expect(c.reply(500)).rejects.toThrow(/no reply/);
      expect(await queue.ids()).toEqual([]);
      release();
      const done = await c.reply();
      expect(done.text).toMatch(/^250 /);
      expect(stored).toBe(true);
      expect(await queue.ids()).toHaveLength(1);
      expect(await h.messages('alice@example.com')).toHaveLength(1);
      expect(await h.messages('bob@example.com')).toHaveLength(1);
      c.close();
    } finally {
      h.store.deliver = deliver;
    }
  });

  it('answers 451 4.3.0 and keeps no copy when one Maildir cannot be written, then accepts on retry', async () => {
    for (const id of await queue.ids()) await queue.remove(id);
    const bobTmp = join(dataFiles.mailRoot(h.paths), 'example.com', 'bob', 'tmp');
    const aliceDir = join(dataFiles.mailRoot(h.paths), 'example.com', 'alice');
    const before = { alice: (await h.messages('alice@example.com')).length, bob: (await h.messages('bob@example.com')).length };
    // A file where bob's tmp/ should be: the copy for bob fails (even for root) after alice's was written.
    await rm(bobTmp, { recursive: true, force: true });
    await writeFile(bobTmp, 'not a directory');
    try {
      const c = await open('broken');
      expect((await c.reply()).text).toMatch(/^451 4\.3\.0 /);
      c.close();
      expect(await h.messages('alice@example.com')).toHaveLength(before.alice);
      expect(await h.messages('bob@example.com')).toHaveLength(before.bob);
      expect(await readdir(join(aliceDir, 'tmp'))).toEqual([]);
      expect(await readdir(join(aliceDir, 'new'))).toHaveLength(before.alice);
      expect(await queueFiles()).toEqual([]);
    } finally {
      await rm(bobTmp, { force: true });
      await mkdir(bobTmp);
    }
    const c = await open('fixed');
    expect((await c.reply()).text).toMatch(/^250 /);
    c.close();
    expect((await h.messages('alice@example.com')).filter((m) => m.includes('Subject: fixed'))).toHaveLength(1);
    expect((await h.messages('bob@example.com')).filter((m) => m.includes('Subject: fixed'))).toHaveLength(1);
    expect(await queue.ids()).toHaveLength(1);
  });
});
