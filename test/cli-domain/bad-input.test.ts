// Every domain-tools command given bad input: one clear line on stderr, a non-zero exit, and not one byte of the
// home changed (config files, key files, git HEAD). Each case runs on its own copy of the home, so concurrent
// cases cannot see each other's lock files.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Home } from './helpers.js';
import { everlock } from '../support/cli.js';

let home: Home;
let before: Record<string, string>;

beforeAll(async () => {
  home = await Home.init();
  await home.ok('mail', 'domains', 'create', 'example.com');
  await home.ok('users', 'add', 'alice');
  await home.ok('mail', 'aliases', 'add', 'sales@example.com', 'alice');
  await home.ok('mail', 'rules', 'create', 'rule-a', 'type=drop', 'sender=spam@*');
  before = await home.fingerprint();
});

const cases: [args: string[], message: RegExp][] = [
  // mail domains
  [['mail', 'domains', 'create', 'exa_mple.com'], /invalid domain "exa_mple.com"/],
  [['mail', 'domains', 'create', '../etc'], /invalid domain/],
  [['mail', 'domains', 'create', 'example.com'], /domain "example.com" already exists/],
  [['mail', 'domains', 'create', 'new.example', '--hostname', 'bad host'], /"hostname" must be a host name/],
  [['mail', 'domains', 'set', 'nope.example', 'submission=on'], /unknown domain "nope.example"/],
  [['mail', 'domains', 'set', 'example.com', 'hostnme=x'], /unknown domain key "hostnme" \(did you mean "hostname"\?\)/],
  [['mail', 'domains', 'set', 'example.com', 'dkim=maybe'], /dkim=maybe: expected on or off/],
  [['mail', 'domains', 'set', 'example.com', 'submission'], /"submission" is not key=value/],
  [['mail', 'domains', 'set', 'example.com'], /nothing to set/],
  [['mail', 'domains', 'set', 'example.com', 'catch_all=nobody'], /catch-all target "nobody" is not a user/],
  [['mail', 'domains', 'set', 'example.com', 'catch_all=bad target'], /alias target/],
  [['mail', 'domains', 'set', 'example.com', 'relay=ftp://relay.example'], /"relay" must be a URL/],
  [['mail', 'domains', 'set', 'example.com', 'mx_override=a b'], /is not a host or host:port/],
  [['mail', 'domains', 'set', 'example.com', 'hostname=bad_host!'], /"hostname" must be a host name/],
  [['mail', 'domains', 'set', 'example.com', 'dkim_published=../x'], /invalid DKIM selector/],
  [['mail', 'domains', 'set', 'example.com', 'auth=on', 'auth=off'], /"auth" is given twice/],
  [['mail', 'domains', 'remove', 'nope.example'], /unknown domain "nope.example"/],
  [['mail', 'domains', 'remove', 'bad..example'], /invalid domain/],
  // mail aliases
  [['mail', 'aliases', 'add', 'not-an-address', 'alice'], /"not-an-address" is not an address/],
  [['mail', 'aliases', 'add', 'x@nope.example', 'alice'], /unknown domain "nope.example"/],
  [['mail', 'aliases', 'add', 'info@example.com', 'bad target!'], /alias target "bad target!"/],
  [['mail', 'aliases', 'add', 'info@example.com', 'nobody'], /alias target "nobody" is not a user/],
  [['mail', 'aliases', 'add', 'alice@example.com', 'sales'], /alice@example.com is a mailbox of user "alice"/],
  [['mail', 'aliases', 'add', 'info@example.com', 'info'], /cannot point at itself/],
  [['mail', 'aliases', 'remove', 'nope@example.com'], /no alias nope@example.com/],
  [['mail', 'aliases', 'remove', 'sales@example.com', 'bob'], /alias sales@example.com has no target "bob"/],
  [['mail', 'aliases', 'remove', 'sales@nope.example'], /unknown domain "nope.example"/],
  [['mail', 'aliases', 'list', 'nope.example'], /unknown domain "nope.example"/],
  // mail rules
  [['mail', 'rules', 'create', 'receipts', 'type=store'], /rule id "receipts" must start with "rule-"/],
  [['mail', 'rules', 'create', 'rule-x', 'folder=Receipts'], /the rule needs an action: type=/],
  [['mail', 'rules', 'create', 'rule-x', 'type=stor'], /action "type" must be one of .* \(did you mean "store"\?\)/],
  [['mail', 'rules', 'create', 'rule-x', 'type=store', 'foldr=X'], /unknown rule key "foldr" \(did you mean "folder"\?\)/],
  [['mail', 'rules', 'create', 'rule-x', 'type=store', 'folder=a.b'], /contains "\."/],
  [['mail', 'rules', 'create', 'rule-x', 'type=forward', 'to=not-an-address'], /"not-an-address" is not an address/],
  [['mail', 'rules', 'create', 'rule-x', 'type=store', 'direction=outbound'], /store action applies to inbound rules only/],
  [['mail', 'rules', 'create', 'rule-x', 'type=reject', 'code=250'], /"code" must be a 4xx or 5xx/],
  [['mail', 'rules', 'create', 'rule-x', 'type=drop', 'priority=high'], /"priority" must be an integer/],
  [['mail', 'rules', 'create', 'rule-x', 'type=drop', 'header=NoColon'], /expected header=<Name>:<text>/],
  [['mail', 'rules', 'create', 'rule-a', 'type=drop'], /rule "rule-a" already exists/],
  [['mail', 'rules', 'remove', 'rule-b'], /unknown rule id "rule-b" \(did you mean "rule-a"\?\)/],
  [['mail', 'rules', 'test', '--from', 'bad', '--to', 'alice@example.com'], /"bad" is not an address/],
  [['mail', 'rules', 'test', '--from', 'a@b.example', '--to', 'alice'], /"alice" is not an address/],
  [['mail', 'rules', 'test', '--from', 'a@b.example', '--to', 'alice@example.com', '--direction', 'sideways'], /sideways/],
  [['mail', 'rules', 'test', '--from', 'a@b.example', '--to', 'alice@example.com', '--header', 'NoColon'], /expected "Name: value"/],
  // dkim
  [['dkim', 'keygen', 'nope.example'], /unknown domain "nope.example"/],
  [['dkim', 'keygen', 'example.com', '--selector', '../x'], /invalid DKIM selector "..\/x"/],
  [['dkim', 'keygen', 'example.com'], /selector "default" of example.com already has a key/],
  [['dkim', 'keygen', 'example.com', '--algo', 'dsa'], /dsa/],
  [['dkim', 'rotate', 'nope.example'], /unknown domain "nope.example"/],
  [['dkim', 'show', 'Not A Domain'], /invalid domain/],
  // dns
  [['dns', 'zone', 'nope.example'], /unknown domain "nope.example"/],
  [['dns', 'zone', 'example.com', '--ip', '300.1.1.1'], /--ip "300.1.1.1" is not an IPv4 address/],
  [['dns', 'zone', 'example.com', '--ip6', '192.0.2.1'], /--ip6 "192.0.2.1" is not an IPv6 address/],
  [['dns', 'zone', 'example.com', '--format', 'xml'], /xml/],
];

