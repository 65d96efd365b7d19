// `npm run bench -- imap-search [--count 100000]`
// SEARCH evaluated directly over a real Maildir INBOX of `count` messages (files written straight into cur/,
// numbered by the store's sync): SUBJECT cold (summaries computed), with only the store's summary cache warm,
// and warm (search field cache in memory); FROM, a flag-only search, and BODY over the whole folder. Measures the search module with the real store behind it,
// without the protocol layer (bench/imap.ts times the same over the wire).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openMailStore } from '../src/maildir/index.js';
import { searchMessages, type SearchContext } from '../src/server/imap/search/evaluate.js';
import { forgetFields } from '../src/server/imap/search/field-cache.js';
import type { SearchKey } from '../src/server/imap/protocol/ast.js';
import { report, type BenchRow } from './report.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '100000' } } });
const count = Number(values.count);
const root = mkdtempSync(join(tmpdir(), 'everlock-bench-search-'));

try {
  const store = openMailStore({ root, fsync: false, watch: false });
  const address = { domain: 'example.com', local: 'bench' };
  const mailbox = await store.mailbox(address, { create: true });
  const folder = await mailbox.openFolder('INBOX');
  const cur = join(root, 'example.com', 'bench', 'cur');
  const secs = Math.floor(Date.now() / 1000) - count;
  for (let i = 0; i < count; i++) {
    const subject = i % 100 === 0 ? `=?UTF-8?Q?Caf=C3=A9_menu_${i}?=` : `Weekly report ${i}`;
    const msg = Buffer.from(
      `From: Sender ${i % 50} <sender${i % 50}@example.org>\r\nTo: bench@example.com\r\nSubject: ${subject}\r\n` +
        `Date: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <${i}@example.org>\r\n\r\nBody of message ${i}.\r\n`,
    );
    writeFileSync(join(cur, `${secs + i}.M${i}P1.bench,S=${msg.length},W=${msg.length}:2,${i % 3 === 0 ? 'S' : ''}`), msg);
  }
  const state = await folder.sync();
  const ctx: SearchContext = { folder, messages: state.messages, isRecent: () => false };
  const time = async (key: SearchKey): Promise<{ ms: number; hits: number }> => {
    const t0 = performance.now();
    const hits = await searchMessages(ctx, key);
    return { ms: performance.now() - t0, hits: hits.length };
  };
  const subject: SearchKey = { kind: 'text', key: 'SUBJECT', value: 'café' };
  const cold = await time(subject);
  // the store's summary cache is warm now; empty the in-memory field cache to time that path
  forgetFields(folder);
  const storeWarm = (await time(subject)).ms;
  const warm = await time(subject);
  const from = await time({ kind: 'text', key: 'FROM', value: 'sender7@' });
  const flags = await time({ kind: 'flag', key: 'UNSEEN' });
  const body = await time({ kind: 'text', key: 'BODY', value: 'message 4242.' });
  const rows: BenchRow[] = [
    { metric: 'messages', value: state.messages.length, unit: 'msgs' },
    { metric: 'SEARCH SUBJECT cold (summaries computed)', value: cold.ms, unit: 'ms' },
    { metric: 'SEARCH SUBJECT, store summary cache warm', value: storeWarm, unit: 'ms' },
    { metric: 'SEARCH SUBJECT warm (field cache)', value: warm.ms, unit: 'ms', target: '<= 1000' },
    { metric: 'SEARCH FROM warm', value: from.ms, unit: 'ms' },
    { metric: 'SEARCH UNSEEN', value: flags.ms, unit: 'ms' },
    { metric: 'SEARCH BODY (reads every file)', value: body.ms, unit: 'ms' },
  ];
  report('imap-search', rows, { hits: { subject: warm.hits, from: from.hits, unseen: flags.hits, body: body.hits } });
  folder.release();
  await store.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}
