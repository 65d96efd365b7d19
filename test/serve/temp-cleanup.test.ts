// Temp files a crash leaves in <data>/tmp (an SMTP message being spooled, an IMAP APPEND body being received)
// are removed at the next start once they are an hour old; fresh ones (a transfer of another process running
// now) and files that are not ours stay.
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTempFiles } from '../../src/server/temp-cleanup.js';
import { startServer } from '../support/server.js';
import { tempDir } from '../support/tmp.js';

async function seed(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const old = new Date(Date.now() - 2 * 3600_000);
  for (const name of ['msg-1700000000000-0123456789abcdef.eml', 'everlock-append-4242-00ff00ff00ff00ff00']) {
    await writeFile(join(dir, name), 'x');
    await utimes(join(dir, name), old, old);
  }
  await writeFile(join(dir, 'msg-1700000000001-fedcba9876543210.eml'), 'fresh');
  await writeFile(join(dir, 'notes.txt'), 'not ours');
  await utimes(join(dir, 'notes.txt'), old, old);
}

describe('stale temp files', () => {
  it('removes only old files of our kinds', async () => {
    const dir = join(await tempDir('everlock-tmpclean-'), 'tmp');
    await seed(dir);
    expect(await removeStaleTempFiles(dir)).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['msg-1700000000001-fedcba9876543210.eml', 'notes.txt']);
    expect(await removeStaleTempFiles(join(dir, 'missing'))).toBe(0);
  });

  it('everlock serve clears them at start and says so', async () => {
    const home = join(await tempDir('everlock-tmpclean-'), 'home');
    await seed(join(home, 'tmp'));
    const server = await startServer({ home });
    try {
      await server.waitForLine(/removed temp files left by an earlier run/);
      expect((await readdir(join(home, 'tmp'))).sort()).toEqual(['msg-1700000000001-fedcba9876543210.eml', 'notes.txt']);
    } finally {
      await server.stop();
    }
  });
});
