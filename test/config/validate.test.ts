// Every kind of config problem is reported with its file and line (and column), table-driven.
import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from '../../src/config/load.js';
import { ConfigError, type ConfigIssue } from '../../src/errors.js';
import { configDir, PHC } from './helpers.js';

const DOMAIN = 'enabled = true\n';

interface Case {
  name: string;
  files: Record<string, string>;
  file: string;
  line: number;
  message: RegExp;
}

const cases: Case[] = [
  { name: 'bad TOML', files: { 'users/alice.toml': 'addresses = [\n"a@example.com"\npassword = 1\n' }, file: 'users/alice.toml', line: 3, message: /invalid TOML/ },
  { name: 'unknown user key with hint', files: { 'domains/example.com.toml': DOMAIN, 'users/alice.toml': `password = "${PHC}"\naddresess = ["alice@example.com"]\n` }, file: 'users/alice.toml', line: 2, message: /unknown key "addresess" \(did you mean "addresses"\?\)/ },
  { name: 'unknown domain key', files: { 'domains/example.com.toml': 'enabled = true\n[outbound]\nhostnme = "mail.example.com"\n' }, file: 'domains/example.com.toml', line: 3, message: /unknown key "hostnme" in \[outbound\] \(did you mean "hostname"\?\)/ },
  { name: 'unknown server key', files: { 'everlock.toml': '[limits]\nmax_recipents = 5\n' }, file: 'everlock.toml', line: 2, message: /did you mean "max_recipients"/ },
  { name: 'bad listen address', files: { 'everlock.toml': '[listen]\nsmtp = "0.0.0.0"\n' }, file: 'everlock.toml', line: 2, message: /not a listen address/ },
  { name: 'empty listen address', files: { 'everlock.toml': '[listen]\nsmtp = "0.0.0.0:25"\nimap_starttls = ""\n' }, file: 'everlock.toml', line: 3, message: /^"" is not a listen address \(host:port, \[ipv6\]:port or "off"\)$/ },
  { name: 'listen off in capitals', files: { 'everlock.toml': '[listen]\n\nsubmission = "OFF"\n' }, file: 'everlock.toml', line: 3, message: /^"OFF" is not a listen address/ },
  { name: 'listen off as a boolean', files: { 'everlock.toml': '[listen]\nimap_starttls = false\n' }, file: 'everlock.toml', line: 2, message: /"imap_starttls" must be a string/ },
  { name: 'IMAP command rate of zero', files: { 'everlock.toml': '[limits]\nimap_commands_per_second = 0\n' }, file: 'everlock.toml', line: 2, message: /"imap_commands_per_second" must be an integer/ },
  { name: 'scrypt cost out of range', files: { 'everlock.toml': '[passwords]\nscrypt_ln = 9\n' }, file: 'everlock.toml', line: 2, message: /"scrypt_ln" must be an integer from 10 to 20/ },
  { name: 'unknown passwords key', files: { 'everlock.toml': '[passwords]\nscrypt_n = 17\n' }, file: 'everlock.toml', line: 2, message: /did you mean "scrypt_ln"/ },
  { name: 'bad route', files: { 'everlock.toml': '[routes]\n"example.org" = "host:port:x"\n' }, file: 'everlock.toml', line: 2, message: /not a host or host:port/ },
  { name: 'wrong type', files: { 'domains/example.com.toml': 'enabled = "yes"\n' }, file: 'domains/example.com.toml', line: 1, message: /"enabled" must be true or false/ },
  { name: 'address in unknown domain', files: { 'domains/example.com.toml': DOMAIN, 'users/alice.toml': 'addresses = ["alice@example.com", "alice@nowhere.org"]\n' }, file: 'users/alice.toml', line: 1, message: /unknown domain "nowhere.org"/ },
  { name: 'malformed address', files: { 'domains/example.com.toml': DOMAIN, 'users/alice.toml': 'addresses = ["../evil@example.com"]\n' }, file: 'users/alice.toml', line: 1, message: /local part/ },
  { name: 'malformed grant path', files: { 'domains/example.com.toml': DOMAIN, 'users/alice.toml': '[[grant]]\npath = "smtp/example.com"\nrole = "writer"\n' }, file: 'users/alice.toml', line: 2, message: /malformed grant path/ },
  { name: 'imap grant without local part', files: { 'domains/example.com.toml': DOMAIN, 'users/alice.toml': '[[grant]]\npath = "imap/mail/example.com"\nrole = "reader"\n' }, file: 'users/alice.toml', line: 2, message: /imap grants name one mailbox/ },
  { name: 'unknown role', files: { 'domains/example.com.toml': DOMAIN, 'users/alice.toml': '[[grant]]\npath = "smtp/mail/example.com"\nrole = "admin"\n' }, file: 'users/alice.toml', line: 3, message: /unknown role "admin"/ },
  { name: 'grant in unknown domain', files: { 'domains/example.com.toml': DOMAIN, 'users/alice.toml': '[[grant]]\nrole = "writer"\npath = "smtp/mail/other.org:alice"\n' }, file: 'users/alice.toml', line: 3, message: /unknown domain "other.org"/ },
  { name: 'second grant, bad role, right line', files: { 'domains/example.com.toml': DOMAIN, 'users/alice.toml': '[[grant]]\npath = "smtp/mail/example.com"\nrole = "writer"\n\n[[grant]]\npath = "imap/mail/example.com:alice"\nrole = "writter"\n' }, file: 'users/alice.toml', line: 7, message: /did you mean "writer"/ },
  { name: 'malformed password', files: { 'users/alice.toml': 'password = "hunter2"\n' }, file: 'users/alice.toml', line: 1, message: /PHC string/ },
  { name: 'alias to nowhere', files: { 'domains/example.com.toml': '[aliases]\nsales = ["alice", "ghost"]\n', 'users/alice.toml': '' }, file: 'domains/example.com.toml', line: 2, message: /alias target "ghost" is not a user/ },
  { name: 'alias loop', files: { 'domains/example.com.toml': '[aliases]\na = "b"\nb = "a"\n' }, file: 'domains/example.com.toml', line: 2, message: /loops/ },
  { name: 'catch-all to nowhere', files: { 'domains/example.com.toml': 'catch_all = "nobody"\n' }, file: 'domains/example.com.toml', line: 1, message: /catch-all target "nobody"/ },
  { name: 'address owned twice', files: { 'domains/example.com.toml': DOMAIN, 'users/alice.toml': 'addresses = ["info@example.com"]\n', 'users/bob.toml': '\naddresses = ["info@example.com"]\n' }, file: 'users/bob.toml', line: 2, message: /already owned by user "alice"/ },
  { name: 'address that is also an alias', files: { 'domains/example.com.toml': '[aliases]\ninfo = "alice"\n', 'users/alice.toml': 'addresses = ["info@example.com"]\n' }, file: 'users/alice.toml', line: 1, message: /also an alias/ },
  { name: 'bad login file name', files: { 'users/Alice.toml': '' }, file: 'users/Alice.toml', line: 0, message: /lower case/ },
  { name: 'bad domain file name', files: { 'domains/exa_mple.com.toml': '' }, file: 'domains/exa_mple.com.toml', line: 0, message: /invalid domain label/ },
  { name: 'bad DKIM selector', files: { 'domains/example.com.toml': '[outbound.dkim]\nselector = "../../etc"\n' }, file: 'domains/example.com.toml', line: 2, message: /invalid DKIM selector/ },
  { name: 'duplicate rule id', files: { 'rules.toml': '[[rule]]\nid = "rule-a"\naction = { type = "drop" }\n[[rule]]\nid = "rule-a"\naction = { type = "drop" }\n' }, file: 'rules.toml', line: 5, message: /rule-a/ },
];

