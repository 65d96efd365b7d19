// The module registry: start order and listener lines, live config swaps (valid, invalid with file:line,
// fixed), reload on demand, a module that cannot bind, and stop with one deadline.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ListenError } from '../../src/server/module.js';
import { runServer } from '../../src/server/serve.js';
import { configHome, memoryLogger, recordingModule, unusedStore, waitFor } from './fixtures.js';

const RULES_A = `[[rule]]
id = "rule-alerts"
subject_contains = "ALERT"
action = { type = "store", folder = "Alerts" }
`;

describe('serve registry', () => {
  it('starts modules in order, announces listeners, swaps config live and keeps the last good one', async () => {
    const paths = await configHome();
    const { log, lines } = memoryLogger();
    const a = recordingModule('smtp', [{ label: 'SMTP', host: '127.0.0.1', port: 2525 }]);
    const b = recordingModule('imap', [{ label: 'IMAP TLS', host: '::1', port: 1993 }]);
    const announced: string[] = [];
    const server = await runServer({
      paths,
      log,
      modules: [a, b],
      overrides: { hostname: 'mx.test' },
      loadConfig,
      openStore: () => unusedStore,
      dev: true,
      configDebounceMs: 50,
      announce: (line) => announced.push(line),
    });
    try {
      expect(announced).toEqual(['SMTP listener on 127.0.0.1:2525', 'IMAP TLS listener on [::1]:1993']);
      expect(server.health()).toEqual({ smtp: 'ok', imap: 'ok' });
      expect(a.ctx?.config().server.hostname).toBe('mx.test');
      expect(a.ctx?.config().generation).toBe(1);
      expect(a.ctx?.dev).toBe(true);

      await writeFile(join(paths.config, 'rules.toml'), RULES_A);
      await waitFor(() => a.reloads.length === 1, 10_000, 'first reload');
      const snap = a.ctx?.config();
      expect(snap?.generation).toBe(2);
      expect(snap?.rules.map((r) => r.id)).toEqual(['rule-alerts']);
      expect(b.reloads[0]).toBe(snap);
      // Overrides stay applied on reload.
      expect(snap?.server.hostname).toBe('mx.test');

      // Broken: the old rules keep serving and the log names file and line.
      await writeFile(join(paths.config, 'rules.toml'), RULES_A + '\n[[rule]]\nid = "rule-bad"\naction = { type = "explode" }\n');
      const rejected = await waitFor(() => lines.find((l) => l.level === 'error' && l.msg.startsWith('config change rejected')), 10_000, 'rejection');
      expect(rejected.msg).toMatch(/rules\.toml:\d+(:\d+)?: /);
      expect(rejected.file).toBe('rules.toml');
      expect(rejected.line).toBeGreaterThan(5);
      expect(a.ctx?.config()).toBe(snap);
      expect(a.reloads.length).toBe(1);
      expect(server.ctx.metrics.render()).toMatch(/^everlock_config_reload_failures_total 1$/m);

      // Fixed: applies.
      await writeFile(join(paths.config, 'rules.toml'), RULES_A.replace('Alerts', 'Pager'));
      await waitFor(() => a.reloads.length === 2, 10_000, 'reload after fix');
      const fixed = a.ctx?.config();
      expect(fixed?.generation).toBe(3);
      expect(fixed?.rules[0]?.action).toEqual({ type: 'store', folder: 'Pager' });

      // SIGHUP path: an explicit reload with nothing changed still validates and swaps.
      const r = await server.reload('SIGHUP');
      expect(r.ok).toBe(true);
      expect(a.ctx?.config().generation).toBe(4);
      expect(server.ctx.metrics.render()).toMatch(/^everlock_config_generation 4$/m);
      expect(server.ctx.metrics.render()).toMatch(/^everlock_module_up\{module="imap"\} 1$/m);
    } finally {
      const deadline = Date.now() + 1000;
      await server.stop(deadline);
      expect(a.stoppedWith).toBe(deadline);
      expect(b.stoppedWith).toBe(deadline);
    }
  });

  it('ignores files that are not config (mail, certificates, temp files)', async () => {
    const paths = await configHome();
    const { log } = memoryLogger();
    const a = recordingModule('smtp');
    const server = await runServer({ paths, log, modules: [a], overrides: {}, loadConfig, openStore: () => unusedStore, dev: false, configDebounceMs: 50 });
    try {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(join(paths.data, 'mail', 'example.com', 'alice', 'new'), { recursive: true });
      await writeFile(join(paths.data, 'mail', 'example.com', 'alice', 'new', '1.eml'), 'x');
      await writeFile(join(paths.config, 'domains', '.example.com.toml.123.tmp'), 'garbage = [');
      await new Promise((r) => setTimeout(r, 600));
      expect(a.reloads).toHaveLength(0);
      await writeFile(join(paths.config, 'users', 'bob.toml'), 'addresses = ["bob@example.com"]\n');
      await waitFor(() => a.reloads.length === 1, 10_000, 'reload for users/bob.toml');
      expect(a.ctx?.config().users.has('bob')).toBe(true);
    } finally {
      await server.stop(Date.now() + 1000);
    }
  });

  it('a module that cannot bind stops the ones already started and the error names the port', async () => {
    const paths = await configHome();
    const { log } = memoryLogger();
    const a = recordingModule('smtp', [{ label: 'SMTP', host: '0.0.0.0', port: 2525 }]);
    const b = recordingModule('imap', [], new ListenError('IMAP TLS', '0.0.0.0:993', 'EACCES'));
    await expect(runServer({ paths, log, modules: [a, b], overrides: {}, loadConfig, openStore: () => unusedStore, dev: false })).rejects.toThrow(
      'IMAP TLS: port 993 needs root or CAP_NET_BIND_SERVICE; try --dev',
    );
    expect(a.stoppedWith).toBeTypeOf('number');
    expect(a.health()).toBe('stopped');
  });

  it('an invalid config at start fails with every issue', async () => {
    const paths = await configHome();
    await writeFile(join(paths.config, 'everlock.toml'), 'hostname = 5\n');
    const { log } = memoryLogger();
    await expect(runServer({ paths, log, modules: [], overrides: {}, loadConfig, openStore: () => unusedStore, dev: false })).rejects.toThrow(/everlock\.toml:1/);
  });
});

describe('what the config watcher reacts to', () => {
  it('config files and git refs, not mail, certificates, temp files or git internals', async () => {
    const { isConfigPath } = await import('../../src/server/config-watcher.js');
    const dir = '/srv/everlock';
    const yes = ['', 'everlock.toml', 'rules.toml', 'domains', 'domains/example.com.toml', 'users/alice.toml', '.git', '.git/HEAD', '.git/packed-refs', '.git/refs/heads/main', '.git/refs/remotes/origin/main'];
    const no = ['mail/example.com/alice/new/1.eml', 'config/mail.example.com/fullchain.pem', 'keys/dkim/example.com/default.pem', 'queue/abc', '.git/objects/ab/cdef', '.git/index', '.git/logs/HEAD', '.git/ORIG_HEAD', 'users/.alice.toml.123.tmp', 'rules.toml~', '.everlock.lock', '../etc/passwd'];
    for (const p of yes) expect(isConfigPath(dir, join(dir, p)), p).toBe(true);
    for (const p of no) expect(isConfigPath(dir, join(dir, p)), p).toBe(false);
  });
});
