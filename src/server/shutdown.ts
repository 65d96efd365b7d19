// Signals for a running server. SIGTERM/SIGINT: stop accepting, give SMTP transactions in flight and IMAP
// sessions until the drain deadline (modules' stop(deadline) answers 421 / sends `* BYE`), then exit 0; a hard
// timer a little past the deadline guarantees the process ends even if a module hangs, and a second signal
// exits at once. SIGHUP: reload the config.
// The handlers go in before the server starts: a process with no handler for SIGTERM or SIGHUP is killed by
// the kernel on delivery, so a signal sent right after start-up (a supervisor, a `systemctl reload`, a test
// reacting to the first log line) must find them in place. A signal during start-up waits for it to finish.
import type { Logger } from '../log.js';
import type { RunningServer } from './serve.js';

export interface SignalOptions {
  log: Logger;
  /** How long work in flight may take after SIGTERM (default 25 s, well inside systemd's 90 s). */
  drainMs?: number;
  exit?: (code: number) => void;
}

/**
 * Installs the handlers for a server that is running or starting; resolves when it has stopped and `exit`
 * was called. If start-up fails, the handlers are removed again (the caller reports the failure).
 */
export function handleSignals(starting: RunningServer | Promise<RunningServer>, opts: SignalOptions): Promise<number> {
  const server = Promise.resolve(starting);
  const drainMs = opts.drainMs ?? 25_000;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));

  const onHup = (): void => {
    opts.log.info('SIGHUP: reloading config');
    server.then((s) => s.reload('SIGHUP')).catch(() => {});
  };
  const onStop = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      opts.log.warn(`${signal} again: exiting without waiting`);
      exit(1);
      return;
    }
    shuttingDown = true;
    const deadline = Date.now() + drainMs;
    opts.log.info(`${signal}: shutting down; draining for up to ${Math.round(drainMs / 1000)} s`, { signal });
    const hard = setTimeout(() => {
      opts.log.error('shutdown did not finish in time; exiting');
      exit(1);
    }, drainMs + 5000);
    hard.unref();
    server
      .then((s) => s.stop(deadline))
      .then(
        () => 0,
        (err: unknown) => {
          opts.log.error('shutdown failed', { error: err });
          return 1;
        },
      )
      .then((code) => {
        clearTimeout(hard);
        process.off('SIGHUP', onHup);
        opts.log.info('stopped', { code });
        finish(code);
        exit(code);
      });
  };
  process.on('SIGHUP', onHup);
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  server.catch(() => {
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
  });
  return done;
}
