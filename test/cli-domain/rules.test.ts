// `mail rules` through the built CLI: create/list/remove, and `rules test` table-driven over every match field
// and every action, in both directions. Nothing is delivered: only the decision is printed.
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Home } from './helpers.js';

let home: Home;

const RULES = `# Delivery rules for the CLI tests
[[rule]]
id = "rule-and"
priority = 5
sender = "*@partner.example"
subject_contains = "URGENT"
action = { type = "forward", to = ["pager@example.net"] }

[[rule]]
id = "rule-sender"
name = "Shopping"
sender = "*@shop.example"
action = { type = "store", folder = "Shopping" }

[[rule]]
id = "rule-receiver"
receiver = "boss@example.com"
action = { type = "forward", to = ["assistant@example.net"], keep_copy = true }

[[rule]]
id = "rule-domain"
domain = "lists.example.com"
action = { type = "store", folder = "Lists" }

[[rule]]
id = "rule-local"
local_part = "noreply*"
action = { type = "drop" }

[[rule]]
id = "rule-subject"
subject_contains = "Invoice"
action = { type = "store", folder = "Receipts/2026" }

[[rule]]
id = "rule-msgid"
message_id = "<fixed@id.example>"
action = { type = "reject", code = "550 5.1.1", message = "Duplicate" }

[[rule]]
id = "rule-hfrom"
header_from_contains = "newsletter"
action = { type = "store", folder = "junk" }

[[rule]]
id = "rule-header"
header = { name = "X-Spam-Flag", contains = "yes" }
action = { type = "reject", code = 554, message = "Spam" }

[[rule]]
id = "rule-out-allow"
direction = "outbound"
priority = 1
local_part = "ceo"
action = { type = "allow" }

[[rule]]
id = "rule-out-block"
direction = "outbound"
receiver = "*@blocked.example"
action = { type = "reject" }

[[rule]]
id = "rule-out-drop"
direction = "outbound"
domain = "example.com"
subject_contains = "DROPME"
action = { type = "drop" }
`;

beforeAll(async () => {
  home = await Home.init();
  await home.ok('mail', 'domains', 'create', 'example.com', '--no-dkim');
  await writeFile(join(home.dir, 'rules.toml'), RULES);
});

type Decision = { rule: { id: string; file: string; line: number } | null; action: Record<string, unknown> };

const inbound = ['--from', 'someone@elsewhere.example', '--to', 'alice@example.com'];
const outbound = ['--direction', 'outbound', '--from', 'alice@example.com', '--to', 'bob@remote.example'];

const cases: [what: string, args: string[], rule: string | null, action: Record<string, unknown>][] = [
  ['sender glob', ['--from', 'orders@SHOP.example', '--to', 'alice@example.com'], 'rule-sender', { type: 'store', folder: 'Shopping' }],
  ['receiver', ['--from', 'x@y.example', '--to', 'boss@example.com'], 'rule-receiver', { type: 'forward', to: ['assistant@example.net'], keepCopy: true }],
  ['domain (inbound: the recipient\'s)', ['--from', 'x@y.example', '--to', 'dev@lists.example.com'], 'rule-domain', { type: 'store', folder: 'Lists' }],
  ['domain is not the sender\'s inbound', ['--from', 'x@lists.example.com', '--to', 'alice@example.com'], null, { type: 'store', folder: 'INBOX' }],
  ['local_part glob', ['--from', 'x@y.example', '--to', 'noreply-billing@example.com'], 'rule-local', { type: 'drop' }],
  ['subject_contains', [...inbound, '--subject', 'Your Invoice #7'], 'rule-subject', { type: 'store', folder: 'Receipts/2026' }],
  ['subject_contains is case-sensitive', [...inbound, '--subject', 'your invoice #7'], null, { type: 'store', folder: 'INBOX' }],
  ['message_id (brackets optional)', [...inbound, '--message-id', 'fixed@id.example'], 'rule-msgid', { type: 'reject', code: 550, enhanced: '5.1.1', message: 'Duplicate' }],
  ['header_from_contains (case-insensitive)', [...inbound, '--header-from', 'The NEWSLETTER <news@x.example>'], 'rule-hfrom', { type: 'store', folder: 'Junk' }],
  ['header', [...inbound, '--header', 'X-Spam-Flag: YES'], 'rule-header', { type: 'reject', code: 554, enhanced: '5.7.1', message: 'Spam' }],
  ['header given as --header Subject', [...inbound, '--header', 'Subject: Invoice'], 'rule-subject', { type: 'store', folder: 'Receipts/2026' }],
  ['AND: both fields match', ['--from', 'ops@partner.example', '--to', 'alice@example.com', '--subject', 'URGENT: disk'], 'rule-and', { type: 'forward', to: ['pager@example.net'], keepCopy: false }],
  ['AND: one field fails', ['--from', 'ops@partner.example', '--to', 'alice@example.com', '--subject', 'hello'], null, { type: 'store', folder: 'INBOX' }],
  ['priority beats file order', ['--from', 'ops@partner.example', '--to', 'boss@example.com', '--subject', 'URGENT'], 'rule-and', { type: 'forward', to: ['pager@example.net'], keepCopy: false }],
  ['bounce (null sender)', ['--from', '<>', '--to', 'alice@example.com'], null, { type: 'store', folder: 'INBOX' }],
  ['inbound default', inbound, null, { type: 'store', folder: 'INBOX' }],
  ['outbound default', outbound, null, { type: 'allow' }],
  ['outbound reject by receiver', ['--direction', 'outbound', '--from', 'alice@example.com', '--to', 'x@blocked.example'], 'rule-out-block', { type: 'reject', code: 550, enhanced: '5.7.1', message: 'Message refused by recipient policy' }],
  ['outbound allow (local_part is the sender\'s)', ['--direction', 'outbound', '--from', 'ceo@example.com', '--to', 'x@blocked.example'], 'rule-out-allow', { type: 'allow' }],
  ['outbound drop (domain is the sender\'s)', [...outbound, '--subject', 'DROPME now'], 'rule-out-drop', { type: 'drop' }],
  ['outbound rules do not fire inbound', ['--from', 'x@y.example', '--to', 'x@blocked.example'], null, { type: 'store', folder: 'INBOX' }],
  ['inbound rules do not fire outbound', ['--direction', 'outbound', '--from', 'alice@example.com', '--to', 'boss@example.com'], null, { type: 'allow' }],
];

