// Flag handling of `everlock serve`: which modules a flag starts, and how flags, --dev and everlock.toml combine.
import { describe, expect, it } from 'vitest';
import { DEV_LISTEN, selectModules, serverOverrides, type ServeFlags } from '../../src/server/launch.js';
import { recordingModule } from './fixtures.js';

const base: ServeFlags = { modules: [], listen: {}, dev: false, logLevel: 'info', imapIoDebug: false, acceptAnyRecipient: false, allowInsecureAuth: false };
const fromFile = { smtp: '192.0.2.1:25', submission: '192.0.2.1:587', submissions: '192.0.2.1:465', imapTls: '192.0.2.1:993', imapStarttls: '192.0.2.1:143', http: undefined };

describe('serve flags', () => {
  const all = ['smtp', 'submission', 'queue', 'imap'].map((n) => recordingModule(n));
  const names = (flags: ServeFlags['modules']) => selectModules(all, flags).map((m) => m.name);

  it('starts every mail module when none is named, else the named ones and what they need', () => {
    expect(names([])).toEqual(['smtp', 'submission', 'queue', 'imap']);
    expect(names(['frontend-imap'])).toEqual(['imap']);
    expect(names(['backend-mail-imap'])).toEqual(['imap']);
    expect(names(['frontend-smtp'])).toEqual(['smtp', 'queue']);
    expect(names(['frontend-smtp-submission', 'frontend-imap'])).toEqual(['submission', 'queue', 'imap']);
    expect(names(['backend-mail-smtp'])).toEqual(['queue']);
  });

  it('flag > --dev port > everlock.toml; other settings only when given', () => {
    expect(serverOverrides(base, fromFile)).toEqual({ listen: fromFile });
    expect(serverOverrides({ ...base, dev: true }, fromFile)).toEqual({ listen: DEV_LISTEN });
    const o = serverOverrides(
      { ...base, dev: true, listen: { imapTls: '127.0.0.1:0', smtp: '2526' }, hostname: 'MX.Example.com', acceptAnyRecipient: true, dnsServer: '127.0.0.1:5353' },
      fromFile,
    );
    expect(o.listen).toEqual({ ...DEV_LISTEN, imapTls: '127.0.0.1:0', smtp: '0.0.0.0:2526' });
    expect(o.hostname).toBe('mx.example.com');
    expect(o.acceptAnyRecipient).toBe(true);
    expect(o.dnsServer).toBe('127.0.0.1:5353');
    expect('allowInsecureAuth' in o).toBe(false);
  });
});
