// A queue worker in its own process, so a test can kill it mid-delivery (SIGKILL) and start it again.
// argv: <home> <routes JSON: {"domain":"host:port"}> <pollMs>
import { loadConfig } from '../../src/config/load.js';
import { dataFiles } from '../../src/config/paths.js';
import { createLogger } from '../../src/log.js';
import { openMailStore } from '../../src/maildir/index.js';
import { createMetrics } from '../../src/server/metrics.js';
import type { ServerContext, TlsProvider } from '../../src/server/module.js';
import { createSmtpModules } from '../../src/server/smtp/module.js';

const [home, routesJson, poll] = process.argv.slice(2) as [string, string, string];
const paths = { config: home, data: home };
const routes = new Map(Object.entries(JSON.parse(routesJson) as Record<string, string>));
const snap = await loadConfig(paths, { server: { hostname: 'mx.everlock.test', routes } });
const log = createLogger({ level: 'info', json: true, write: (l) => process.stdout.write(l + '\n') });
const noTls: TlsProvider = {
  serverOptions: () => ({}),
  contextFor: () => {
    throw new Error('no TLS in the worker process');
  },
};
const ctx: ServerContext = { config: () => snap, store: openMailStore({ root: dataFiles.mailRoot(paths), log, watch: false }), tls: noTls, log, metrics: createMetrics(), dev: false };
const queue = createSmtpModules({ queuePollMs: Number(poll), queuePerDestination: 2, retry: { baseMs: 50, maxDelayMs: 100 } }).find((m) => m.name === 'queue')!;
await queue.start(ctx);
process.stdout.write('worker ready\n');
