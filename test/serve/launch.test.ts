// Flag handling of `everlock serve`: which modules a flag starts, and how flags, --dev and everlock.toml combine.
import { describe, expect, it } from 'vitest';
import { DEV_LISTEN, selectModules, serverOverrides, type ServeFlags } from '../../src/server/launch.js';
import { recordingModule } from './fixtures.js';

const base: ServeFlags = { modules: [], listen: {}, dev: false, logLevel: 'info', imapIoDebug: false, acceptAnyRecipient: false, allowInsecureAuth: false };

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
    // Without flags everlock.toml decides (and a reload sees its listen changes): no listen override at all.
    expect(serverOverrides(base)).toEqual({});
    expect(serverOverrides({ ...base, dev: true })).toEqual({ listen: DEV_LISTEN });
    const o = serverOverrides({ ...base, dev: true, listen: { imapTls: '127.0.0.1:0', smtp: '2526' }, hostname: 'MX.Example.com', acceptAnyRecipient: true, dnsServer: '127.0.0.1:5353' });
    expect(o.listen).toEqual({ ...DEV_LISTEN, imapTls: '127.0.0.1:0', smtp: '0.0.0.0:2526' });
    expect(o.hostname).toBe('mx.example.com');
    expect(o.acceptAnyRecipient).toBe(true);
    expect(o.dnsServer).toBe('127.0.0.1:5353');
    expect('allowInsecureAuth' in o).toBe(false);
  });

  it('"off" turns a listener off over everlock.toml and --dev; an empty value is not given', () => {
    const o = serverOverrides({ ...base, listen: { imapStarttls: 'off', submission: ' off ', smtp: '', imapTls: '993' } });
    expect(o.listen).toEqual({ imapStarttls: undefined, submission: undefined, imapTls: '0.0.0.0:993' });
    expect(Object.keys(o.listen ?? {}).sort()).toEqual(['imapStarttls', 'imapTls', 'submission']);
    const dev = serverOverrides({ ...base, dev: true, listen: { imapStarttls: 'off', http: 'off' } });
    expect(dev.listen).toEqual({ ...DEV_LISTEN, imapStarttls: undefined, http: undefined });
    expect(dev.listen && 'imapStarttls' in dev.listen).toBe(true);
  });
});
