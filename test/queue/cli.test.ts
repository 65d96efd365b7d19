// `everlock queue list|retry|remove` on the queue files.
import { describe, expect, it } from 'vitest';
import { QueueFiles } from '../../src/server/queue/files.js';
import { everlock } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

describe('everlock queue', () => {
  it('lists, retries and removes entries', async () => {
    const home = await tempDir('everlock-queue-cli-');
    const files = new QueueFiles(`${home}/queue`);
    const later = Date.now() + 3_600_000;
    const id = await files.enqueue(
      { from: 'alice@example.com', dsnTo: 'alice@example.com', senderDomain: 'example.com', recipients: [{ address: 'x@remote.test', state: 'pending', attempts: 1, lastError: '451 4.3.0 later' }], created: Date.now(), nextAttempt: later, attempts: 1 },
      Buffer.from('Subject: q\r\n\r\nq\r\n'),
    );
    const list = await everlock(['queue', 'list', '--home', home, '--json']);
    expect(list.exitCode, String(list.stderr)).toBe(0);
    const entries = JSON.parse(String(list.stdout)) as Array<{ id: string; recipients: Array<{ address: string; state: string }> }>;
    expect(entries.map((e) => e.id)).toEqual([id]);
    expect(entries[0]!.recipients[0]).toMatchObject({ address: 'x@remote.test', state: 'pending' });
    expect(String((await everlock(['queue', 'list', '--home', home])).stdout)).toContain('451 4.3.0 later');

    const retry = await everlock(['queue', 'retry', '--home', home, id]);
    expect(retry.exitCode, String(retry.stderr)).toBe(0);
    expect((await files.read(id))!.nextAttempt).toBeLessThanOrEqual(Date.now());

    expect((await everlock(['queue', 'remove', '--home', home, 'NOSUCHID123'])).exitCode).toBe(1);
    expect((await everlock(['queue', 'remove', '--home', home, '../../etc'])).exitCode).toBe(1);
    const rm = await everlock(['queue', 'remove', '--home', home, id]);
    expect(rm.exitCode, String(rm.stderr)).toBe(0);
    expect(await files.ids()).toEqual([]);
    expect(String((await everlock(['queue', 'list', '--home', home])).stdout)).toContain('queue is empty');
  });
});
