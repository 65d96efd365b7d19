// Runs the fixture scripts in test/maildir/fixtures as real child processes against the built store (dist/,
// made by `npm test`'s pretest build).
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const DIST_STORE = fileURLToPath(new URL('../../dist/maildir/index.js', import.meta.url));

export function builtStoreExists(): boolean {
  return existsSync(DIST_STORE);
}

export function runFixture(name: string, args: readonly string[]) {
  return execa(process.execPath, [FIXTURES + name, ...args], { reject: false, buffer: true, stripFinalNewline: false });
}
