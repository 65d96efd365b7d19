// `everlock systemd unit`: prints a hardened unit for this install (absolute node and bin paths, the resolved
// config and data directories), ready for /etc/systemd/system/everlock.service. The service runs as a
// dedicated user with only CAP_NET_BIND_SERVICE, a read-only system, and write access to config and data only.
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { UserError } from '../../errors.js';

export interface UnitOptions {
  user: string;
  group: string;
  node: string;
  bin: string;
  config: string;
  data: string;
  extraArgs: readonly string[];
}

/** systemd splits ExecStart on spaces and expands `$`/`%`: quote what needs it. */
function arg(value: string): string {
  const escaped = value.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /[\s"'\\]/.test(escaped) ? `"${escaped.replace(/["\\]/g, '\\$&')}"` : escaped;
}

export function renderUnit(o: UnitOptions): string {
  const underHome = [o.config, o.data, o.bin, o.node].some((p) => p === '/root' || p.startsWith('/root/') || p.startsWith('/home/'));
  const dirs = [...new Set([o.config, o.data])];
  const paths = dirs.map(arg).join(' ');
  const exec = [o.node, o.bin, 'serve', '--config', o.config, '--data', o.data, ...o.extraArgs].map(arg).join(' ');
  return `# everlock mail server. Install: save as /etc/systemd/system/everlock.service, then
#   useradd --system --home-dir ${o.data} --shell /usr/sbin/nologin ${o.user}
#   chown -R ${o.user}:${o.group} ${dirs.join(' ')}
#   systemctl daemon-reload && systemctl enable --now everlock
# Reload the config without a restart: systemctl reload everlock (SIGHUP).
[Unit]
Description=everlock mail server (SMTP, submission, IMAP)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${o.user}
Group=${o.group}
ExecStart=${exec}
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=5s
# SIGTERM drains SMTP transactions and IMAP sessions for up to 25 s, then exits 0.
KillSignal=SIGTERM
TimeoutStopSec=40s
Environment=NODE_ENV=production
UMask=0027
LimitNOFILE=65536

# Ports below 1024 without root.
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes

# Everything read-only except the config repo and the data directory.
ProtectSystem=strict
ReadWritePaths=${paths}
ProtectHome=${underHome ? 'read-only' : 'yes'}
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native

[Install]
WantedBy=multi-user.target
`;
}

export default class SystemdUnit extends BaseCommand {
  static override description = 'Print a hardened systemd unit for this install (dedicated user, CAP_NET_BIND_SERVICE, read-only system).';

  static override examples = [
    { description: 'Install as a service', command: '<%= config.bin %> systemd unit --config /etc/everlock --data /var/lib/everlock > /etc/systemd/system/everlock.service' },
    { description: 'Run as another user, only IMAP', command: '<%= config.bin %> systemd unit --user mail -- --frontend-imap' },
  ];

  static override strict = false;

  static override flags = {
    user: Flags.string({ description: 'system user the server runs as', default: 'everlock' }),
    group: Flags.string({ description: 'group (default: same as --user)' }),
  };

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(SystemdUnit);
    const { fileURLToPath } = await import('node:url');
    const name = /^[a-z_][a-z0-9_-]{0,31}$/;
    if (!name.test(flags.user)) throw new UserError(`--user "${flags.user}" is not a valid user name`, 2);
    const group = flags.group ?? flags.user;
    if (!name.test(group)) throw new UserError(`--group "${group}" is not a valid group name`, 2);
    const paths = this.paths(flags);
    process.stdout.write(
      renderUnit({
        user: flags.user,
        group,
        node: process.execPath,
        bin: fileURLToPath(new URL('../../../bin/run.js', import.meta.url)),
        config: paths.config,
        data: paths.data,
        extraArgs: argv.map(String),
      }),
    );
  }
}