function errors(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return issues.filter((i) => i.severity === 'error');
}

describe('config validation', () => {
  it.each(cases)('$name: names file and line', async ({ files, file, line, message }) => {
    const paths = await configDir(files);
    const issues = errors(await checkConfig(paths));
    const hit = issues.find((i) => message.test(i.message));
    expect(hit, JSON.stringify(issues)).toBeDefined();
    expect(hit?.file).toBe(file);
    if (line > 0) {
      expect(hit?.line).toBe(line);
      expect(hit?.col).toBeGreaterThan(0);
    }
    // loadConfig refuses the same config with the same issue.
    await expect(loadConfig(paths)).rejects.toBeInstanceOf(ConfigError);
  });

  it('accepts a full valid config and only warns about inline keys', async () => {
    const paths = await configDir({
      'everlock.toml': 'hostname = "mx.example.com"\n[listen]\nsmtp = "127.0.0.1:2525"\nimap_tls = "[::1]:1993"\n[limits]\nmax_recipients = 7\n[routes]\n"example.org" = "127.0.0.1:2526, [::1]:25"\n',
      'domains/example.com.toml':
        'enabled = true\n[submission]\nenabled = true\nauth = "authenticated"\n[outbound]\nhostname = "mail.example.com"\n[outbound.dkim]\nenabled = true\nselector = "s1"\nprivate_key_pem = "-----BEGIN PRIVATE KEY-----"\nrsa_selector = "r1"\n[aliases]\npostmaster = "alice"\nsales = ["alice", "bob@example.org"]\n',
      'users/alice.toml': `password = "${PHC}"\naddresses = ["alice@example.com"]\n[[grant]]\npath = "smtp/mail/example.com:alice"\nrole = "writer"\n`,
      'rules.toml': '[[rule]]\nid = "rule-x"\nsender = "*@spam.example"\naction = { type = "drop" }\n',
      // The data directory holds keys (for another domain): key files are checked.
      'keys/dkim/other.example/default.pem': 'x',
    });
    const snap = await loadConfig(paths);
    expect(snap.server.hostname).toBe('mx.example.com');
    expect(snap.server.listen.smtp).toBe('127.0.0.1:2525');
    expect(snap.server.listen.submission).toBe('0.0.0.0:587');
    expect(snap.server.limits.maxRecipients).toBe(7);
    expect(snap.server.limits.imapCommandsPerSecond).toBe(200);
    expect(snap.server.limits.imapConnectionsPerIp).toBe(100);
    expect(snap.server.routes?.get('example.org')).toBe('127.0.0.1:2526,[::1]:25');
    expect(snap.server.limits.maxMessageBytes).toBe(50 * 1024 * 1024);
    expect(snap.domains.get('example.com')?.outbound.dkim.selector).toBe('s1');
    expect(snap.rules.map((r) => r.id)).toEqual(['rule-x']);
    expect(snap.warnings.map((w) => `${w.file}:${w.line}`)).toEqual(['domains/example.com.toml:10']);
    const issues = await checkConfig(paths);
    // key files: the inline Ed25519 key counts, the RSA file is missing -> a warning, not an error
    expect(errors(issues)).toEqual([]);
    expect(issues.some((i) => /default-rsa|r1\.pem/.test(i.message))).toBe(true);
  });

  it('a directory in a DKIM key file\'s place is no key', async () => {
    const paths = await configDir({ 'domains/example.com.toml': '[outbound.dkim]\nenabled = true\n', 'keys/dkim/example.com/default.pem/x': '', 'keys/dkim/example.com/default-rsa.pem/x': '' });
    const issues = errors(await checkConfig(paths));
    expect(issues.map((i) => i.message)).toEqual([expect.stringMatching(/key files are missing or unreadable: keys\/dkim\/example.com\/default.pem/)]);
  });

  it('reports a missing DKIM key file only in checkConfig', async () => {
    const paths = await configDir({ 'domains/example.com.toml': '[outbound.dkim]\nenabled = true\n', 'keys/dkim/other.example/default.pem': 'x' });
    await expect(loadConfig(paths)).resolves.toBeDefined();
    const issues = errors(await checkConfig(paths));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'domains/example.com.toml', line: 2 });
    expect(issues[0]?.message).toMatch(/keys\/dkim\/example.com\/default.pem/);
  });

  it('in a clone of the config repo (no keys directory at all) the keys are not checked: a warning, exit 0', async () => {
    const paths = await configDir({ 'domains/example.com.toml': '[outbound.dkim]\nenabled = true\n' });
    const issues = await checkConfig(paths);
    expect(errors(issues)).toEqual([]);
    expect(issues).toEqual([expect.objectContaining({ file: 'domains/example.com.toml', severity: 'warning', message: expect.stringMatching(/DKIM key files not checked: .*keys\/dkim does not exist/) })]);
  });

  it('warns that [submission] auth = "none" has no effect (submission always needs a login)', async () => {
    const snap = await loadConfig(await configDir({ 'domains/example.com.toml': '[submission]\nauth = "none"\n' }));
    expect(snap.warnings).toEqual([expect.objectContaining({ file: 'domains/example.com.toml', line: 2, message: expect.stringMatching(/has no effect: submission always requires a login/) })]);
  });

  it('warns that an srs_secret in everlock.toml lives in git', async () => {
    const snap = await loadConfig(await configDir({ 'everlock.toml': 'hostname = "mx.example.com"\nsrs_secret = "abc"\n' }));
    expect(snap.server.srsSecret).toBe('abc');
    expect(snap.warnings).toEqual([expect.objectContaining({ file: 'everlock.toml', line: 2, message: expect.stringMatching(/srs_secret is stored in the config repo/) })]);
  });

  it('reads [passwords] scrypt_ln and warns when it is below the recommended cost', async () => {
    const strong = await loadConfig(await configDir({ 'everlock.toml': '[passwords]\nscrypt_ln = 18\n' }));
    expect(strong.server.passwordScryptLn).toBe(18);
    expect(strong.warnings).toEqual([]);
    const weak = await loadConfig(await configDir({ 'everlock.toml': '\n[passwords]\nscrypt_ln = 12\n' }));
    expect(weak.server.passwordScryptLn).toBe(12);
    expect(weak.warnings).toEqual([expect.objectContaining({ file: 'everlock.toml', line: 3, message: expect.stringMatching(/weaker than the recommended 17/) })]);
    expect((await loadConfig(await configDir({}))).server.passwordScryptLn).toBeUndefined();
  });

  it('[listen] "off" turns a listener off, and warns when a module is left with none', async () => {
    const paths = await configDir({ 'everlock.toml': '[listen]\nimap_starttls = "off"\nsubmission = "off"\nhttp = "off"\n' });
    const snap = await loadConfig(paths);
    expect(snap.server.listen).toEqual({ smtp: '0.0.0.0:25', submission: undefined, submissions: '0.0.0.0:465', imapTls: '0.0.0.0:993', imapStarttls: undefined, http: undefined });
    expect(snap.warnings).toEqual([]);
    expect(await checkConfig(paths)).toEqual([]);

    const none = await configDir({ 'everlock.toml': '[listen]\nimap_tls = "off"\nimap_starttls = "off"\nsubmissions = "off"\nsubmission = "off"\nsmtp = "off"\n' });
    const issues = await checkConfig(none);
    expect(errors(issues)).toEqual([]);
    expect(issues.map((i) => `${i.file}:${i.line}: ${i.message}`)).toEqual([
      expect.stringMatching(/^everlock\.toml:3: imap_tls and imap_starttls are both off: the IMAP module has no listener/),
      expect.stringMatching(/^everlock\.toml:5: submission and submissions are both off: the submission module has no listener/),
      expect.stringMatching(/^everlock\.toml:6: smtp is off: the inbound SMTP module has no listener/),
    ]);
    const loaded = await loadConfig(none);
    expect(loaded.warnings).toHaveLength(3);
    expect(Object.values(loaded.server.listen).every((v) => v === undefined)).toBe(true);
  });

  it('a listen override that is present but undefined is off; one that is absent keeps everlock.toml', async () => {
    const paths = await configDir({ 'everlock.toml': '[listen]\nimap_starttls = "127.0.0.1:1143"\nimap_tls = "127.0.0.1:1993"\n' });
    const snap = await loadConfig(paths, { server: { listen: { imapStarttls: undefined } } });
    expect(snap.server.listen.imapStarttls).toBeUndefined();
    expect(snap.server.listen.imapTls).toBe('127.0.0.1:1993');
  });

  it('applies server overrides over everlock.toml and defaults', async () => {
    const paths = await configDir({ 'everlock.toml': '[listen]\nsmtp = "127.0.0.1:25"\n' });
    const snap = await loadConfig(paths, { server: { hostname: undefined, allowInsecureAuth: true, listen: { ...(await loadConfig(paths)).server.listen, smtp: '127.0.0.1:2525' } }, generation: 4 });
    expect(snap.server.hostname).toBeTruthy(); // an undefined override keeps the default
    expect(snap.server.listen.smtp).toBe('127.0.0.1:2525');
    expect(snap.server.allowInsecureAuth).toBe(true);
    expect(snap.server.limits.authFailuresPerMinute).toBe(5);
    expect(snap.server.limits.authLockoutSeconds).toBe(60);
    expect(snap.server.limits.imapIdleTimeoutSeconds).toBe(1800);
    expect(snap.generation).toBe(4);
  });

  it('freezes the snapshot deeply', async () => {
    const paths = await configDir({ 'domains/example.com.toml': '[aliases]\nsales = ["alice"]\n', 'users/alice.toml': '' });
    const snap = await loadConfig(paths);
    expect(Object.isFrozen(snap)).toBe(true);
    expect(Object.isFrozen(snap.server.listen)).toBe(true);
    const alice = snap.users.get('alice');
    expect(Object.isFrozen(alice?.addresses)).toBe(true);
    expect(() => (snap.users as Map<string, unknown>).set('eve', {})).toThrow(/read-only/);
    expect(() => (snap.users as Map<string, unknown>).delete('alice')).toThrow(/read-only/);
    expect(() => (snap.domains.get('example.com')?.aliases as Map<string, unknown>).set('x', [])).toThrow(TypeError);
  });
});
