// limits.imap_commands_per_second (SPEC §10): a session over the rate is slowed down, never refused, and every
// command is still answered, in order.
import { describe, expect, it } from 'vitest';
import { CommandPace } from '../../src/server/imap/session/pace.js';
import { openSession } from './harness.js';

describe('CommandPace', () => {
  it('lets one second of commands through at once, then spaces them at the rate', () => {
    let now = 1_000_000;
    const pace = new CommandPace(10, () => now);
    for (let i = 0; i < 10; i++) expect(pace.take()).toBe(0);
    expect(pace.take()).toBe(100);
    expect(pace.take()).toBe(200);
    now += 200; // the two waits above have passed
    expect(pace.take()).toBe(100);
    now += 10_000; // a quiet spell refills the bucket, but never beyond one second of commands
    for (let i = 0; i < 10; i++) expect(pace.take()).toBe(0);
    expect(pace.take()).toBeGreaterThan(0);
  });
});

describe('an IMAP session over its command rate', () => {
  async function pipelined(limits: { commandsPerSecond?: number }, count: number): Promise<{ ms: number; replies: string[] }> {
    const h = await openSession({ limits });
    await h.client.command('LOGIN alice@example.com secret');
    const t0 = Date.now();
    h.client.write(Array.from({ length: count }, (_, i) => `n${i} NOOP\r\n`).join(''));
    const replies = await h.client.until(`n${count - 1}`, 20_000);
    return { ms: Date.now() - t0, replies };
  }

  it('answers every command, in order, at the rate once the burst is spent', async () => {
    // 20 per second: the first 20 (19 after LOGIN took one) run at once, the other 40 take about 2 s.
    const { ms, replies } = await pipelined({ commandsPerSecond: 20 }, 60);
    expect(replies.filter((r) => / OK /.test(r))).toHaveLength(60);
    expect(replies.map((r) => r.split(' ')[0])).toEqual(Array.from({ length: 60 }, (_, i) => `n${i}`));
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(6000);
  });

  it('without a rate the same commands are answered at once', async () => {
    const { ms, replies } = await pipelined({}, 60);
    expect(replies.filter((r) => / OK /.test(r))).toHaveLength(60);
    expect(ms).toBeLessThan(1000);
  });
});