describe.concurrent('bad input changes nothing', () => {
  it.each(cases)('%j', async (args, message) => {
    const own = await home.copy();
    const r = await own.run(...args);
    expect(r.exitCode, r.stdout).toBeGreaterThan(0);
    const lines = r.stderr.split('\n').filter((l) => l !== 'See more help with --help');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(message);
    expect(await own.fingerprint()).toEqual(before);
  });
});

describe('exit codes', () => {
  it('a malformed key=value argument is a usage error (2); a well-formed request that cannot be done is 1', async () => {
    const own = await home.copy();
    expect((await own.run('mail', 'domains', 'set', 'example.com', 'hostnme=x')).exitCode).toBe(2);
    expect((await own.run('mail', 'domains', 'set', 'example.com', 'auth=on', 'auth=off')).exitCode).toBe(2);
    expect((await own.run('mail', 'domains', 'set', 'example.com', 'submission')).exitCode).toBe(2);
    expect((await own.run('mail', 'domains', 'set', 'example.com')).exitCode).toBe(2);
    expect((await own.run('mail', 'rules', 'create', 'rule-x', 'type=store', 'foldr=X')).exitCode).toBe(2);
    expect((await own.run('mail', 'domains', 'set', 'nope.example', 'submission=on')).exitCode).toBe(1);
    expect(await own.fingerprint()).toEqual(before);
  });
});

