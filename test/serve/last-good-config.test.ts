// A config directory that stops validating (a pulled commit turned out broken) no longer keeps `serve` from
// starting: it starts on the copy of the config that was last live, names the broken file and line, serves,
// and the fix applies live. With no copy (never started), a broken config is still refused.
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TextWire } from '../imap/text-wire.js';
import { startServer } from '../support/server.js';
import { everlock } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

describe('serve with a config that no longer validates', () => {
  it('starts on the last config that was live, reports the broken file, and takes the fix live', async () => {
    const home = join(await tempDir('everlock-lastgood-'), 'home');
    const first = await startServer({ home, args: ['--frontend-imap'] });
    const user = first.user!;
    // The copy is made once the config has gone live.
    const end = Date.now() + 10_000;
    while (!existsSync(join(home, 'last-good-config', '.complete')) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(join(home, 'last-good-config', 'users'))).toBe(true);
    await first.stop();

    await writeFile(join(home, 'users', 'broken.toml'), 'password = \n');
    const second = await startServer({ home, args: ['--frontend-imap'] });
    try {
      await second.waitForLine(/^config: users\/broken\.toml:1/);
      await second.waitForLine(/starting on the last config that was live/);
      // It serves: the user from the kept config logs in.
      const wire = await TextWire.open(second.ports.imapStarttls!);
      await wire.login(user.login, user.password);
      wire.socket.destroy();
      await rm(join(home, 'users', 'broken.toml'));
      await second.waitForLine(/^config generation 2 live/);
    } finally {
      await second.stop();
    }
  });

  it('refuses to start on a broken config when no config was ever live', async () => {
    const home = join(await tempDir('everlock-lastgood-'), 'home');
    const init = await everlock(['init', '--home', home]);
    expect(init.exitCode, String(init.stderr)).toBe(0);
    await writeFile(join(home, 'users', 'broken.toml'), 'password = \n');
    const r = await everlock(['serve', '--home', home, '--frontend-imap', '--frontend-imap-starttls-listen', '127.0.0.1:0', '--frontend-imap-tls-listen', '127.0.0.1:0']);
    expect(r.exitCode).not.toBe(0);
    expect(String(r.stderr) + String(r.stdout)).toMatch(/users\/broken\.toml:1/);
    expect(existsSync(join(home, 'last-good-config'))).toBe(false);
  });
});
