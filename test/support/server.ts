// Starts `everlock serve` (the built CLI in dist/) as a child process on a temp home, every listener on
// 127.0.0.1 port 0, and waits until all modules are up. Ports come from the listener lines the server prints,
// the first user's credentials from the first-run line, so tests use exactly what an operator would see.
import { execa, type ResultPromise } from 'execa';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { BIN, ROOT } from './cli.js';
import { tempDir } from './tmp.js';

export interface StartServerOptions {
  /** An existing home; default: a new empty temp dir (so --dev runs the first-run setup). */
  home?: string;
  /** --dev (default true): first-run setup, plaintext auth on loopback. */
  dev?: boolean;
  /** Extra flags, e.g. ['--frontend-imap'] or ['--git-sync', '1']. */
  args?: string[];
  /** Listeners left without their loopback flag, so everlock.toml or an env var decides (e.g. "off"). */
  without?: ReadonlyArray<keyof ServerPorts>;
  env?: Record<string, string>;
  /** Wait for this long for every listener (default 30 s). */
  timeoutMs?: number;
  /**
   * Run exactly what `npm start` runs (`everlock serve --dev`, default ports, ./everlock-mail) in this
   * directory instead of a temp home on port 0.
   */
  npmStartIn?: string;
}

export interface ServerPorts {
  smtp?: number;
  submission?: number;
  submissions?: number;
  imapTls?: number;
  imapStarttls?: number;
  http?: number;
}

export interface LogLine {
  level?: string;
  msg: string;
  [field: string]: unknown;
}

export interface StartedServer {
  readonly home: string;
  readonly ports: ServerPorts;
  /** The first user (postmaster@localhost) when the first-run setup created it. */
  readonly user?: { login: string; password: string } | undefined;
  /** Every line printed so far, parsed (non-JSON lines become { msg }). */
  readonly lines: LogLine[];
  readonly stderr: () => string;
  readonly pid: number;
  /** Resolves with the first line (present or future) matching. */
  waitForLine(match: RegExp | ((l: LogLine) => boolean), timeoutMs?: number): Promise<LogLine>;
  /** Sends a signal (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ exitCode: number | undefined; ms: number }>;
}

const running = new Set<ResultPromise>();
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
});

const LISTEN_FLAGS: ReadonlyArray<[keyof ServerPorts, string]> = [
  ['smtp', '--frontend-smtp-listen'],
  ['submission', '--frontend-smtp-submission-listen'],
  ['submissions', '--frontend-smtp-submissions-listen'],
  ['imapTls', '--frontend-imap-tls-listen'],
  ['imapStarttls', '--frontend-imap-starttls-listen'],
  ['http', '--http-listen'],
];

/** Which port a listener line is about, from its label. */
function portKey(label: string): keyof ServerPorts | undefined {
  const l = label.toLowerCase();
  if (l.includes('http')) return 'http';
  if (l.includes('imap')) return /tls|ssl|imaps/.test(l) && !l.includes('starttls') ? 'imapTls' : 'imapStarttls';
  if (l.includes('submissions') || /465|implicit/.test(l)) return 'submissions';
  if (l.includes('submission')) return 'submission';
  if (l.includes('smtp')) return 'smtp';
  return undefined;
}

function parseLine(raw: string): LogLine {
  if (raw.startsWith('{')) {
    try {
      const v = JSON.parse(raw) as LogLine;
      if (typeof v.msg === 'string') return v;
    } catch {
      // not JSON after all
    }
  }
  return { msg: raw };
}

export async function startServer(opts: StartServerOptions = {}): Promise<StartedServer> {
  const home = opts.npmStartIn ? join(opts.npmStartIn, 'everlock-mail') : (opts.home ?? join(await tempDir('everlock-serve-'), 'home'));
  const loopback = '127.0.0.1:0';
  const args = opts.npmStartIn ? [BIN, 'serve', '--dev'] : [
    BIN,
    'serve',
    '--home',
    home,
    ...(opts.dev === false ? [] : ['--dev']),
    ...LISTEN_FLAGS.filter(([key]) => !opts.without?.includes(key)).flatMap(([, flag]) => [flag, loopback]),
    ...(opts.args ?? []),
  ];
  if (opts.npmStartIn) args.push(...(opts.args ?? []));
  const child = execa(process.execPath, args, {
    cwd: opts.npmStartIn ?? ROOT,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    env: {
      EVERLOCK_HOME: '',
      EVERLOCK_CONFIG: '',
      EVERLOCK_DATA: '',
      GIT_AUTHOR_NAME: 'everlock test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'everlock test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
      ...opts.env,
    },
    extendEnv: true,
  });
  running.add(child);

  const lines: LogLine[] = [];
  const waiters: Array<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  let stderr = '';
  let exited: { exitCode: number | undefined } | undefined;
  const exitWaiters: Array<() => void> = [];
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = parseLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  void child.then((r) => {
    exited = { exitCode: r.exitCode };
    running.delete(child);
    for (const w of exitWaiters.splice(0)) w();
  });

  const waitForLine = (match: RegExp | ((l: LogLine) => boolean), timeoutMs = 15_000): Promise<LogLine> => {
    const test = typeof match === 'function' ? match : (l: LogLine) => match.test(l.msg);
    const found = lines.find(test);
    if (found) return Promise.resolve(found);
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.findIndex((w) => w.resolve === done), 1);
        reject(new Error(`server did not print ${String(match)} within ${timeoutMs} ms${exited ? ` (exited ${exited.exitCode})` : ''}\nstdout:\n${lines.map((l) => l.msg).join('\n')}\nstderr:\n${stderr}`));
      }, timeoutMs);
      const done = (l: LogLine): void => {
        clearTimeout(timer);
        resolve(l);
      };
      waiters.push({ match: test, resolve: done });
      exitWaiters.push(() => {
        if (waiters.some((w) => w.resolve === done)) {
          clearTimeout(timer);
          waiters.splice(waiters.findIndex((w) => w.resolve === done), 1);
          reject(new Error(`server exited (${exited?.exitCode}) before printing ${String(match)}\nstdout:\n${lines.map((l) => l.msg).join('\n')}\nstderr:\n${stderr}`));
        }
      });
    });
  };

  // runServer logs the live config generation once every module has started.
  await waitForLine(/^config generation \d+ live/, opts.timeoutMs ?? 30_000);

  const ports: ServerPorts = {};
  for (const l of lines) {
    const m = /^(.+) listener on (?:\[[^\]]+\]|[^:\s]+):(\d+)$/.exec(l.msg);
    const key = m?.[1] ? portKey(m[1]) : undefined;
    if (key && ports[key] === undefined) ports[key] = Number(m?.[2]);
  }
  const first = lines.map((l) => /^First user: (\S+) {2}password: (\S+)$/.exec(l.msg)).find(Boolean);
  const pid = child.pid ?? 0;

  return {
    home,
    ports,
    user: first ? { login: first[1] ?? '', password: first[2] ?? '' } : undefined,
    lines,
    stderr: () => stderr,
    pid,
    waitForLine,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const t0 = Date.now();
      if (!exited) {
        const gone = new Promise<void>((r) => exitWaiters.push(r));
        child.kill(signal);
        await gone;
      }
      return { exitCode: exited?.exitCode, ms: Date.now() - t0 };
    },
  };
}
