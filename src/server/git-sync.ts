// Pull-based GitOps (`--git-sync <seconds>`): every interval, `git pull --ff-only` in the config repo. The
// watcher sees the pulled files and reloads; a pull that cannot fast-forward (someone committed on the server)
// is logged and retried next time, never merged or reset.
import type { Logger } from '../log.js';

export interface GitSync {
  /** Pulls once now; resolves true when HEAD moved. */
  pullNow(): Promise<boolean>;
  stop(): void;
}

export function startGitSync(opts: { dir: string; intervalSeconds: number; log: Logger; onPulled?: () => void }): GitSync {
  const log = opts.log.child({ module: 'git-sync' });
  let busy = false;
  const head = async (execa: typeof import('execa').execa): Promise<string> =>
    (await execa('git', ['rev-parse', 'HEAD'], { cwd: opts.dir, reject: false })).stdout.trim();

  const pullNow = async (): Promise<boolean> => {
    if (busy) return false;
    busy = true;
    try {
      const { execa } = await import('execa');
      const before = await head(execa);
      const res = await execa('git', ['pull', '--ff-only', '--quiet'], {
        cwd: opts.dir,
        reject: false,
        timeout: 120_000,
        env: { GIT_TERMINAL_PROMPT: '0' },
      });
      if (res.exitCode !== 0) {
        log.warn('git pull --ff-only failed; config unchanged', { exitCode: res.exitCode, stderr: String(res.stderr).trim().slice(0, 500) });
        return false;
      }
      const after = await head(execa);
      if (after !== before) {
        log.info(`pulled config ${before.slice(0, 12)}..${after.slice(0, 12)}`, { from: before, to: after });
        opts.onPulled?.();
        return true;
      }
      return false;
    } finally {
      busy = false;
    }
  };

  const timer = setInterval(() => void pullNow().catch((err: unknown) => log.error('git pull failed', { error: err })), opts.intervalSeconds * 1000);
  timer.unref();
  return { pullNow, stop: () => clearInterval(timer) };
}
