// Runs the fixture scripts in test/maildir/fixtures as real child processes against the built store (dist/,
// made by `npm test`'s pretest build). A missing build fails the test that needs it, with the fix in the
// message: silently skipping would hide the crash and concurrency checks.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const DIST_STORE = fileURLToPath(new URL('../../dist/maildir/index.js', import.meta.url));

export function requireBuiltStore(): void {
  if (!existsSync(DIST_STORE)) throw new Error(`${DIST_STORE} is missing: run \`npm run build\` first (child processes run the built store)`);
}

export function runFixture(name: string, args: readonly string[]) {
  return execa(process.execPath, [FIXTURES + name, ...args], { reject: false, buffer: true, stripFinalNewline: false });
}
