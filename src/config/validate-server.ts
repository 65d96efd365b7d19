// everlock.toml: server settings (hostname, listeners, limits). Every field is optional; defaults are the
// production ones (standard ports on all interfaces). `serve` flags override the result (load.ts).
import { hostname as osHostname } from 'node:os';
import type { ListenerSettings, LimitSettings, ServerSettings } from './types.js';
import { FileChecker, type Table } from './checker.js';
import type { ParsedToml } from './toml.js';
import { FrozenMap } from './freeze.js';
import { domainProblem } from './names.js';

/** Bounds of [passwords] scrypt_ln: 2^10 (1 MiB, for throwaway test homes) to 2^20 (1 GiB). */
const MIN_SCRYPT_LN = 10;
const MAX_SCRYPT_LN = 20;
/** The default (passwords.ts SCRYPT_LN) is also the floor below which config check warns: OWASP's scrypt minimum. */
const RECOMMENDED_SCRYPT_LN = 17;

export const DEFAULT_LISTEN: ListenerSettings = {
  smtp: '0.0.0.0:25',
  submission: '0.0.0.0:587',
  submissions: '0.0.0.0:465',
  imapTls: '0.0.0.0:993',
  imapStarttls: '0.0.0.0:143',
  http: undefined,
};

export const DEFAULT_LIMITS: LimitSettings = {
  maxMessageBytes: 50 * 1024 * 1024,
  maxRecipients: 100,
  smtpConnectionsPerIp: 20,
  smtpMessagesPerIpPerMinute: 60,
  smtpCommandsPerIpPerMinute: 600,
  authFailuresPerMinute: 5,
  authLockoutSeconds: 60,
  imapIdleTimeoutSeconds: 1800,
  imapMaxLineBytes: 64 * 1024,
  imapCommandsPerSecond: 200,
  imapConnectionsPerIp: 100,
  submissionRecipientsPerUserPerHour: 1000,
};

export function defaultServerSettings(): ServerSettings {
  return { hostname: osHostname(), listen: DEFAULT_LISTEN, limits: DEFAULT_LIMITS, allowInsecureAuth: false, acceptAnyRecipient: false };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const TOP_KEYS = ['hostname', 'allow_insecure_auth', 'accept_any_recipient', 'dns_server', 'srs_secret', 'listen', 'limits', 'routes', 'passwords'];
const LISTEN_KEYS: Record<string, keyof ListenerSettings> = {
  smtp: 'smtp',
  submission: 'submission',
  submissions: 'submissions',
  imap_tls: 'imapTls',
  imap_starttls: 'imapStarttls',
  http: 'http',
};
const LIMIT_KEYS: Record<string, keyof LimitSettings> = {
  max_message_bytes: 'maxMessageBytes',
  max_recipients: 'maxRecipients',
  smtp_connections_per_ip: 'smtpConnectionsPerIp',
  smtp_messages_per_ip_per_minute: 'smtpMessagesPerIpPerMinute',
  smtp_commands_per_ip_per_minute: 'smtpCommandsPerIpPerMinute',
  auth_failures_per_minute: 'authFailuresPerMinute',
  auth_lockout_seconds: 'authLockoutSeconds',
  imap_idle_timeout_seconds: 'imapIdleTimeoutSeconds',
  imap_max_line_bytes: 'imapMaxLineBytes',
  imap_commands_per_second: 'imapCommandsPerSecond',
  imap_connections_per_ip: 'imapConnectionsPerIp',
  submission_recipients_per_user_per_hour: 'submissionRecipientsPerUserPerHour',
};

/** The value of a `[listen]` key or listen flag that means "no listener" (RFC 8314 set-ups turn 143 and 587 off). */
export const LISTEN_OFF = 'off';

/** `host:port` or `[v6]:port`, port 0–65535. */
export function listenAddressProblem(value: string): string | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(value);
  if (!m || Number(m[3]) > 65535) return `"${value}" is not a listen address (host:port or [ipv6]:port)`;
  return undefined;
}

/**
 * Listener pairs and lone listeners whose keys, all off, leave a module with nothing to accept connections on.
 * The module still starts when `serve` runs it, so the admin is told here rather than by silence.
 */
const MODULE_LISTENERS: ReadonlyArray<{ keys: readonly string[]; message: string }> = [
  { keys: ['imap_tls', 'imap_starttls'], message: 'imap_tls and imap_starttls are both off: the IMAP module has no listener (run serve without it: --frontend-smtp, --frontend-smtp-submission, --backend-mail-smtp)' },
  { keys: ['submission', 'submissions'], message: 'submission and submissions are both off: the submission module has no listener and clients cannot send mail' },
  { keys: ['smtp'], message: 'smtp is off: the inbound SMTP module has no listener and no mail arrives from other servers' },
];

