// Where a durable-write benchmark keeps its mail: the directory given with `--dir`, else a new one under
// `<project>/.bench-data/`. Not under the system temp dir: the test suite creates and deletes thousands of files
// there, and on ext4 without a journal (this project's VMs) every file created in a block group with many
// inodes freed in the last minute (six while their inode table block is dirty) costs up to a millisecond of
// allocator CPU instead of ~30 µs, so a benchmark run after `npm test` would measure that instead of everlock.
// A benchmark's own cleanup (thousands of deletes) would do the same to the next run, so `.bench-data` gets the
// ext4 "top directory" flag (`chattr +T`, where the file system has it): each run's directory is then placed
// like a top-level one, in some other block group, rather than always beside the previous run's. That is
// not a guarantee (the allocator favours groups with many free inodes, which a mass delete makes), so the
// disk baseline printed with each run (disk-baseline.ts) shows the create cost of the directory used, and a
// note follows the table when it was slow.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (this file is bench/data-dir.ts, or .bench-build/bench/data-dir.js once compiled). */
function projectRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return join(here, here.includes('.bench-build') ? '../..' : '..');
}

export function benchDataDir(prefix: string, given?: string | undefined): string {
  if (given) {
    mkdirSync(given, { recursive: true });
    return mkdtempSync(join(given, prefix));
  }
  const base = join(projectRoot(), '.bench-data');
  mkdirSync(base, { recursive: true });
  try {
    execFileSync('chattr', ['+T', base], { stdio: 'ignore' });
  } catch {
    // Not ext4, or no chattr: the directory works as it is.
  }
  return mkdtempSync(join(base, prefix));
}
