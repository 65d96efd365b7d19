// `everlock serve`: every mail module in one process, with live config from the config repo (SPEC §9).
// Only flag parsing lives here; the server is imported lazily so other commands start fast.
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { UserError } from '../errors.js';

const listenFlag = (description: string, env: string) => Flags.string({ description, env, helpValue: 'host:port|off', helpGroup: 'LISTENERS' });
const moduleFlag = (description: string, env: string) => Flags.boolean({ description, env, default: false, helpGroup: 'MODULES' });

export default class Serve extends BaseCommand {
  static override description = `Run the mail server: inbound SMTP, submission, IMAP and the outbound queue in one process.

With no module flag every mail module starts. The config repo is watched: a valid change (an edit, a git pull)
applies without a restart, an invalid one is logged with file:line and the last good config keeps serving.
SIGHUP reloads, SIGTERM drains and exits. With --dev on an empty home, a domain "localhost" and the user
postmaster@localhost are created and the password is printed once.`;

  static override examples = [
    { description: 'Local trial on unprivileged ports (what `npm start` runs)', command: '<%= config.bin %> serve --dev' },
    { description: 'Production, everything on the standard ports', command: '<%= config.bin %> serve --config /etc/everlock --data /var/lib/everlock' },
    { description: 'Only IMAP, with a health endpoint', command: '<%= config.bin %> serve --frontend-imap --http-listen 127.0.0.1:8080' },
    { description: 'Implicit TLS only (RFC 8314): no IMAP on 143, no submission on 587', command: '<%= config.bin %> serve --frontend-imap-starttls-listen off --frontend-smtp-submission-listen off' },
    { description: 'Pull the config repo every minute', command: '<%= config.bin %> serve --git-sync 60' },
  ];

  static override flags = {
    'frontend-smtp': moduleFlag('inbound SMTP (MX) listener', 'EVERLOCK_FRONTEND_SMTP'),
    'frontend-smtp-listen': listenFlag('inbound SMTP address (default 0.0.0.0:25)', 'EVERLOCK_FRONTEND_SMTP_LISTEN'),
    'frontend-smtp-submission': moduleFlag('authenticated submission listeners (587 STARTTLS, 465 TLS)', 'EVERLOCK_FRONTEND_SMTP_SUBMISSION'),
    'frontend-smtp-submission-listen': listenFlag('submission address (default 0.0.0.0:587)', 'EVERLOCK_FRONTEND_SMTP_SUBMISSION_LISTEN'),
    'frontend-smtp-submissions-listen': listenFlag('submission over implicit TLS (default 0.0.0.0:465)', 'EVERLOCK_FRONTEND_SMTP_SUBMISSIONS_LISTEN'),
    'backend-mail-smtp': moduleFlag('outbound queue and delivery', 'EVERLOCK_BACKEND_MAIL_SMTP'),
    'backend-mail-imap': moduleFlag('IMAP mail backend', 'EVERLOCK_BACKEND_MAIL_IMAP'),
    'frontend-imap': moduleFlag('IMAP listeners', 'EVERLOCK_FRONTEND_IMAP'),
    'frontend-imap-tls-listen': listenFlag('IMAP over implicit TLS (default 0.0.0.0:993)', 'EVERLOCK_FRONTEND_IMAP_TLS_LISTEN'),
    'frontend-imap-starttls-listen': listenFlag('IMAP with STARTTLS (default 0.0.0.0:143)', 'EVERLOCK_FRONTEND_IMAP_STARTTLS_LISTEN'),
    'http-listen': listenFlag('health, metrics and client autoconfig over HTTP (off by default; 8080 with --dev)', 'EVERLOCK_HTTP_LISTEN'),
    dev: Flags.boolean({ description: 'unprivileged ports 2525/2587/2465/1993/1143/8080, plaintext auth on loopback, first-run setup', env: 'EVERLOCK_DEV', default: false }),
    hostname: Flags.string({ description: 'this server\'s host name (EHLO, Received, certificate)', env: 'EVERLOCK_HOSTNAME' }),
    'log-level': Flags.option({ description: 'least severe level logged', env: 'EVERLOCK_LOG_LEVEL', options: ['debug', 'info', 'warn', 'error'] as const, default: 'info' as const })(),
    'imap-io-debug': Flags.boolean({ description: 'trace the IMAP wire (passwords masked); implies --log-level debug', env: 'EVERLOCK_IMAP_IO_DEBUG', default: false }),
    'accept-any-recipient': Flags.boolean({ description: 'accept mail for any recipient while no domain is configured', env: 'EVERLOCK_ACCEPT_ANY_RECIPIENT', default: false }),
    'allow-insecure-auth': Flags.boolean({ description: 'allow AUTH/LOGIN without TLS', env: 'EVERLOCK_ALLOW_INSECURE_AUTH', default: false }),
    'dns-server': Flags.string({ description: 'resolver for outbound MX lookups', env: 'EVERLOCK_DNS_SERVER', helpValue: 'host:port' }),
    'git-sync': Flags.integer({ description: 'run `git pull --ff-only` in the config repo every N seconds', env: 'EVERLOCK_GIT_SYNC', min: 1, helpValue: 'seconds' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    const { launch } = await import('../server/launch.js');
    const { LISTEN_OFF, listenAddressProblem } = await import('../config/validate-server.js');
    const listen = {
      smtp: flags['frontend-smtp-listen'],
      submission: flags['frontend-smtp-submission-listen'],
      submissions: flags['frontend-smtp-submissions-listen'],
      imapTls: flags['frontend-imap-tls-listen'],
      imapStarttls: flags['frontend-imap-starttls-listen'],
      http: flags['http-listen'],
    };
    for (const [name, value] of Object.entries(listen)) {
      const trimmed = value?.trim();
      if (!trimmed || trimmed === LISTEN_OFF) continue;
      if (listenAddressProblem(/^\d+$/.test(trimmed) ? `0.0.0.0:${trimmed}` : trimmed)) {
        throw new UserError(`${name}: "${trimmed}" is not a listen address (host:port, [ipv6]:port, a bare port or "${LISTEN_OFF}")`, 2);
      }
    }
    if (flags['dns-server'] && listenAddressProblem(flags['dns-server'])) throw new UserError(`--dns-server must be host:port, got "${flags['dns-server']}"`, 2);
    const modules = (['frontend-smtp', 'frontend-smtp-submission', 'backend-mail-smtp', 'frontend-imap', 'backend-mail-imap'] as const).filter((f) => flags[f]);
    const code = await launch(this.paths(flags), {
      modules,
      listen,
      dev: flags.dev,
      hostname: flags.hostname,
      logLevel: flags['log-level'],
      imapIoDebug: flags['imap-io-debug'],
      acceptAnyRecipient: flags['accept-any-recipient'],
      allowInsecureAuth: flags['allow-insecure-auth'],
      dnsServer: flags['dns-server'],
      gitSyncSeconds: flags['git-sync'],
    });
    this.exit(code);
  }
}
