// `npm run bench -- serve-lifecycle [runs]`: how long `everlock serve` (the built CLI) takes to start on a fresh
// home (first-run setup included) and on an existing one, how long a config change takes to be live, and how
// long SIGTERM takes to exit when idle. Every listener on 127.0.0.1 port 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from './report.js';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const runs = Number(process.argv[2] ?? 5);

interface Running {
  child: ChildProcess;
  waitFor(re: RegExp): Promise<number>;
}

function start(home: string): { started: number; running: Running } {
  const started = performance.now();
  const loopback = '127.0.0.1:0';
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--dev', '--home', home, ...['--frontend-smtp-listen', '--frontend-smtp-submission-listen', '--frontend-smtp-submissions-listen', '--frontend-imap-tls-listen', '--frontend-imap-starttls-listen', '--http-listen'].flatMap((f) => [f, loopback])],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, EVERLOCK_HOME: '', EVERLOCK_CONFIG: '', EVERLOCK_DATA: '' } },
  );
  let buffer = '';
  const waiters: Array<{ re: RegExp; resolve: (t: number) => void }> = [];
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(performance.now());
        }
      }
    }
  });
  return { started, running: { child, waitFor: (re) => new Promise((resolve) => waiters.push({ re, resolve })) } };
}

function stop(r: Running): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    r.child.once('exit', () => resolve(performance.now() - t0));
    r.child.kill('SIGTERM');
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const cold: number[] = [];
const warm: number[] = [];
const reload: number[] = [];
const exit: number[] = [];
const dirs: string[] = [];
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'everlock-bench-'));
  dirs.push(dir);
  const home = join(dir, 'home');
  const first = start(home);
  cold.push((await first.running.waitFor(/config generation 1 live/)) - first.started);
  exit.push(await stop(first.running));

  const second = start(home);
  warm.push((await second.running.waitFor(/config generation 1 live/)) - second.started);
  for (let g = 2; g <= 4; g++) {
    const live = second.running.waitFor(new RegExp(`config generation ${g} live`));
    const t0 = performance.now();
    writeFileSync(join(home, 'rules.toml'), `[[rule]]\nid = "rule-${g}"\naction = { type = "store", folder = "F${g}" }\n`);
    reload.push((await live) - t0);
  }
  exit.push(await stop(second.running));
}
for (const d of dirs) rmSync(d, { recursive: true, force: true });

report(
  'serve-lifecycle',
  [
    { metric: 'cold start, first run (median)', value: median(cold), unit: 'ms' },
    { metric: 'warm start (median)', value: median(warm), unit: 'ms' },
    { metric: 'config change to live (median)', value: median(reload), unit: 'ms' },
    { metric: 'config change to live (max)', value: Math.max(...reload), unit: 'ms' },
    { metric: 'SIGTERM to exit, idle (median)', value: median(exit), unit: 'ms', target: '< 35000' },
  ],
  { runs },
);