describe('an unreadable rules.toml', () => {
  it('is named in one line by every command that reads it, and nothing changes', async () => {
    const own = await home.copy();
    await rm(join(own.dir, 'rules.toml'));
    await mkdir(join(own.dir, 'rules.toml'));
    const fingerprint = await own.fingerprint();
    const commands = [
      ['mail', 'rules', 'list'],
      ['mail', 'rules', 'create', 'rule-x', 'type=drop'],
      ['mail', 'rules', 'remove', 'rule-a'],
      ['mail', 'rules', 'test', '--from', 'a@b.example', '--to', 'alice@example.com'],
      ['mail', 'aliases', 'list', 'example.com'],
      ['dkim', 'show', 'example.com'],
    ];
    const runs = await Promise.all(commands.map((args) => own.run(...args)));
    runs.forEach((r, i) => {
      expect(r.exitCode, commands[i]?.join(' ')).toBe(1);
      expect(r.stderr.split('\n'), commands[i]?.join(' ')).toEqual(['rules.toml: cannot read: EISDIR']);
    });
    expect(await own.fingerprint()).toEqual(fingerprint);
  });
});

describe('an unreadable DKIM key file', () => {
  it('is named in one line by every command that reads keys, and nothing changes', async () => {
    const own = await home.copy();
    const key = join(own.dir, 'keys', 'dkim', 'example.com', 'default.pem');
    await rm(key);
    await mkdir(key);
    const fingerprint = await own.fingerprint();
    const commands = [['dkim', 'show', 'example.com'], ['dkim', 'rotate', 'example.com'], ['dns', 'zone', 'example.com', '--ip', '192.0.2.1']];
    const runs = await Promise.all(commands.map((args) => own.run(...args)));
    runs.forEach((r, i) => {
      expect(r.exitCode, commands[i]?.join(' ')).toBe(1);
      expect(r.stderr.split('\n'), commands[i]?.join(' ')).toEqual([`error: cannot read DKIM key ${key}: EISDIR`]);
    });
    expect(await own.fingerprint()).toEqual(fingerprint);
  });
});

describe.concurrent('a home that does not exist stays absent', () => {
  const commands: string[][] = [
    ['mail', 'domains', 'create', 'example.com'],
    ['mail', 'domains', 'list'],
    ['mail', 'aliases', 'add', 'a@example.com', 'b'],
    ['mail', 'rules', 'create', 'rule-a', 'type=drop'],
    ['mail', 'rules', 'list'],
    ['mail', 'rules', 'test', '--from', 'a@b.example', '--to', 'c@d.example'],
    ['dkim', 'keygen', 'example.com'],
    ['dns', 'zone', 'example.com'],
  ];
  it.each(commands)('%j', async (...args) => {
    const missing = join(home.dir, '..', 'not-a-home');
    const r = await everlock([...args, '--home', missing]);
    expect(r.exitCode).toBe(1);
    expect(String(r.stderr)).toMatch(/config directory does not exist/);
    await expect(stat(missing)).rejects.toThrow(/ENOENT/);
  });
});
