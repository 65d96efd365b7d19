// The IMAP module of `everlock serve`: the implicit-TLS and STARTTLS listeners from the config, logins through
// the config directory, and failed-login throttling from the limits. Reloads apply live (users, limits,
// insecure-auth setting); listen addresses need a restart.
import { join } from 'node:path';
import type { ConfigSnapshot } from '../../config/types.js';
import { accessibleMailboxes, authenticate, primaryMailbox } from '../../config/directory.js';
import { AuthThrottle } from '../auth-throttle.js';
import { splitListenAddress } from '../listen-address.js';
import { ListenError, type Listening, type ModuleHealth, type ServerContext, type ServerModule } from '../module.js';
import type { Authenticator, ImapIdentity } from './auth.js';
import { IpConnectionCap } from '../connection-cap.js';
import { DEFAULT_LIMITS, startImapServer, type ImapServer } from './listener.js';
import type { SessionLimits } from './session/session.js';
import { insecureAuthPolicy } from '../insecure-auth.js';
import { countConnection } from '../metrics.js';

export interface ImapModuleOptions {
  /** Wire trace at debug level, secrets masked (--imap-io-debug); also read from ServerContext.imapIoDebug. */
  readonly ioDebug?: boolean | undefined;
}

/** The identity IMAP uses for a configured user. */
export function identityFor(snap: ConfigSnapshot, login: string): ImapIdentity | null {
  const user = snap.users.get(login);
  if (!user) return null;
  const personal = primaryMailbox(user);
  const shared = accessibleMailboxes(snap, user)
    .filter((m) => !(m.mailbox.local === personal.local && m.mailbox.domain === personal.domain))
    .map((m) => ({ address: m.mailbox, role: m.role }));
  return { login: user.login, personal, quotaBytes: user.quotaBytes, shared };
}

/** What the limits of a config mean for new IMAP sessions. */
function sessionLimitsOf(snap: ConfigSnapshot): Partial<SessionLimits> {
  const limits = snap.server.limits;
  return {
    maxLineBytes: limits.imapMaxLineBytes || DEFAULT_LIMITS.maxLineBytes,
    maxMessageBytes: limits.maxMessageBytes || DEFAULT_LIMITS.maxMessageBytes,
    idleTimeoutMs: (limits.imapIdleTimeoutSeconds || 1800) * 1000,
    commandsPerSecond: limits.imapCommandsPerSecond,
  };
}

export function createImapModule(opts: ImapModuleOptions = {}): ServerModule {
  let health: ModuleHealth = 'stopped';
  const servers: ImapServer[] = [];
  let throttle: AuthThrottle | undefined;
  let unsubscribe: (() => void) | undefined;
  let dev = false;

  return {
    name: 'imap',
    async start(ctx: ServerContext): Promise<readonly Listening[]> {
      health = 'starting';
      const snap = ctx.config();
      dev = ctx.dev;
      const limits = snap.server.limits;
      throttle = new AuthThrottle({ maxFailures: limits.authFailuresPerMinute, lockoutSeconds: limits.authLockoutSeconds });
      const auth: Authenticator = async (login, password) => {
        const current = ctx.config();
        const user = await authenticate(current, login, password);
        ctx.metrics.inc('everlock_imap_auth_total', { result: user ? 'success' : 'failure' });
        return user ? identityFor(current, user.login) : null;
      };
      const sessionLimits = sessionLimitsOf(snap);
      // One count for both listeners, its limit read live (a reload applies to the next connection).
      const connectionCap = new IpConnectionCap(() => ctx.config().server.limits.imapConnectionsPerIp);
      const listeners: [string, string | undefined, boolean][] = [
        ['IMAP (TLS)', snap.server.listen.imapTls, true],
        ['IMAP', snap.server.listen.imapStarttls, false],
      ];
      const out: Listening[] = [];
      for (const [label, address, implicitTls] of listeners) {
        // Off ("off" in everlock.toml or a flag): no listener, no line at start-up.
        if (address === undefined) continue;
        const { host, port } = splitListenAddress(address);
        try {
          const server = await startImapServer({
            store: ctx.store,
            authenticate: auth,
            log: ctx.log,
            host,
            port,
            implicitTls,
            tls: () => ctx.tls.serverOptions(),
            limits: sessionLimits,
            allowInsecureAuth: insecureAuthPolicy(snap.server.allowInsecureAuth, ctx.dev),
            ioDebug: opts.ioDebug ?? ctx.imapIoDebug,
            hostname: snap.server.hostname,
            throttle,
            onConnection: () => countConnection(ctx.metrics, 'imap'),
            connectionCap,
            // Inside the data directory, as SMTP's spool: private to the server's user.
            spoolDir: join(snap.paths.data, 'tmp'),
            onCommand: (command, status) => ctx.metrics.inc('everlock_imap_commands_total', { command, status }),
          });
          servers.push(server);
          out.push({ label, host: server.host, port: server.port });
        } catch (err) {
          await Promise.all(servers.splice(0).map((s) => s.stop(Date.now())));
          health = 'stopped';
          throw new ListenError(label, address, (err as NodeJS.ErrnoException).code);
        }
      }
      unsubscribe = ctx.tls.onChange?.(() => {
        for (const s of servers) s.refreshTls();
      });
      health = 'ok';
      return out;
    },
    reload(snapshot: ConfigSnapshot) {
      throttle?.configure({ maxFailures: snapshot.server.limits.authFailuresPerMinute, lockoutSeconds: snapshot.server.limits.authLockoutSeconds });
      const update = { limits: sessionLimitsOf(snapshot), allowInsecureAuth: insecureAuthPolicy(snapshot.server.allowInsecureAuth, dev) };
      for (const s of servers) s.configure(update);
    },
    async stop(deadline: number) {
      health = 'stopping';
      unsubscribe?.();
      await Promise.all(servers.splice(0).map((s) => s.stop(deadline)));
      health = 'stopped';
    },
    health: () => health,
  };
}
