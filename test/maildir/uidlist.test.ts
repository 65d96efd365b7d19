import { describe, expect, it } from 'vitest';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Uidlist } from '../../src/maildir/uidlist.js';
import { silentLogger } from '../../src/log.js';
import { tempDir } from '../support/tmp.js';

describe('dovecot-uidlist v3', () => {
  it('writes the header and records as Dovecot does, and continues from N or the last UID', async () => {
    const dir = await tempDir();
    const u = new Uidlist(dir, silentLogger);
    await u.refresh();
    const uids = await u.append([{ base: 'a,S=1,W=1' }, { base: 'b', vsize: 7 }], false);
    expect(uids).toEqual([1, 2]);
    const text = await readFile(join(dir, 'dovecot-uidlist'), 'utf8');
    expect(text).toMatch(/^3 V\d+ N1 G[0-9a-f]{32}\n1 :a,S=1,W=1\n2 W7 :b\n$/);
    const reader = new Uidlist(dir, silentLogger);
    await reader.refresh();
    expect(reader.nextUid).toBe(3);
    expect(reader.vsizes.get(2)).toBe(7);
    expect(reader.uidOf('b')).toBe(2);
  });

  it('reads Dovecot extensions, skips corrupt or out-of-order lines, and waits for an unterminated last line', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'dovecot-uidlist'), '3 V1275660208 N10 G3085f01b7f11094c501100008c4a11c1\n1 G1275660258.M51 :one,S=5\n3 :three\nbroken\n2 :two\n4 :fo');
    const u = new Uidlist(dir, silentLogger);
    await u.refresh();
    expect(u.uidValidity).toBe(1275660208);
    expect(u.nextUid).toBe(10);
    expect(u.uids.map((_, i) => u.bases.at(i)).map((b) => [b, u.uidOf(b)])).toEqual([
      ['one,S=5', 1],
      ['three', 3],
    ]);
    await appendFile(join(dir, 'dovecot-uidlist'), 'ur\n12 :five\n');
    expect(await u.refresh()).toBe(true);
    expect(u.uidOf('four')).toBe(4);
    expect(u.nextUid).toBe(13);
    expect(await u.refresh()).toBe(false);
  });

  it('compacts by temp + rename, keeping UIDVALIDITY and never lowering the next UID', async () => {
    const dir = await tempDir();
    const u = new Uidlist(dir, silentLogger);
    await u.refresh();
    await u.append([{ base: 'a' }, { base: 'b' }, { base: 'c' }], false);
    const validity = u.uidValidity;
    await u.create(false, new Set([1]));
    expect(u.uids).toEqual([1]);
    expect(u.uidValidity).toBe(validity);
    expect(u.nextUid).toBe(4);
    const other = new Uidlist(dir, silentLogger);
    await other.refresh();
    expect(other.nextUid).toBe(4);
  });
});
