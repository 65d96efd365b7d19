// A fresh everlock home driven through the built CLI, plus a fingerprint of every file in it so a test can
// prove that a failed command changed nothing.
import { execa } from 'execa';
import { cp, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { everlock } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

export interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class Home {
  constructor(readonly dir: string) {}

  static async init(): Promise<Home> {
    const home = new Home(join(await tempDir('everlock-domain-cli-'), 'home'));
    const r = await home.run('init', home.dir);
    expect(r.exitCode, r.stderr).toBe(0);
    return home;
  }

  /** An independent copy (git repo, keys and all), so concurrent cases cannot see each other's lock files. */
  async copy(): Promise<Home> {
    const copy = new Home(join(await tempDir('everlock-domain-cli-copy-'), 'home'));
    await cp(this.dir, copy.dir, { recursive: true });
    return copy;
  }

  async run(...args: string[]): Promise<Run> {
    const r = await everlock([...args, '--home', this.dir]);
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  }

  /** Runs and expects success; returns stdout. */
  async ok(...args: string[]): Promise<string> {
    const r = await this.run(...args);
    expect(r.exitCode, `everlock ${args.join(' ')}\n${r.stderr}`).toBe(0);
    return r.stdout;
  }

  async read(rel: string): Promise<string> {
    return readFile(join(this.dir, rel), 'utf8');
  }

  async git(...args: string[]): Promise<string> {
    return (await execa('git', args, { cwd: this.dir })).stdout;
  }

  async subjects(): Promise<string[]> {
    return (await this.git('log', '--format=%s')).split('\n');
  }

  /** Every file under the home except git's internals (HEAD's commit stands for those), with mode and content. */
  async fingerprint(): Promise<Record<string, string>> {
    // HEAD read from the files (no git process): the ref it names and that ref's commit.
    const head = (await readFile(join(this.dir, '.git/HEAD'), 'utf8')).trim();
    const ref = head.startsWith('ref: ') ? head.slice(5) : undefined;
    const out: Record<string, string> = { HEAD: ref ? `${ref} ${await readFile(join(this.dir, '.git', ref), 'utf8')}` : head };
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const full = join(dir, e.name);
        const rel = relative(this.dir, full);
        if (rel === '.git') continue;
        if (e.isDirectory()) await walk(full);
        else out[rel] = `${((await stat(full)).mode & 0o777).toString(8)} ${await readFile(full, 'utf8')}`;
      }
    };
    await walk(this.dir);
    return out;
  }
}
