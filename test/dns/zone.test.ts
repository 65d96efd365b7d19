import { describe, expect, it, beforeAll } from 'vitest';
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../support/tmp.js';
import { formatBind, formatJson, splitTxt, zoneRecords, type ZoneInput } from '../../src/dns/zone.js';
import { listenPort } from '../../src/dns/zone-input.js';
import { dkimTxtValue, generateDkimKey } from '../../src/dkim/keys.js';

let dkim: { selector: string; value: string }[];
beforeAll(async () => {
  dkim = [
    { selector: 'default', value: dkimTxtValue(await generateDkimKey('ed25519')) },
    { selector: 'default-rsa', value: dkimTxtValue(await generateDkimKey('rsa')) },
  ];
});

const allOn = { imaps: 993, imap: 143, submission: 587, submissions: 465, http: true };
const input = (over: Partial<ZoneInput> = {}): ZoneInput => ({ domain: 'example.com', hostname: 'mail.example.com', dkim, services: allOn, ...over });

async function checkZone(fragment: string): Promise<{ exitCode: number | undefined; output: string }> {
  const dir = await tempDir();
  const file = join(dir, 'example.com.zone');
  const head = [
    '$TTL 3600',
    'example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 3600',
    'example.com. 3600 IN NS ns1.example.com.',
    'ns1.example.com. 3600 IN A 192.0.2.53',
    '',
  ].join('\n');
  await writeFile(file, head + fragment);
  const r = await execa('named-checkzone', ['example.com', file], { reject: false });
  return { exitCode: r.exitCode, output: `${r.stdout}\n${r.stderr}` };
}

describe('zoneRecords', () => {
  it('lists every record of SPEC §7', () => {
    const lines = formatBind(zoneRecords(input({ ip: '192.0.2.10', ip6: '2001:db8::10' }))).trim().split('\n');
    const summary = lines.map((l) => l.split('\t').filter((_, i) => i !== 1).join(' ').replace(/"v=DKIM1; k=rsa; p=.*/, '"v=DKIM1; k=rsa; p=…'));
    expect(summary.map((s) => s.replace(/p=[A-Za-z0-9+/=]{44}"/, 'p=…"'))).toEqual([
      'example.com. IN MX 10 mail.example.com.',
      'mail.example.com. IN A 192.0.2.10',
      'mail.example.com. IN AAAA 2001:db8::10',
      'example.com. IN TXT "v=spf1 mx -all"',
      'default._domainkey.example.com. IN TXT "v=DKIM1; k=ed25519; p=…"',
      'default-rsa._domainkey.example.com. IN TXT "v=DKIM1; k=rsa; p=…',
      '_dmarc.example.com. IN TXT "v=DMARC1; p=quarantine"',
      '_imaps._tcp.example.com. IN SRV 0 1 993 mail.example.com.',
      '_imap._tcp.example.com. IN SRV 0 1 143 mail.example.com.',
      '_submission._tcp.example.com. IN SRV 0 1 587 mail.example.com.',
      '_submissions._tcp.example.com. IN SRV 0 1 465 mail.example.com.',
      'autoconfig.example.com. IN CNAME mail.example.com.',
      'autodiscover.example.com. IN CNAME mail.example.com.',
    ]);
  });

  it('says "not offered" with 0 0 0 . for services that are off, and drops autoconfig without HTTP', () => {
    const records = zoneRecords(input({ services: { imaps: 993, imap: undefined, submission: undefined, submissions: undefined, http: false } }));
    const srv = records.filter((r) => r.type === 'SRV').map((r) => `${r.name} ${formatBind([r]).split('\t')[4]?.trim()}`);
    expect(srv).toEqual([
      '_imaps._tcp.example.com. 0 1 993 mail.example.com.',
      '_imap._tcp.example.com. 0 0 0 .',
      '_submission._tcp.example.com. 0 0 0 .',
      '_submissions._tcp.example.com. 0 0 0 .',
    ]);
    expect(records.some((r) => r.type === 'CNAME')).toBe(false);
  });

  it('leaves out A/AAAA for a mail host outside the domain', () => {
    const records = zoneRecords(input({ hostname: 'mx.provider.example', ip: '192.0.2.10' }));
    expect(records.filter((r) => r.type === 'A')).toEqual([]);
    expect(records.find((r) => r.type === 'MX')).toMatchObject({ exchange: 'mx.provider.example.' });
  });

  it('splits RSA values into strings of at most 255 bytes that join back to the value', () => {
    const rsa = zoneRecords(input()).find((r) => r.name.startsWith('default-rsa.'));
    expect(rsa?.type).toBe('TXT');
    const strings = rsa?.type === 'TXT' ? rsa.strings : [];
    expect(strings.length).toBeGreaterThan(1);
    expect(strings.every((s) => Buffer.byteLength(s) <= 255)).toBe(true);
    expect(strings.join('')).toBe(dkim[1]?.value);
    expect(splitTxt('x'.repeat(510))).toEqual(['x'.repeat(255), 'x'.repeat(255)]);
    expect(splitTxt('')).toEqual(['']);
  });

  it.each([
    [{ ip: '999.1.1.1' }, /--ip "999.1.1.1" is not an IPv4 address/],
    [{ ip: '2001:db8::1' }, /is not an IPv4 address/],
    [{ ip6: '192.0.2.1' }, /--ip6 "192.0.2.1" is not an IPv6 address/],
  ])('rejects bad addresses %j', (over, message) => {
    expect(() => zoneRecords(input(over))).toThrow(message);
  });

  it('JSON carries the typed fields and the zone-file value', () => {
    const json = JSON.parse(formatJson(zoneRecords(input({ ip: '192.0.2.10' })))) as { name: string; type: string; value: string; port?: number }[];
    expect(json[0]).toEqual({ name: 'example.com.', ttl: 3600, type: 'MX', preference: 10, exchange: 'mail.example.com.', value: '10 mail.example.com.' });
    expect(json.find((r) => r.name === '_imaps._tcp.example.com.')).toMatchObject({ type: 'SRV', port: 993, value: '0 1 993 mail.example.com.' });
  });

  it('the BIND fragment, with an SOA and NS in front, passes named-checkzone', async () => {
    const fragment = formatBind(zoneRecords(input({ ip: '192.0.2.10', ip6: '2001:db8::10' })));
    const r = await checkZone(fragment);
    expect(r.output).toContain('OK');
    expect(r.exitCode).toBe(0);
    // The check can fail: a broken record is refused.
    const broken = await checkZone(fragment + 'example.com.\t3600\tIN\tMX\tnot-a-number mail.example.com.\n');
    expect(broken.exitCode).not.toBe(0);
  });

  it.each([
    ['0.0.0.0:993', 993],
    ['[::]:1993', 1993],
    ['127.0.0.1:0', undefined],
    ['off', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('listenPort(%j) = %j', (value, port) => {
    expect(listenPort(value)).toBe(port);
  });
});
