// A 50 MB message goes through the store as a stream both ways: delivery writes it to tmp/ as it arrives,
// and reading it (whole or a range) yields small chunks straight from the file, never the whole message.
import { describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openMailStore } from '../../src/maildir/index.js';
import { tempDir } from '../support/tmp.js';

const alice = { domain: 'example.com', local: 'alice' };
const TOTAL = 50 * 1024 * 1024;
const LINE = 'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01\r\n'; // 100 bytes

function bigMessage(onProgress: (produced: number) => void): Readable {
  const head = Buffer.from('From: big@example.org\r\nSubject: fifty megabytes\r\n\r\n');
  const chunk = Buffer.from(LINE.repeat(655)); // 65,500 bytes
  let produced = 0;
  return new Readable({
    read() {
      if (produced === 0) {
        produced += head.length;
        this.push(head);
        return;
      }
      if (produced >= TOTAL) {
        this.push(null);
        return;
      }
      const part = chunk.subarray(0, Math.min(chunk.length, TOTAL - produced));
      produced += part.length;
      onProgress(produced);
      this.push(part);
    },
  });
}

describe('large messages', () => {
  it('writes and reads a 50 MB message as a stream', async () => {
    const root = await tempDir('everlock-big-');
    const store = openMailStore({ root, watch: false, fsync: false });
    const mb = await store.mailbox(alice);
    const tmp = join(root, alice.domain, alice.local, 'tmp');
    let checked = false;
    let onDiskAtHalf = 0;
    const source = bigMessage((produced) => {
      if (!checked && produced >= TOTAL / 2) {
        checked = true;
        // A synchronous peek from inside the producer: what reached tmp/ by the time half was produced.
        for (const n of readdirSync(tmp)) onDiskAtHalf = Math.max(onDiskAtHalf, statSync(join(tmp, n)).size);
      }
    });
    const [r] = await store.deliver([{ mailbox: alice, folder: 'INBOX' }], source);
    if (!r) throw new Error('no UID');
    // Written through: at the half-way point most of what was produced was already in the file.
    expect(onDiskAtHalf).toBeGreaterThan(TOTAL / 2 - 8 * 1024 * 1024);

    const inbox = await mb.openFolder('INBOX');
    const m = (await inbox.sync()).messages.find((x) => x.uid === r.uid);
    expect(m?.size).toBe(TOTAL);
    const whole = (await inbox.read(r.uid)) as Readable & { bytesRead?: number };
    let total = 0;
    let biggest = 0;
    let first = true;
    for await (const c of whole) {
      const b = c as Buffer;
      if (first) {
        first = false;
        // After the first chunk the file has been read a little way, not to the end.
        expect(whole.bytesRead ?? 0).toBeLessThan(1024 * 1024);
      }
      total += b.length;
      biggest = Math.max(biggest, b.length);
    }
    expect(total).toBe(TOTAL);
    expect(biggest).toBeLessThanOrEqual(256 * 1024);

    const at = 30 * 1024 * 1024 + 7;
    const range = Buffer.concat(await (await inbox.read(r.uid, { start: at, end: at + 300 })).toArray());
    expect(range.length).toBe(300);
    const headLen = 'From: big@example.org\r\nSubject: fifty megabytes\r\n\r\n'.length;
    const offset = (at - headLen) % LINE.length;
    expect(range.toString('latin1')).toBe((LINE + LINE + LINE + LINE).slice(offset, offset + 300));
    inbox.release();
    await store.close();
  }, 60_000);
});
