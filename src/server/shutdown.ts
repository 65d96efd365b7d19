// Signals for a running server. SIGTERM/SIGINT: stop accepting, give SMTP transactions in flight and IMAP
// sessions until the drain deadline (modules' stop(deadline) answers 421 / sends `* BYE`), then exit 0; a hard
// timer a little past the deadline guarantees the process ends even if a module hangs, and a second signal
// exits at once. SIGHUP: reload the config.
import type { Logger } from '../log.js';
import type { RunningServer } from './serve.js';

export interface SignalOptions {
  log: Logger;
  /** How long work in flight may take after SIGTERM (default 25 s, well inside systemd's 90 s). */
  drainMs?: number;
  exit?: (code: number) => void;
}

/** Installs the handlers; resolves when the server has stopped and `exit` was called. */
export function handleSignals(server: RunningServer, opts: SignalOptions): Promise<number> {
  const drainMs = opts.drainMs ?? 25_000;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));

  const onHup = (): void => {
    opts.log.info('SIGHUP: reloading config');
    void server.reload('SIGHUP');
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
      .stop(deadline)
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
  return done;
}
