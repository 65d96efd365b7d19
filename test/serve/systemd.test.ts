// `everlock systemd unit`: the printed unit has every hardening directive, absolute paths of this install,
// and passes `systemd-analyze verify` where systemd is installed.
import { writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { everlock, BIN } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { renderUnit } from '../../src/commands/systemd/unit.js';

function directives(unit: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of unit.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m?.[1]) out.set(m[1], m[2] ?? '');
  }
  return out;
}

describe('everlock systemd unit', () => {
  it('prints a hardened unit for this install that systemd accepts', async () => {
    const dir = await tempDir('everlock-unit-');
    const res = await everlock(['systemd', 'unit', '--config', join(dir, 'etc'), '--data', join(dir, 'var'), '--user', 'mail']);
    expect(res.exitCode).toBe(0);
    const d = directives(String(res.stdout));
    expect(d.get('User')).toBe('mail');
    expect(d.get('Group')).toBe('mail');
    expect(d.get('AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE');
    expect(d.get('CapabilityBoundingSet')).toBe('CAP_NET_BIND_SERVICE');
    expect(d.get('ProtectSystem')).toBe('strict');
    expect(d.get('ReadWritePaths')).toBe(`${join(dir, 'etc')} ${join(dir, 'var')}`);
    expect(d.get('NoNewPrivileges')).toBe('yes');
    expect(d.get('PrivateTmp')).toBe('yes');
    expect(['yes', 'read-only']).toContain(d.get('ProtectHome'));
    expect(d.get('Restart')).toBe('on-failure');
    expect(d.get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    const exec = (d.get('ExecStart') ?? '').split(' ');
    expect(isAbsolute(exec[0] ?? '')).toBe(true);
    expect(exec[1]).toBe(BIN);
    expect(exec.slice(2)).toEqual(['serve', '--config', join(dir, 'etc'), '--data', join(dir, 'var')]);

    const which = await execa('sh', ['-c', 'command -v systemd-analyze'], { reject: false });
    if (which.exitCode !== 0) {
      console.warn('systemd-analyze is not installed: skipping `systemd-analyze verify`');
      return;
    }
    const file = join(dir, 'everlock.service');
    await writeFile(file, String(res.stdout));
    const verify = await execa('systemd-analyze', ['verify', file], { reject: false });
    expect(verify.stderr).toBe('');
    expect(verify.exitCode).toBe(0);
  });

  it('quotes paths with spaces and escapes systemd specifiers', () => {
    const unit = renderUnit({ user: 'everlock', group: 'everlock', node: '/usr/bin/node', bin: '/opt/ever lock/bin/run.js', config: '/etc/everlock', data: '/srv/100%', extraArgs: [] });
    const d = directives(unit);
    expect(d.get('ExecStart')).toBe('/usr/bin/node "/opt/ever lock/bin/run.js" serve --config /etc/everlock --data /srv/100%%');
    expect(d.get('ReadWritePaths')).toBe('/etc/everlock /srv/100%%');
    expect(d.get('ProtectHome')).toBe('yes');
    expect(directives(renderUnit({ user: 'u', group: 'u', node: '/home/u/.nvm/node', bin: '/home/u/everlock/bin/run.js', config: '/home/u/mail', data: '/home/u/mail', extraArgs: [] })).get('ProtectHome')).toBe('read-only');
  });

  it('rejects a user name that is not one', async () => {
    const res = await everlock(['systemd', 'unit', '--user', 'root;rm']);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain('not a valid user name');
  });
});
