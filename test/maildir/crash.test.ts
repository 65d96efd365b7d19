// Crash safety: a child delivering in a loop is SIGKILLed at random moments, 50 times. Every delivery it
// reported is intact with the UID it was given, no partial file is visible in new/ or cur/, the uidlist
// parses without a corrupt line, and no UID or file appears twice.
import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { openMailStore } from '../../src/maildir/index.js';
import { createLogger } from '../../src/log.js';
import { sizeField, baseOf } from '../../src/maildir/filename.js';
import { tempDir } from '../support/tmp.js';
import { FIXTURES, requireBuiltStore } from './child.js';

const KILLS = Number(process.env.EVERLOCK_CRASH_KILLS ?? 50);

describe('crash safety', () => {
  it(`keeps every reported delivery through ${KILLS} SIGKILLs`, async () => {
    requireBuiltStore();
    const root = await tempDir('everlock-crash-');
    const reported = new Map<number, number>();
    let seq = 1;
    for (let i = 0; i < KILLS; i++) {
      const child = execa(process.execPath, [FIXTURES + 'deliver-loop.mjs', root, String(seq)], { reject: false, buffer: false });
      let out = '';
      let ready: () => void;
      const started = new Promise<void>((r) => (ready = r));
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready\n')) ready();
      });
      await started;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 120));
      child.kill('SIGKILL');
      await child;
      for (const line of out.split('\n')) {
        const m = /^done (\d+) (\d+)$/.exec(line);
        if (m) reported.set(Number(m[1]), Number(m[2]));
      }
      seq = Math.max(seq, ...reported.keys()) + 1000;
    }
    expect(reported.size).toBeGreaterThan(KILLS);

    const warnings: string[] = [];
    const log = createLogger({ level: 'warn', json: true, write: (l) => warnings.push(l) });
    const store = openMailStore({ root, watch: false, log });
    const mb = await store.mailbox({ domain: 'example.com', local: 'alice' }, { create: false });
    const inbox = await mb.openFolder('INBOX');
    const st = await inbox.sync();
    const uids = st.messages.map((m) => m.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const [s, uid] of reported) {
      if (uid === 0) continue; // durable, UID left for the next sync
      const m = st.messages.find((x) => x.uid === uid);
      expect(m, `delivery ${s} (uid ${uid})`).toBeDefined();
      const body = Buffer.concat(await (await inbox.read(uid)).toArray()).toString();
      expect(body).toContain(`X-Seq: ${s}\r\n`);
      expect(body.endsWith('END\r\n')).toBe(true);
    }
    // Every visible file is complete: its size is the one in its name.
    const dir = join(root, 'example.com', 'alice');
    for (const sub of ['new', 'cur']) {
      for (const name of await readdir(join(dir, sub))) {
        const data = await readFile(join(dir, sub, name));
        expect(data.length, name).toBe(sizeField(baseOf(name), 'S'));
        expect(data.toString().endsWith('END\r\n')).toBe(true);
      }
    }
    const uidlist = (await readFile(join(dir, 'dovecot-uidlist'), 'latin1')).split('\n').filter(Boolean);
    expect(uidlist[0]).toMatch(/^3 V\d+ N\d+ G[0-9a-f]{32}$/);
    const bases = uidlist.slice(1).map((l) => l.slice(l.indexOf(' :') + 2));
    expect(new Set(bases).size).toBe(bases.length);
    expect(warnings.filter((w) => w.includes('corrupt'))).toEqual([]);
    inbox.release();
    await store.close();
    // A second process sees exactly the same state.
    const again = await execa(process.execPath, ['-e', `import(${JSON.stringify(FIXTURES + '../../../dist/maildir/index.js')}).then(async ({ openMailStore }) => { const s = openMailStore({ root: ${JSON.stringify(root)}, watch: false }); const mb = await s.mailbox({ domain: 'example.com', local: 'alice' }); const f = await mb.openFolder('INBOX'); console.log(JSON.stringify((await f.sync()).messages.map((m) => m.uid))); })`]);
    expect(JSON.parse(again.stdout)).toEqual(uids);
  }, 120_000);
});
