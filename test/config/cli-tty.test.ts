// On a terminal, `users passwd` prompts twice with echo off: driven through a real pseudo-terminal (python3's
// pty), the typed password never appears in the terminal output, a mismatch is refused, and the hash is set.
import { beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { BIN } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { cli } from './helpers.js';
import { loadConfig } from '../../src/config/load.js';
import { authenticate } from '../../src/config/directory.js';

// Answers each prompt with the next argument, then prints everything the terminal showed and the exit code.
const DRIVER = `
import os, pty, select, sys, time
answers = sys.argv[1].split('\\x1f')
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
out = b''
def pump(until, timeout=30):
    global out
    end = time.time() + timeout
    while not until() and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if not r:
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            return False
        if not chunk:
            return False
        out += chunk
    return True
for i, a in enumerate(answers):
    if not pump(lambda: out.count(b'password: ') > i):
        break
    os.write(fd, a.encode() + b'\\r')
pump(lambda: False, 30)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace'))
sys.stdout.write('\\nEXIT=%d\\n' % os.waitstatus_to_exitcode(status))
`;

let home: string;

async function onTerminal(answers: string[], args: string[]): Promise<{ output: string; exit: number }> {
  const r = await execa('python3', ['-c', DRIVER, answers.join('\x1f'), process.execPath, BIN, ...args], {
    reject: false,
    env: { EVERLOCK_HOME: '', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  });
  const out = String(r.stdout);
  const exit = Number(/EXIT=(-?\d+)/.exec(out)?.[1] ?? NaN);
  return { output: out, exit };
}

beforeAll(async () => {
  home = join(await tempDir('everlock-tty-'), 'home');
  expect((await cli(['init', home])).exitCode).toBe(0);
  // Cheap hashes for a throwaway home, through the product's own setting (uncommitted: nothing here reads git).
  await writeFile(join(home, 'everlock.toml'), '[passwords]\nscrypt_ln = 12\n');
  expect((await cli(['mail', 'domains', 'create', 'example.com', '--no-dkim', '--home', home])).exitCode).toBe(0);
  expect((await cli(['users', 'add', 'alice', '--password-stdin', '--home', home], { input: 'first-pw\n' })).exitCode).toBe(0);
});

describe('password prompt on a terminal', () => {
  it('asks twice without echo and sets the password', async () => {
    const { output, exit } = await onTerminal(['Terminal-Secret-1', 'Terminal-Secret-1'], ['users', 'passwd', 'alice', '--home', home]);
    expect(exit, output).toBe(0);
    expect(output).toContain('New password: ');
    expect(output).toContain('Repeat password: ');
    expect(output).not.toContain('Terminal-Secret-1');
    const snap = await loadConfig({ config: home, data: home });
    expect(snap.users.get('alice')?.password).toMatch(/^\$scrypt\$ln=12,/);
    expect(await authenticate(snap, 'alice', 'Terminal-Secret-1')).not.toBeNull();
  });

  it('refuses a confirmation that does not match and changes nothing', async () => {
    const before = await loadConfig({ config: home, data: home });
    const { output, exit } = await onTerminal(['Secret-A', 'Secret-B'], ['users', 'passwd', 'alice', '--home', home]);
    expect(exit).toBe(1);
    expect(output).toContain('passwords do not match');
    expect(output).not.toMatch(/Secret-[AB]/);
    const after = await loadConfig({ config: home, data: home });
    expect(after.users.get('alice')?.password).toBe(before.users.get('alice')?.password);
  });
});