describe.concurrent('mail rules test', () => {
  it.each(cases)('%s', async (_what, args, rule, action) => {
    const d = JSON.parse(await home.ok('mail', 'rules', 'test', ...args, '--json')) as Decision;
    expect(d.rule?.id ?? null).toBe(rule);
    expect(d.action).toEqual(action);
    if (d.rule) expect(d.rule.file).toBe('rules.toml');
  });

  it('prints the rule, its file:line and the action', async () => {
    // A rule's line is the line of its [[rule]] header, the line just above its id.
    const lineOf = (id: string): number => RULES.split('\n').indexOf(`id = "${id}"`);
    expect(await home.ok('mail', 'rules', 'test', ...inbound, '--subject', 'Invoice')).toBe(`rule rule-subject (rules.toml:${lineOf('rule-subject')}) fires: store folder=Receipts/2026`);
    expect(await home.ok('mail', 'rules', 'test', '--from', 'a@shop.example', '--to', 'alice@example.com')).toBe(`rule rule-sender "Shopping" (rules.toml:${lineOf('rule-sender')}) fires: store folder=Shopping`);
    expect(await home.ok('mail', 'rules', 'test', ...inbound)).toBe('no rule matches: default store folder=INBOX');
  });
});

// Each test has its own home, so they run side by side.
describe.concurrent('mail rules create, list, remove', () => {
  it('creates rules that list and test see, in priority order, and removes them', async () => {
    const h = await Home.init();
    expect(await h.ok('mail', 'rules', 'list')).toMatch(/^no rules/);
    await h.ok('mail', 'rules', 'create', 'rule-receipts', 'type=store', 'folder=Receipts', 'subject_contains=Invoice', 'priority=5', 'name=Receipts');
    await h.ok('mail', 'rules', 'create', 'rule-spam', 'type=reject', 'message=Spam is refused', 'header=X-Spam-Flag:YES');
    await h.ok('mail', 'rules', 'create', 'rule-first', 'type=drop', 'sender=*@spam.example', 'priority=1');
    await h.ok('mail', 'rules', 'create', 'rule-fw', 'type=forward', 'to=a@example.org,b@example.net', 'keep_copy=yes', 'direction=outbound', 'local_part=ceo');
    const list = JSON.parse(await h.ok('mail', 'rules', 'list', '--json')) as { id: string; priority: number; action: { type: string } }[];
    expect(list.map((r) => [r.id, r.priority, r.action.type])).toEqual([
      ['rule-first', 1, 'drop'],
      ['rule-receipts', 5, 'store'],
      ['rule-spam', 10, 'reject'],
      ['rule-fw', 10, 'forward'],
    ]);
    expect(await h.ok('mail', 'rules', 'list')).toMatch(/^5\trule-receipts\tinbound\tsubject_contains=Invoice\t-> store folder=Receipts\t\(rules\.toml:\d+, "Receipts"\)$/m);
    const spam = JSON.parse(await h.ok('mail', 'rules', 'test', '--from', 'x@y.example', '--to', 'a@b.example', '--header', 'X-Spam-Flag: YES', '--json')) as Decision;
    expect(spam.action).toEqual({ type: 'reject', code: 550, enhanced: '5.7.1', message: 'Spam is refused' });
    await h.ok('mail', 'rules', 'remove', 'rule-spam');
    expect((JSON.parse(await h.ok('mail', 'rules', 'list', '--json')) as { id: string }[]).map((r) => r.id)).toEqual(['rule-first', 'rule-receipts', 'rule-fw']);
    expect((await h.subjects()).slice(0, 5)).toEqual(['rules: remove rule-spam', 'rules: create rule-fw', 'rules: create rule-first', 'rules: create rule-spam', 'rules: create rule-receipts']);
  });

  it('a broken rules.toml is reported as file:line:col and left alone', async () => {
    const h = await Home.init();
    const text = '[[rule]]\nid = "rule-a"\nsubjet_contains = "x"\naction = { type = "drop" }\n';
    await writeFile(join(h.dir, 'rules.toml'), text);
    const commands = [['mail', 'rules', 'list'], ['mail', 'rules', 'test', '--from', 'a@b.example', '--to', 'c@d.example'], ['mail', 'rules', 'create', 'rule-b', 'type=drop']];
    for (const r of await Promise.all(commands.map((args) => h.run(...args)))) {
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toBe('rules.toml:3:1: unknown rule field "subjet_contains" (did you mean "subject_contains"?)');
    }
    expect(await h.read('rules.toml')).toBe(text);
  });
});
