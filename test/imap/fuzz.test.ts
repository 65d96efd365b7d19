// Fuzz: 100,000 random and mutated command lines against sessions on the in-memory store. Every command must
// get exactly one well-formed tagged OK/NO/BAD, in order, every other line must be untagged or a
// continuation, and nothing may crash (no [SERVERBUG], no closed connection). FUZZ_COMMANDS=N runs longer.
import { describe, expect, it } from 'vitest';
import { appendMessage, openSession, SAMPLE, type Harness } from './harness.js';
import { fuzzLine, rng, selfContained } from './fuzz.js';

const TOTAL = Number(process.env.FUZZ_COMMANDS ?? 100_000);
const BATCH = 250;
/** Commands that wait for more client input or end the connection; exercised by the transcript tests. */
const INTERACTIVE = /^\s*(?:UID\s+)?(?:IDLE|AUTHENTICATE|LOGOUT|STARTTLS|DONE)\b/i;

async function fresh(): Promise<Harness> {
  const h = await openSession();
  await h.client.command('LOGIN alice@example.com secret');
  for (let i = 1; i <= 6; i++) await appendMessage(h.client, 'INBOX', SAMPLE(i), i % 2 ? '\\Seen' : '');
  await h.client.command('SELECT INBOX');
  return h;
}

describe('fuzz', () => {
  it(`answers ${TOTAL} fuzzed commands with well-formed tagged replies`, { timeout: 240_000 }, async () => {
    const r = rng(0x5eed);
    let h = await fresh();
    let sent = 0;
    let batchNo = 0;
    while (sent < TOTAL) {
      if (h.client.closed || h.session.isClosed) h = await fresh();
      const tags: string[] = [];
      const chunks: Buffer[] = [];
      const lines: string[] = [];
      for (let i = 0; i < BATCH && sent < TOTAL; i++, sent++) {
        let body = selfContained(fuzzLine(r));
        if (INTERACTIVE.test(body)) body = 'NOOP';
        const tag = `f${batchNo}x${i}`;
        tags.push(tag);
        lines.push(body);
        chunks.push(Buffer.from(`${tag} ${body}\r\n`, 'latin1'));
      }
      // Every few batches get back into the selected state with fresh messages.
      const resetTag = `r${batchNo}`;
      chunks.push(Buffer.from(`${resetTag} SELECT INBOX\r\n`));
      batchNo++;
      h.client.write(Buffer.concat(chunks));
      let next = 0;
      for (;;) {
        let resp: string;
        try {
          resp = await h.client.response(10_000);
        } catch (err) {
          throw new Error(`no answer after ${tags[next]} ${JSON.stringify(lines[next])}: ${(err as Error).message}`);
        }
        if (resp.startsWith('* ') || resp.startsWith('+ ')) {
          expect(resp, 'untagged response mentions SERVERBUG').not.toMatch(/SERVERBUG/);
          continue;
        }
        const m = /^(\S+) (OK|NO|BAD)(?: \[[^\]]*\])? \S/.exec(resp);
        if (!m) throw new Error(`malformed reply ${JSON.stringify(resp.slice(0, 200))} to ${JSON.stringify(lines[next])}`);
        if (m[1] === resetTag) break;
        expect(m[1], `reply order, command ${JSON.stringify(lines[next])}`).toBe(tags[next]);
        if (/SERVERBUG/.test(resp)) throw new Error(`server bug on ${JSON.stringify(lines[next])}: ${resp}`);
        next++;
      }
      expect(next).toBe(tags.length);
    }
    expect(sent).toBe(TOTAL);
  });
});
