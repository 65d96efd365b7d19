// Bad input on disk and in messages is handled (skipped with a log line, or served as is), never a crash.
import { describe, expect, it } from 'vitest';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openMailStore } from '../../src/maildir/index.js';
import { createLogger } from '../../src/log.js';
import { StoreError } from '../../src/errors.js';
import type { Folder } from '../../src/maildir/types.js';
import { message } from '../support/store-contract.js';
import { tempDir } from '../support/tmp.js';

const alice = { domain: 'example.com', local: 'alice' };

async function setup() {
  const root = await tempDir('everlock-bad-');
  const lines: string[] = [];
  const log = createLogger({ level: 'warn', json: true, write: (l) => lines.push(l) });
  const store = openMailStore({ root, watch: false, log });
  const mb = await store.mailbox(alice);
  return { root, dir: join(root, alice.domain, alice.local), store, mb, lines, log };
}

async function body(f: Folder, uid: number): Promise<Buffer> {
  return Buffer.concat(await (await f.read(uid)).toArray());
}

describe('bad input', () => {
  it('skips a corrupt uidlist line with a log line and gives its message a new UID', async () => {
    const { root, dir, store, mb, log, lines } = await setup();
    const a = await mb.append('INBOX', message('a'));
    const b = await mb.append('INBOX', message('b'));
    await store.close();
    const uidlist = join(dir, 'dovecot-uidlist');
    const text = await readFile(uidlist, 'utf8');
    const broken = text.split('\n').map((l) => (l.startsWith(`${a.uid} `) ? 'this is not a record' : l));
    await writeFile(uidlist, broken.join('\n'));
    const again = openMailStore({ root, watch: false, log });
    const f = await (await again.mailbox(alice)).openFolder('INBOX');
    const st = await f.sync();
    expect(st.messages).toHaveLength(2);
    expect(st.messages.map((m) => m.uid)).toContain(b.uid);
    expect(st.messages.map((m) => m.uid)).not.toContain(a.uid); // re-numbered, never reused
    expect(Math.max(...st.messages.map((m) => m.uid))).toBeGreaterThan(b.uid);
    expect(lines.some((l) => l.includes('corrupt uidlist line'))).toBe(true);
    f.release();
    await again.close();
  });

  it('rebuilds corrupt caches (modseq log, summaries) without losing a message or changing a UID', async () => {
    const { root, dir, store, mb, log } = await setup();
    const a = await mb.append('INBOX', message('cache', 'x\n'), { flags: ['\\Seen'] });
    const f0 = await mb.openFolder('INBOX');
    await f0.summary(a.uid);
    f0.release();
    await store.close();
    await writeFile(join(dir, 'everlock-modseq'), 'E1 Vgarbage\n\u0000\u0001 nonsense\n');
    await appendFile(join(dir, 'everlock-summaries'), 'half a line without tab\n' + a.uid + '\t{not json\n');
    const again = openMailStore({ root, watch: false, log });
    const f = await (await again.mailbox(alice)).openFolder('INBOX');
    const st = await f.sync();
    expect(st.messages.map((m) => [m.uid, m.flags])).toEqual([[a.uid, ['\\Seen']]]);
    expect(st.messages[0]?.modseq).toBeGreaterThanOrEqual(1);
    expect((await f.summary(a.uid)).envelope.subject).toBe('cache');
    f.release();
    await again.close();
  });

  it('serves a foreign file in cur/ as a message and ignores what cannot be one', async () => {
    const { dir, store, mb } = await setup();
    await writeFile(join(dir, 'cur', 'foreign-file'), 'Subject: dropped in by hand\n\nhello\n');
    await writeFile(join(dir, 'cur', '.hidden'), 'not a message');
    await mkdir(join(dir, 'cur', 'a-directory'));
    await mkdir(join(dir, '.bad..name'));
    const f = await mb.openFolder('INBOX');
    const st = await f.sync();
    expect(st.messages).toHaveLength(1);
    const uid = st.messages[0]?.uid as number;
    expect((await body(f, uid)).toString()).toBe('Subject: dropped in by hand\r\n\r\nhello\r\n');
    expect(st.messages[0]?.size).toBe('Subject: dropped in by hand\r\n\r\nhello\r\n'.length);
    expect((await f.summary(uid)).envelope.subject).toBe('dropped in by hand');
    expect((await mb.listFolders()).map((x) => x.name)).not.toContain('bad//name');
    f.release();
    await store.close();
  });

  it('stores and serves headerless, empty and non-UTF-8 messages as they are', async () => {
    const { store, mb } = await setup();
    const headerless = await mb.append('INBOX', Buffer.from('no headers at all\n'));
    const empty = await mb.append('INBOX', Buffer.alloc(0));
    const raw = Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xe9, 0xff, 0xfe]), Buffer.from('\r\n\r\nbody '), Buffer.from([0x80, 0x00, 0xc3]), Buffer.from('\r\n')]);
    const binary = await mb.append('INBOX', raw);
    const f = await mb.openFolder('INBOX');
    const st = await f.sync();
    expect((await body(f, headerless.uid)).toString()).toBe('no headers at all\r\n');
    expect((await body(f, empty.uid)).length).toBe(0);
    expect(st.messages.find((m) => m.uid === empty.uid)?.size).toBe(0);
    expect((await body(f, binary.uid)).equals(raw)).toBe(true);
    for (const uid of [headerless.uid, empty.uid, binary.uid]) {
      // A summary or a typed error, never a crash.
      const s = await f.summary(uid).then(
        (v) => ({ ok: true as const, v }),
        (e: unknown) => ({ ok: false as const, e }),
      );
      if (s.ok) expect(s.v.body).toBeDefined();
      else expect(s.e).toBeInstanceOf(StoreError);
    }
    f.release();
    await store.close();
  });

  it('rejects mailbox and folder names that could escape the tree', async () => {
    const { store, mb } = await setup();
    for (const local of ['../etc', '.hidden', 'a/b', '']) {
      const err = await store.mailbox({ domain: 'example.com', local }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).kind).toBe('invalid-name');
    }
    const err = await store.mailbox({ domain: '../x', local: 'a' }).catch((e: unknown) => e);
    expect((err as StoreError).kind).toBe('invalid-name');
    for (const name of ['..', 'a/../b', '.x', 'a.b']) {
      const e = await mb.createFolder(name).catch((x: unknown) => x);
      expect((e as StoreError).kind).toBe('invalid-name');
    }
    await store.close();
  });
});

describe('tmp/ housekeeping', () => {
  it('removes tmp/ files older than 36 hours and keeps fresh ones', async () => {
    const { cleanStaleTmp } = await import('../../src/maildir/deliver.js');
    const { dir, store } = await setup();
    await writeFile(join(dir, 'tmp', 'old'), 'x');
    await writeFile(join(dir, 'tmp', 'fresh'), 'y');
    const { utimes, readdir: ls } = await import('node:fs/promises');
    const old = (Date.now() - 37 * 3600 * 1000) / 1000;
    await utimes(join(dir, 'tmp', 'old'), old, old);
    expect(await cleanStaleTmp(dir)).toBe(1);
    expect(await ls(join(dir, 'tmp'))).toEqual(['fresh']);
    await store.close();
  });
});
