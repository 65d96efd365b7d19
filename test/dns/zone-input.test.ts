import { describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../support/tmp.js';
import { loadConfig } from '../../src/config/load.js';
import { zoneInputFor } from '../../src/dns/zone-input.js';
import { formatBind, zoneRecords } from '../../src/dns/zone.js';
import { dkimTxtValue, generateDkimKey, writeDkimKey } from '../../src/dkim/keys.js';
import { DEFAULT_LISTEN } from '../../src/config/validate-server.js';
import type { DomainConfig, ListenerSettings } from '../../src/config/types.js';

function domain(over: { submission?: boolean; enabled?: boolean; published?: string[]; inlineKey?: string } = {}): DomainConfig {
  return {
    name: 'example.com',
    enabled: true,
    submission: { enabled: over.submission ?? true, auth: 'authenticated' },
    outbound: {
      hostname: 'mail.example.com',
      dkim: { enabled: over.enabled ?? true, selector: 'default', rsaSelector: 'default-rsa', published: over.published ?? [], inlineKey: over.inlineKey },
    },
    inbound: { rejectDmarcFailures: false },
    mxOverride: [],
    aliases: new Map(),
    file: 'domains/example.com.toml',
  };
}

const server = (listen: Partial<ListenerSettings> = {}) => ({ server: { listen: { ...DEFAULT_LISTEN, ...listen } } });

describe('zoneInputFor', () => {
  it('takes DKIM values from the key files of every published selector, and warns about missing ones', async () => {
    const dir = await tempDir();
    const paths = { config: dir, data: dir };
    const ed = await generateDkimKey('ed25519');
    const old = await generateDkimKey('ed25519');
    await writeDkimKey(paths, 'example.com', 'default', ed);
    await writeDkimKey(paths, 'example.com', 'old', old);
    const { input, warnings } = await zoneInputFor(paths, server(), domain({ published: ['old'] }), { ip: '192.0.2.10' });
    expect(input.dkim).toEqual([
      { selector: 'default', value: dkimTxtValue(ed) },
      { selector: 'old', value: dkimTxtValue(old) },
    ]);
    expect(warnings).toEqual(['no key for DKIM selector "default-rsa" of example.com (everlock dkim keygen example.com --selector default-rsa)']);
    expect(input).toMatchObject({ domain: 'example.com', hostname: 'mail.example.com', ip: '192.0.2.10', services: { imaps: 993, imap: 143, submission: 587, submissions: 465, http: false } });
  });

  it('uses inline keys, and stays quiet about missing keys when DKIM is off', async () => {
    const dir = await tempDir();
    const inline = await generateDkimKey('ed25519');
    const on = await zoneInputFor({ config: dir, data: dir }, server(), domain({ inlineKey: inline }), {});
    expect(on.input.dkim).toEqual([{ selector: 'default', value: dkimTxtValue(inline) }]);
    const off = await zoneInputFor({ config: dir, data: dir }, server(), domain({ enabled: false }), {});
    expect([off.input.dkim, off.warnings]).toEqual([[], []]);
  });

  it('follows the listeners: configured ports, off listeners, submission off for the domain, HTTP on', async () => {
    const dir = await tempDir();
    const { input } = await zoneInputFor({ config: dir, data: dir }, server({ imapTls: '[::]:1993', imapStarttls: undefined, http: '0.0.0.0:80' }), domain({ submission: false, enabled: false }), {});
    expect(input.services).toEqual({ imaps: 1993, imap: undefined, submission: undefined, submissions: undefined, http: true });
  });

  it('a [listen] key set to "off" in everlock.toml publishes its SRV record as 0 0 0 . (RFC 6186 §3.4)', async () => {
    const srvLines = async (listen: string): Promise<string[]> => {
      const dir = await tempDir();
      await mkdir(join(dir, 'domains'), { recursive: true });
      await writeFile(join(dir, 'domains', 'example.com.toml'), '[outbound.dkim]\nenabled = false\n');
      await writeFile(join(dir, 'everlock.toml'), `[listen]\n${listen}`);
      const paths = { config: dir, data: dir };
      const snap = await loadConfig(paths);
      const example = snap.domains.get('example.com');
      if (!example) throw new Error('example.com did not load');
      const { input } = await zoneInputFor(paths, snap, example, {});
      return formatBind(zoneRecords(input))
        .split('\n')
        .filter((l) => l.includes('\tSRV\t'))
        .map((l) => l.split('\t').filter((_, i) => i !== 1 && i !== 2).join(' '));
    };
    expect(await srvLines('imap_starttls = "off"\n')).toEqual([
      '_imaps._tcp.example.com. SRV 0 1 993 mail.example.com.',
      '_imap._tcp.example.com. SRV 0 0 0 .',
      '_submission._tcp.example.com. SRV 0 1 587 mail.example.com.',
      '_submissions._tcp.example.com. SRV 0 1 465 mail.example.com.',
    ]);
    expect(await srvLines('imap_tls = "off"\nsubmission = "off"\n')).toEqual([
      '_imaps._tcp.example.com. SRV 0 0 0 .',
      '_imap._tcp.example.com. SRV 0 1 143 mail.example.com.',
      '_submission._tcp.example.com. SRV 0 0 0 .',
      '_submissions._tcp.example.com. SRV 0 1 465 mail.example.com.',
    ]);
    expect(await srvLines('submissions = "off"\nimap_tls = "[::]:1993"\n')).toEqual([
      '_imaps._tcp.example.com. SRV 0 1 1993 mail.example.com.',
      '_imap._tcp.example.com. SRV 0 1 143 mail.example.com.',
      '_submission._tcp.example.com. SRV 0 1 587 mail.example.com.',
      '_submissions._tcp.example.com. SRV 0 0 0 .',
    ]);
  });
});
