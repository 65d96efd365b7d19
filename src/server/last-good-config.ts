// The config that last went live, kept under <data>/last-good-config: what `serve` starts on when the config
// directory no longer validates (a reviewed commit that was pulled and then turned out broken, a hand edit),
// instead of refusing to start and leaving the box without mail until someone fixes it. The broken file is
// still reported with its line, the watcher keeps watching the real directory, and the first valid change
// there goes live as usual. Only the TOML files the config is made of are kept (everlock.toml, rules.toml,
// domains/, users/); keys, certificates and mail are in the data directory already. The copy is replaced as a
// whole: written to a new directory, then a symlink is renamed over `last-good-config`, so a crash leaves the
// old copy or the new one.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Paths } from '../config/paths.js';

export function lastGoodDir(paths: Paths): string {
  return join(paths.data, 'last-good-config');
}

/** Paths that read the kept copy instead of the config directory; undefined when there is none. */
export function lastGoodPaths(paths: Paths): Paths | undefined {
  const dir = lastGoodDir(paths);
  return existsSync(join(dir, '.complete')) ? { ...paths, config: dir } : undefined;
}

const isToml = (name: string): boolean => name.endsWith('.toml') && !name.startsWith('.');

/** Replaces the kept copy with the config directory's TOML files as they are now. */
export async function saveLastGood(paths: Paths): Promise<void> {
  const link = lastGoodDir(paths);
  if (paths.config === link) return;
  const name = `last-good-config.${Date.now()}-${randomBytes(6).toString('hex')}`;
  const fresh = join(paths.data, name);
  await mkdir(fresh, { recursive: true, mode: 0o700 });
  try {
    for (const e of await readdir(paths.config, { withFileTypes: true })) {
      if (e.isFile() && isToml(e.name)) await copyFile(join(paths.config, e.name), join(fresh, e.name));
      else if (e.isDirectory() && !e.name.startsWith('.')) {
        const files = (await readdir(join(paths.config, e.name))).filter(isToml);
        if (files.length === 0) continue;
        await mkdir(join(fresh, e.name), { mode: 0o700 });
        for (const f of files) await copyFile(join(paths.config, e.name, f), join(fresh, e.name, f));
      }
    }
    await writeFile(join(fresh, '.complete'), '');
    const tmpLink = `${link}.${randomBytes(6).toString('hex')}.link`;
    await symlink(name, tmpLink);
    await rename(tmpLink, link);
  } catch (err) {
    await rm(fresh, { recursive: true, force: true });
    throw err;
  }
  // Earlier copies (and a plain directory left by an older layout) are no longer pointed at.
  for (const e of await readdir(paths.data)) {
    if (e.startsWith('last-good-config.') && e !== name) await rm(join(paths.data, e), { recursive: true, force: true });
  }
}
