// Config directories written file by file for config tests.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tempDir } from '../support/tmp.js';
import type { Paths } from '../../src/config/paths.js';
import { everlock, type CliOptions } from '../support/cli.js';

/** A fresh home holding `files` (relative path -> content); config and data are the same directory. */
export async function configDir(files: Record<string, string>): Promise<Paths> {
  const dir = await tempDir('everlock-config-');
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return { config: dir, data: dir };
}

/** A valid PHC string (cheap parameters) for fixtures. */
export const PHC = '$scrypt$ln=4,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$Nf9sgx2jQqQMH3ZKVE5UTbZyLvUzcdvr0MfXzmGDSKk';

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `everlock <args>` with its output as strings. */
export async function cli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const r = await everlock(args, opts);
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}
