// The summary cache and its read-ahead (src/maildir/summary-cache.ts): a walk over a folder builds every
// summary exactly as the summarizer would, appends one line per message, and a fresh process reads them back
// from the cache alone (the message files are gone by then), including a cache file larger than one index
// chunk; lookups out of order work the same.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openMailStore } from '../../src/maildir/index.js';
import { SUMMARY_FILE } from '../../src/maildir/summary-cache.js';
import { summarizeMessage } from '../../src/mime/summarize.js';
import { tempDir } from '../support/tmp.js';

const who = { domain: 'example.com', local: 'sum' };
const COUNT = 700;

function message(i: number): Buffer {
  // Long subjects make the cache file larger than one index chunk (1 MB); every 7th is a multipart.
  const subject = `report ${i} ${'x'.repeat(1500)}`;
  if (i % 7 === 0) {
    return Buffer.from(
      `From: "Sender ${i}" <s${i}@example.org>\r\nTo: sum@example.com\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\n` +
        `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\nContent-Type: text/plain\r\n\r\npart one\r\n--b${i}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b${i}--\r\n`,
    );
  }
  return Buffer.from(`From: s${i}@example.org\r\nTo: sum@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${i}@t>\r\n\r\nbody ${i}\r\n`);
}

describe('summary cache', () => {
  it('builds summaries ahead during a walk and serves them from the cache in a fresh process', async () => {
    const root = await tempDir('everlock-summaries-');
    const store = openMailStore({ root, fsync: false, watch: false });
    const box = await store.mailbox(who, { create: true });
    const cur = join(root, who.domain, who.local, 'cur');
    const t = Math.floor(Date.now() / 1000);
    const files: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      const body = message(i);
      const f = join(cur, `${t}.M${String(i).padStart(4, '0')}P1.test,S=${body.length},W=${body.length}:2,`); // padded: UIDs follow the names
      writeFileSync(f, body);
      files.push(f);
    }
    const folder = await box.openFolder('INBOX');
    const { messages } = await folder.sync();
    expect(messages).toHaveLength(COUNT);
    const expected = await Promise.all(messages.map((_, i) => summarizeMessage(message(i))));
    for (let i = 0; i < COUNT; i++) expect(await folder.summary(messages[i]!.uid)).toEqual(expected[i]);
    folder.release();
    await store.close();

    const cache = readFileSync(join(root, who.domain, who.local, SUMMARY_FILE), 'utf8');
    expect(cache.length).toBeGreaterThan(1024 * 1024);
    expect(cache.split('\n').filter(Boolean)).toHaveLength(COUNT);

    // A fresh store: the state comes from the logs, summaries from the cache only.
    const again = openMailStore({ root, fsync: false, watch: false });
    const f2 = await (await again.mailbox(who)).openFolder('INBOX');
    const state = await f2.sync();
    for (const f of files) rmSync(f);
    for (let i = 0; i < COUNT; i++) expect(await f2.summary(state.messages[i]!.uid)).toEqual(expected[i]);
    // out of order: every lookup on its own
    for (const i of [650, 3, 399, 0, 699, 12]) expect(await f2.summary(state.messages[i]!.uid)).toEqual(expected[i]);
    f2.release();
    await again.close();
  });
});