export function validateServer(parsed: ParsedToml, file: string, absFile: string): { settings: ServerSettings; issues: FileChecker['issues'] } {
  const c = new FileChecker(file, parsed);
  const doc = parsed.doc;
  const defaults = defaultServerSettings();
  c.knownKeys(doc, [], TOP_KEYS);

  const hostname = c.string(doc, [], 'hostname');
  if (hostname !== undefined && !/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i.test(hostname)) {
    c.error(['hostname'], `"hostname" must be a host name, got "${hostname}"`);
  }
  const dnsServer = c.string(doc, [], 'dns_server');
  if (dnsServer !== undefined) {
    const p = listenAddressProblem(dnsServer);
    if (p) c.error(['dns_server'], p.replace('listen address', 'resolver address'));
  }

  const listen: Mutable<ListenerSettings> = { ...DEFAULT_LISTEN };
  const listenTable = c.table(doc, [], 'listen');
  if (listenTable) {
    c.knownKeys(listenTable, ['listen'], Object.keys(LISTEN_KEYS));
    const off = new Set<string>();
    for (const [key, field] of Object.entries(LISTEN_KEYS)) {
      const v = c.string(listenTable, ['listen'], key);
      if (v === undefined) continue;
      if (v === LISTEN_OFF) {
        listen[field] = undefined;
        off.add(key);
        continue;
      }
      if (listenAddressProblem(v)) c.error(['listen', key], `"${v}" is not a listen address (host:port, [ipv6]:port or "${LISTEN_OFF}")`);
      else listen[field] = v;
    }
    for (const { keys, message } of MODULE_LISTENERS) {
      if (!keys.every((k) => off.has(k))) continue;
      // Point at the "off" written last: the one that left the module without a listener.
      const line = (k: string): number => parsed.locate(['listen', k])?.line ?? 0;
      const last = keys.reduce((a, b) => (line(b) > line(a) ? b : a));
      c.warning(['listen', last], message);
    }
  }

  const limits: Mutable<LimitSettings> = { ...DEFAULT_LIMITS };
  const limitsTable: Table | undefined = c.table(doc, [], 'limits');
  if (limitsTable) {
    c.knownKeys(limitsTable, ['limits'], Object.keys(LIMIT_KEYS));
    for (const [key, field] of Object.entries(LIMIT_KEYS)) {
      const v = c.integer(limitsTable, ['limits'], key, 1);
      if (v !== undefined) limits[field] = v;
    }
  }

  // [routes]: destination domain -> "host:port[, host:port…]", used instead of MX lookups.
  const routes = new Map<string, string>();
  const routesTable = c.table(doc, [], 'routes');
  if (routesTable) {
    for (const domain of Object.keys(routesTable)) {
      const dp = domainProblem(domain);
      if (dp) c.error(['routes', domain], `route for "${domain}": ${dp}`);
      const v = c.string(routesTable, ['routes'], domain);
      if (v === undefined || dp) continue;
      const hosts = v.split(',').map((h) => h.trim());
      const bad = hosts.find((h) => !/^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/.test(h));
      if (bad !== undefined) c.error(['routes', domain], `route for "${domain}": "${bad}" is not a host or host:port`);
      else routes.set(domain, hosts.join(','));
    }
  }

  // [passwords]: the scrypt cost of hashes written from now on (existing hashes carry their own).
  let passwordScryptLn: number | undefined;
  const passwordsTable = c.table(doc, [], 'passwords');
  if (passwordsTable) {
    c.knownKeys(passwordsTable, ['passwords'], ['scrypt_ln']);
    passwordScryptLn = c.integer(passwordsTable, ['passwords'], 'scrypt_ln', MIN_SCRYPT_LN, MAX_SCRYPT_LN);
    if (passwordScryptLn !== undefined && passwordScryptLn < RECOMMENDED_SCRYPT_LN) {
      c.warning(['passwords', 'scrypt_ln'], `scrypt_ln = ${passwordScryptLn} is weaker than the recommended ${RECOMMENDED_SCRYPT_LN} (hashes in a leaked config repo are cheaper to crack)`);
    }
  }

  const srsSecret = c.string(doc, [], 'srs_secret');
  if (srsSecret !== undefined) {
    c.warning(['srs_secret'], 'srs_secret is stored in the config repo and its git history (anyone with the repo can forge SRS bounce addresses); leave it out and a secret is generated into the data directory');
  }

  const settings: ServerSettings = {
    hostname: hostname ?? defaults.hostname,
    listen,
    limits,
    allowInsecureAuth: c.boolean(doc, [], 'allow_insecure_auth') ?? false,
    acceptAnyRecipient: c.boolean(doc, [], 'accept_any_recipient') ?? false,
    dnsServer,
    srsSecret,
    routes: routes.size > 0 ? new FrozenMap(routes) : undefined,
    passwordScryptLn,
    file: absFile,
  };
  return { settings, issues: c.issues };
}
