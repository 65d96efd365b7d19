// Every command of the Foundation issue exists, has a description and at least one example, and every list
// command takes --json; `everlock --help` shows each topic with its description. The command classes are read
// in-process (fast); two real `--help` runs prove what an admin sees.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { notFoundMessage } from '../../src/cli/command-not-found.js';
import { COMMANDS } from '../../src/commands/index.js';
import { everlock } from '../support/cli.js';

const REQUIRED = [
  'init',
  'users add', 'users passwd', 'users password', 'users list', 'users remove', 'users grant', 'users revoke', 'users grants',
  'mail domains create', 'mail domains list', 'mail domains set', 'mail domains remove',
  'mail aliases add', 'mail aliases list', 'mail aliases remove',
  'mail rules list', 'mail rules create', 'mail rules remove', 'mail rules test',
  'dkim keygen', 'dkim rotate', 'dkim show',
  'dns zone',
  'config check', 'config pull',
  'systemd unit',
];
/** Commands that print a list or a table of values: each takes --json. */
const LISTS = ['users list', 'users grants', 'mail domains list', 'mail aliases list', 'mail rules list', 'mail rules test', 'mail mailboxes list', 'dkim show', 'queue list'];
const TOPICS = ['users', 'mail', 'mail domains', 'mail aliases', 'mail rules', 'mail mailboxes', 'dkim', 'dns', 'config', 'systemd', 'queue'];

const commands = new Map(Object.entries(COMMANDS).map(([id, cls]) => [id.replaceAll(':', ' '), cls]));

describe('command reference', () => {
  it.each(REQUIRED)('everlock %s exists with a description and an example', (id) => {
    const cls = commands.get(id);
    expect(cls, `missing command ${id}`).toBeDefined();
    expect(cls?.description?.trim()).toBeTruthy();
    expect(cls?.examples?.length).toBeGreaterThan(0);
  });

  it('every command has an example, and every flag a description', () => {
    for (const [id, cls] of commands) {
      expect(cls.examples?.length, id).toBeGreaterThan(0);
      for (const [name, flag] of Object.entries(cls.flags ?? {})) expect(flag.description, `${id} --${name}`).toBeTruthy();
    }
  });

  it.each(LISTS)('everlock %s takes --json', (id) => {
    expect(Object.keys(commands.get(id)?.flags ?? {}), id).toContain('json');
  });

  it('package.json describes every topic, and each topic has commands', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { oclif: { topics: Record<string, { description: string }> } };
    for (const t of TOPICS) {
      expect(pkg.oclif.topics[t.replaceAll(' ', ':')]?.description, t).toBeTruthy();
      expect([...commands.keys()].some((id) => id.startsWith(`${t} `)), t).toBe(true);
    }
  });

  it('everlock --help lists the topics with their descriptions; a command help shows its examples', async () => {
    const [top, add] = await Promise.all([everlock(['--help']), everlock(['users', 'add', '--help'])]);
    expect(top.exitCode).toBe(0);
    expect(top.stdout).toMatch(/^TOPICS$/m);
    for (const t of ['users', 'mail', 'dkim', 'dns', 'config', 'systemd', 'queue']) expect(top.stdout).toMatch(new RegExp(`^  ${t} +[A-Z]`, 'm'));
    expect(add.exitCode).toBe(0);
    expect(add.stdout).toMatch(/^EXAMPLES$/m);
    expect(add.stdout).toContain('$ everlock users add');
  });

  it.each([
    [['user', 'list'], 'unknown command "everlock user list" (did you mean "users"?)'],
    [['users', 'lst'], 'unknown command "everlock users lst" (did you mean "users list"?)'],
    [['mail', 'domains', 'list', 'extra'], 'everlock mail domains list: unexpected argument "extra"'],
    [['frobnicate'], 'unknown command "everlock frobnicate"'],
  ])('words that name no command: %j', (words, message) => {
    expect(notFoundMessage(words, [...commands.keys()])).toBe(message);
  });

  it('an unknown command is one error line and exit 2', async () => {
    const r = await everlock(['users', 'lst']);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr).split('\n')).toEqual(['error: unknown command "everlock users lst" (did you mean "users list"?)', 'See more help with --help']);
    expect(r.stdout).toBe('');
  });
});
