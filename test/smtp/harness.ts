// An in-process SMTP server for tests: a temp home with the given domains/users/rules, the real config loader,
// the real Maildir store, a self-signed TLS provider, and the SMTP modules on 127.0.0.1 port 0. DNS for the
// inbound checks comes from a table (never the network); outbound routes point at loopback.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { loadConfig } from '../../src/config/load.js';
import { hashPassword } from '../../src/config/passwords.js';
import { dataFiles, type Paths } from '../../src/config/paths.js';
import type { ConfigSnapshot, LimitSettings, ServerSettings } from '../../src/config/types.js';
import { createLogger, type Logger } from '../../src/log.js';
import { openMailStore } from '../../src/maildir/index.js';
import type { MailStore } from '../../src/maildir/types.js';
import { createMetrics } from '../../src/server/metrics.js';
import type { Listening, ServerContext, ServerModule } from '../../src/server/module.js';
import { createSmtpModules, type SmtpModuleOptions } from '../../src/server/smtp/module.js';
import { createTlsProvider } from '../../src/server/tls.js';
import { tempDir } from '../support/tmp.js';

export interface HarnessOptions {
  readonly home?: string;
  /** domain -> TOML text of domains/<domain>.toml */
  readonly domains?: Record<string, string>;
  /** login -> password (addresses default from the login) plus optional extra TOML. */
  readonly users?: Record<string, { password: string; toml?: string }>;
  readonly rules?: string;
  readonly server?: Omit<Partial<ServerSettings>, 'limits'> & { limits?: Partial<LimitSettings> };
  readonly modules?: SmtpModuleOptions;
  /** Only these modules (default all). */
  readonly only?: readonly string[];
  /** TXT records for the inbound DNS table. */
  readonly txt?: Record<string, string>;
  readonly logLines?: string[];
}

export interface Harness {
  readonly paths: Paths;
  readonly ports: Record<string, number>;
  readonly store: MailStore;
  readonly log: Logger;
  snap(): ConfigSnapshot;
  reload(): Promise<void>;
  /** Every message of a folder, as text, oldest first. */
  messages(address: string, folder?: string): Promise<string[]>;
  /** Stops modules (the store stays usable unless closeStore). */
  stop(opts?: { closeStore?: boolean }): Promise<void>;
}

export function tableResolver(txt: Record<string, string> = {}) {
  return async (name: string, type: string): Promise<string[][]> => {
    const v = txt[name.toLowerCase()];
    if (type === 'TXT' && v !== undefined) return [[v]];
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
}

const fastLimits = {
  maxMessageBytes: 1024 * 1024,
  maxRecipients: 100,
  smtpConnectionsPerIp: 50,
  smtpMessagesPerIpPerMinute: 10_000,
  smtpCommandsPerIpPerMinute: 100_000,
  authFailuresPerMinute: 5,
  authLockoutSeconds: 60,
  imapIdleTimeoutSeconds: 1800,
  imapMaxLineBytes: 65536,
  imapCommandsPerSecond: 200,
  imapConnectionsPerIp: 100,
  submissionRecipientsPerUserPerHour: 1000,
};

export async function writeHome(home: string, opts: HarnessOptions): Promise<Paths> {
  const paths: Paths = { config: home, data: home };
  await mkdir(join(home, 'domains'), { recursive: true });
  await mkdir(join(home, 'users'), { recursive: true });
  for (const [d, toml] of Object.entries(opts.domains ?? {})) await writeFile(join(home, 'domains', `${d}.toml`), toml);
  for (const [login, u] of Object.entries(opts.users ?? {})) {
    const hash = await hashPassword(u.password, 10);
    await writeFile(join(home, 'users', `${login}.toml`), `password = "${hash}"\n${u.toml ?? ''}`);
  }
  if (opts.rules !== undefined) await writeFile(join(home, 'rules.toml'), opts.rules);
  return paths;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const home = opts.home ?? (await tempDir('everlock-smtp-'));
  const paths = await writeHome(home, opts);
  const server: Partial<ServerSettings> = {
    hostname: 'mx.everlock.test',
    ...opts.server,
    listen: { smtp: '127.0.0.1:0', submission: '127.0.0.1:0', submissions: '127.0.0.1:0', imapTls: '127.0.0.1:0', imapStarttls: '127.0.0.1:0', ...opts.server?.listen },
    limits: { ...fastLimits, ...opts.server?.limits },
  };
  let snap = await loadConfig(paths, { server });
  const lines = opts.logLines;
  const log = createLogger({ level: lines ? 'info' : 'error', json: true, write: (l) => lines?.push(l) });
  const store = openMailStore({ root: dataFiles.mailRoot(paths), log, watch: false });
  const tls = await createTlsProvider({ paths, names: ['localhost'], log, watch: false });
  const ctx: ServerContext = { config: () => snap, store, tls, log, metrics: createMetrics(), dev: false };
  const modules: ServerModule[] = createSmtpModules({ resolver: tableResolver(opts.txt), queuePollMs: 50, retry: { baseMs: 100, maxDelayMs: 400 }, ...opts.modules }).filter(
    (m) => !opts.only || opts.only.includes(m.name),
  );
  const ports: Record<string, number> = {};
  for (const m of modules) {
    const ls: readonly Listening[] = await m.start(ctx);
    for (const l of ls) ports[l.label.replace(/^SMTP ?/, '') || 'smtp'] = l.port;
  }
  return {
    paths,
    ports,
    store,
    log,
    snap: () => snap,
    reload: async () => {
      snap = await loadConfig(paths, { server, generation: snap.generation + 1 });
    },
    messages: async (address, folder = 'INBOX') => {
      const [local, domain] = address.toLowerCase().split('@') as [string, string];
      const mb = await store.mailbox({ local, domain }, { create: false }).catch(() => undefined);
      if (!mb) return [];
      const f = await mb.openFolder(folder).catch(() => undefined);
      if (!f) return [];
      try {
        const st = await f.sync();
        const out: string[] = [];
        for (const m of st.messages) out.push(await text(await f.read(m.uid)));
        return out;
      } finally {
        f.release();
      }
    },
    stop: async (o = {}) => {
      for (const m of [...modules].reverse()) await m.stop(Date.now() + 2000);
      await tls.close();
      if (o.closeStore) await store.close();
    },
  };
}

async function text(s: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
