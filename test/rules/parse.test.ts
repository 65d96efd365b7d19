import { describe, expect, it } from 'vitest';
import { parseRules, DEFAULT_REJECT } from '../../src/rules/parse.js';
import { formatIssue } from '../../src/errors.js';

const FILE = 'rules.toml';

/** One rule with the given body lines (under [[rule]]); returns the issues formatted as `file:line:col: msg`. */
function errorsOf(text: string): string[] {
  return parseRules(text, FILE).issues.map(formatIssue);
}

describe('parseRules: valid rules', () => {
  it('reads every field, applies defaults and keeps file:line', () => {
    const text = [
      '[[rule]]',
      'id = "rule-receipts"',
      'name = "Receipts"',
      'priority = 5',
      'direction = "inbound"',
      'sender = "*@shop.example"',
      'receiver = "alice@example.com"',
      'domain = "example.com"',
      'local_part = "alice"',
      'subject_contains = "Invoice"',
      'message_id = "<abc@shop.example>"',
      'header_from_contains = "Shop"',
      'header = { name = "X-Shop", contains = "yes" }',
      'action = { type = "store", folder = "Receipts" }',
      '',
      '[[rule]]',
      'id = "rule-default-fields"',
      '[rule.action]',
      'type = "store"',
    ].join('\n');
    const { rules, issues } = parseRules(text, FILE);
    expect(issues).toEqual([]);
    expect(rules).toHaveLength(2);
    expect(rules[0]).toEqual({
      id: 'rule-receipts',
      name: 'Receipts',
      priority: 5,
      direction: 'inbound',
      match: {
        sender: '*@shop.example',
        receiver: 'alice@example.com',
        domain: 'example.com',
        localPart: 'alice',
        subjectContains: 'Invoice',
        messageId: '<abc@shop.example>',
        headerFromContains: 'Shop',
        header: { name: 'X-Shop', contains: 'yes' },
      },
      action: { type: 'store', folder: 'Receipts' },
      file: FILE,
      line: 1,
    });
    expect(rules[1]).toMatchObject({ id: 'rule-default-fields', priority: 10, direction: 'inbound', match: {}, action: { type: 'store', folder: 'INBOX' }, line: 16 });
  });

  const actions: [toml: string, direction: string, expected: unknown][] = [
    ['{ type = "store" }', 'inbound', { type: 'store', folder: 'INBOX' }],
    ['{ type = "store", folder = "Receipts/2026" }', 'inbound', { type: 'store', folder: 'Receipts/2026' }],
    ['{ type = "store", folder = "inbox" }', 'inbound', { type: 'store', folder: 'INBOX' }],
    ['{ type = "store", folder = "sent" }', 'inbound', { type: 'store', folder: 'Sent' }],
    ['{ type = "store", folder = "DRAFTS" }', 'inbound', { type: 'store', folder: 'Drafts' }],
    ['{ type = "store", folder = "Trash" }', 'inbound', { type: 'store', folder: 'Trash' }],
    ['{ type = "store", folder = "junk" }', 'inbound', { type: 'store', folder: 'Junk' }],
    ['{ type = "store", folder = "archive/2025" }', 'inbound', { type: 'store', folder: 'Archive/2025' }],
    ['{ type = "store", folder = "alerts" }', 'inbound', { type: 'store', folder: 'alerts' }],
    ['{ type = "forward", to = ["Bob@Example.ORG"] }', 'inbound', { type: 'forward', to: ['bob@example.org'], keepCopy: false }],
    ['{ type = "forward", to = "bob@example.org", keep_copy = true }', 'inbound', { type: 'forward', to: ['bob@example.org'], keepCopy: true }],
    ['{ type = "forward", to = ["a@example.org", "b@example.net"] }', 'outbound', { type: 'forward', to: ['a@example.org', 'b@example.net'], keepCopy: false }],
    ['{ type = "reject" }', 'inbound', { type: 'reject', ...DEFAULT_REJECT }],
    ['{ type = "reject", code = 554, message = "go away" }', 'inbound', { type: 'reject', code: 554, enhanced: '5.7.1', message: 'go away' }],
    ['{ type = "reject", code = 450 }', 'inbound', { type: 'reject', code: 450, enhanced: '4.7.1', message: DEFAULT_REJECT.message }],
    ['{ type = "reject", code = "550 5.1.1", message = "no such user" }', 'inbound', { type: 'reject', code: 550, enhanced: '5.1.1', message: 'no such user' }],
    ['{ type = "reject", code = 550, enhanced = "5.7.26" }', 'outbound', { type: 'reject', code: 550, enhanced: '5.7.26', message: DEFAULT_REJECT.message }],
    ['{ type = "drop" }', 'inbound', { type: 'drop' }],
    ['{ type = "drop" }', 'outbound', { type: 'drop' }],
    ['{ type = "allow" }', 'outbound', { type: 'allow' }],
    ['{ type = "allow" }', 'inbound', { type: 'allow' }],
  ];
  it.each(actions)('action %s (%s)', (toml, direction, expected) => {
    const { rules, issues } = parseRules(`[[rule]]\nid = "rule-a"\ndirection = "${direction}"\naction = ${toml}\n`, FILE);
    expect(issues.map(formatIssue)).toEqual([]);
    expect(rules[0]?.action).toEqual(expected);
  });

  it('orders by priority, ties in file order', () => {
    const text = ['c', 'a', 'b', 'd']
      .map((id, i) => `[[rule]]\nid = "rule-${id}"\n${i === 1 ? 'priority = 1\n' : i === 3 ? 'priority = 20\n' : ''}action = { type = "drop" }\n`)
      .join('\n');
    expect(parseRules(text, FILE).rules.map((r) => r.id)).toEqual(['rule-a', 'rule-c', 'rule-b', 'rule-d']);
  });

  it('an empty file has no rules and no issues', () => {
    expect(parseRules('', FILE)).toEqual({ rules: [], issues: [] });
  });
});

describe('parseRules: every problem names file:line:col', () => {
  const rule = (body: string) => `# rules\n[[rule]]\nid = "rule-x"\n${body}\naction = { type = "store" }\n`;
  const cases: [what: string, text: string, expected: string][] = [
    ['bad TOML', '[[rule]\nid = "x"', 'rules.toml:1:'],
    ['missing id', '[[rule]]\naction = { type = "drop" }\n', 'rules.toml:1:3: rule has no "id"'],
    ['id without prefix', '[[rule]]\nid = "receipts"\naction = { type = "drop" }\n', 'rules.toml:2:1: rule id "receipts" must start with "rule-"'],
    ['id with bad characters', '[[rule]]\nid = "rule-a b"\naction = { type = "drop" }\n', 'rules.toml:2:1: rule id "rule-a b" may only contain'],
    ['id not a string', '[[rule]]\nid = 7\naction = { type = "drop" }\n', 'rules.toml:2:1: "id" must be a string'],
    ['unknown field with hint', rule('subjet_contains = "x"'), 'rules.toml:4:1: unknown rule field "subjet_contains" (did you mean "subject_contains"?)'],
    ['unknown field without hint', rule('colour = "red"'), 'rules.toml:4:1: unknown rule field "colour"'],
    ['action field at rule level', rule('folder = "X"'), 'rules.toml:4:1: "folder" belongs in the rule\'s action table'],
    ['name not a string', rule('name = 5'), 'rules.toml:4:1: "name" must be a string, not 5'],
    ['priority not an integer', rule('priority = 1.5'), 'rules.toml:4:1: "priority" must be an integer'],
    ['priority a string', rule('priority = "5"'), 'rules.toml:4:1: "priority" must be an integer'],
    ['bad direction', rule('direction = "in"'), 'rules.toml:4:1: "direction" must be "inbound" or "outbound", not "in"'],
    ['sender not a string', rule('sender = ["a"]'), 'rules.toml:4:1: "sender" must be a string, not an array'],
    ['empty receiver', rule('receiver = ""'), 'rules.toml:4:1: "receiver" must not be empty'],
    ['domain not a string', rule('domain = 1'), 'rules.toml:4:1: "domain" must be a string'],
    ['local_part not a string', rule('local_part = true'), 'rules.toml:4:1: "local_part" must be a string'],
    ['subject_contains empty', rule('subject_contains = ""'), 'rules.toml:4:1: "subject_contains" must not be empty'],
    ['message_id not a string', rule('message_id = 3'), 'rules.toml:4:1: "message_id" must be a string'],
    ['header_from_contains not a string', rule('header_from_contains = {}'), 'rules.toml:4:1: "header_from_contains" must be a string, not a table'],
    ['header not a table', rule('header = "X-Spam"'), 'rules.toml:4:1: "header" must be a table'],
    ['header unknown key', rule('header = { name = "X-A", contains = "b", value = "c" }'), 'rules.toml:4:42: unknown header field "value"'],
    ['header bad name', rule('header = { name = "X A", contains = "b" }'), 'rules.toml:4:12: "header.name" must be a header field name'],
    ['header without contains', rule('header = { name = "X-A" }'), 'rules.toml:4:1: "header.contains" must be a non-empty string'],
    ['no action', '[[rule]]\nid = "rule-x"\n', 'rules.toml:1:3: rule has no action'],
    ['action not a table', '[[rule]]\nid = "rule-x"\naction = "store"\n', 'rules.toml:3:1: "action" must be a table'],
    ['unknown action type', '[[rule]]\nid = "rule-x"\naction = { type = "stor" }\n', 'rules.toml:3:12: action "type" must be one of store, forward, reject, drop, allow, not "stor" (did you mean "store"?)'],
    ['missing action type', '[[rule]]\nid = "rule-x"\n[rule.action]\nfolder = "X"\n', 'rules.toml:3:2: action "type" must be one of'],
    ['field of another action', '[[rule]]\nid = "rule-x"\naction = { type = "drop", folder = "X" }\n', 'rules.toml:3:27: "folder" is not a field of a drop action'],
    ['unknown action field', '[[rule]]\nid = "rule-x"\n[rule.action]\ntype = "store"\nfoldr = "X"\n', 'rules.toml:5:1: unknown store action field "foldr" (did you mean "folder"?)'],
    ['folder with a dot', '[[rule]]\nid = "rule-x"\naction = { type = "store", folder = "a.b" }\n', 'rules.toml:3:28: folder name "a.b" contains "."'],
    ['folder empty level', '[[rule]]\nid = "rule-x"\naction = { type = "store", folder = "a//b" }\n', 'rules.toml:3:28: folder name "a//b" has an empty level'],
    ['folder not a string', '[[rule]]\nid = "rule-x"\naction = { type = "store", folder = 1 }\n', 'rules.toml:3:28: "folder" must be a string'],
    ['store on outbound', '[[rule]]\nid = "rule-x"\ndirection = "outbound"\naction = { type = "store" }\n', 'rules.toml:4:12: a store action applies to inbound rules only'],
    ['forward without to', '[[rule]]\nid = "rule-x"\naction = { type = "forward" }\n', 'rules.toml:3:1: a forward action needs "to"'],
    ['forward empty to', '[[rule]]\nid = "rule-x"\naction = { type = "forward", to = [] }\n', 'rules.toml:3:30: "to" must be a non-empty array'],
    ['forward bad address', '[[rule]]\nid = "rule-x"\naction = { type = "forward", to = ["ok@example.org", "not-an-address"] }\n', 'rules.toml:3:54: "not-an-address" is not an address'],
    ['forward bad domain', '[[rule]]\nid = "rule-x"\naction = { type = "forward", to = ["a@exa_mple.org"] }\n', 'rules.toml:3:36: invalid address "a@exa_mple.org"'],
    ['keep_copy not boolean', '[[rule]]\nid = "rule-x"\naction = { type = "forward", to = ["a@example.org"], keep_copy = "yes" }\n', 'rules.toml:3:54: "keep_copy" must be true or false'],
    ['reject code out of range', '[[rule]]\nid = "rule-x"\naction = { type = "reject", code = 250 }\n', 'rules.toml:3:29: "code" must be a 4xx or 5xx SMTP reply code, not 250'],
    ['reject code bad string', '[[rule]]\nid = "rule-x"\naction = { type = "reject", code = "nope" }\n', 'rules.toml:3:29: "code" must be an SMTP reply code'],
    ['reject bad enhanced', '[[rule]]\nid = "rule-x"\naction = { type = "reject", enhanced = "5.7" }\n', 'rules.toml:3:29: "enhanced" must be an enhanced status code'],
    ['reject classes disagree', '[[rule]]\nid = "rule-x"\naction = { type = "reject", code = 450, enhanced = "5.7.1" }\n', 'rules.toml:3:41: enhanced code 5.7.1 does not agree with reply code 450'],
    ['reject message multi-line', '[[rule]]\nid = "rule-x"\naction = { type = "reject", message = "a\\nb" }\n', 'rules.toml:3:29: "message" must be one line of printable ASCII'],
    ['unknown top-level key', 'rules = []\n', 'rules.toml:1:1: unknown top-level key "rules" (did you mean "rule"?)'],
    ['rule not an array of tables', 'rule = "x"\n', 'rules.toml:1:1: "rule" must be an array of tables'],
  ];
  it.each(cases)('%s', (_what, text, expected) => {
    const errors = errorsOf(text);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((e) => e.startsWith(expected)), `got:\n${errors.join('\n')}`).toBe(true);
  });

  it('reports a duplicate id with the line of the first', () => {
    const text = '[[rule]]\nid = "rule-a"\naction = { type = "drop" }\n\n[[rule]]\nid = "rule-a"\naction = { type = "drop" }\n';
    const { rules, issues } = parseRules(text, FILE);
    expect(issues.map(formatIssue)).toEqual(['rules.toml:6:1: duplicate rule id "rule-a" (first defined at line 1)']);
    expect(rules.map((r) => r.id)).toEqual(['rule-a']);
  });

  it('reports every problem, not only the first, and keeps the valid rules', () => {
    const text = '[[rule]]\nid = "a"\naction = { type = "drop" }\n[[rule]]\nid = "rule-ok"\naction = { type = "drop" }\n[[rule]]\nid = "rule-b"\ncolour = 1\naction = { type = "x" }\n';
    const { rules, issues } = parseRules(text, FILE);
    expect(issues.map((i) => i.line)).toEqual([2, 9, 10]);
    expect(rules.map((r) => r.id)).toEqual(['rule-ok']);
  });
});
