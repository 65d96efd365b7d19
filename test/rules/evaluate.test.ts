import { describe, expect, it } from 'vitest';
import { parseRules } from '../../src/rules/parse.js';
import { evaluateEnvelope, evaluateRules, needsHeaders } from '../../src/rules/evaluate.js';
import type { RuleInput } from '../../src/rules/types.js';

function rulesOf(text: string) {
  const { rules, issues } = parseRules(text, 'rules.toml');
  expect(issues).toEqual([]);
  return rules;
}

const one = (fields: string, direction = 'inbound', action = '{ type = "store", folder = "Hit" }') =>
  rulesOf(`[[rule]]\nid = "rule-t"\ndirection = "${direction}"\n${fields}\naction = ${action}\n`);

const base: RuleInput = { direction: 'inbound', sender: 'shop@store.example', receiver: 'alice@example.com' };
const headers = (map: Record<string, string[]>) => (name: string) => map[name.toLowerCase()] ?? [];

describe('evaluateRules: every match field', () => {
  const cases: [field: string, input: Partial<RuleInput>, fires: boolean][] = [
    ['sender = "shop@store.example"', {}, true],
    ['sender = "SHOP@Store.Example"', {}, true],
    ['sender = "*@store.example"', {}, true],
    ['sender = "*@other.example"', {}, false],
    ['sender = "shop@store"', {}, false], // whole value
    ['sender = "*"', { sender: '' }, true], // a bounce's null sender
    ['sender = "*@*"', { sender: '' }, false],
    ['receiver = "alice@example.com"', {}, true],
    ['receiver = "bob@example.com"', {}, false],
    ['receiver = "*@example.com"', { receiver: 'Bob@EXAMPLE.com' }, true],
    ['domain = "example.com"', {}, true],
    ['domain = "*.com"', {}, true],
    ['domain = "example.org"', {}, false],
    ['domain = "store.example"', {}, false], // inbound: the receiver's domain, not the sender's
    ['local_part = "alice"', {}, true],
    ['local_part = "ali*"', {}, true],
    ['local_part = "shop"', {}, false],
    ['subject_contains = "Invoice"', { subject: 'Your Invoice #42' }, true],
    ['subject_contains = "invoice"', { subject: 'Your Invoice #42' }, false], // case-sensitive
    ['subject_contains = "Invoice"', {}, false], // headers unknown
    ['message_id = "<abc@store.example>"', { messageId: '<abc@store.example>' }, true],
    ['message_id = "abc@store.example"', { messageId: ' <abc@store.example> ' }, true], // brackets optional
    ['message_id = "ABC@store.example"', { messageId: '<abc@store.example>' }, false], // exact
    ['message_id = "abc@store.example"', {}, false],
    ['header_from_contains = "the shop"', { headerFrom: 'The Shop <shop@store.example>' }, true],
    ['header_from_contains = "other"', { headerFrom: 'The Shop <shop@store.example>' }, false],
    ['header_from_contains = "shop"', {}, false],
    ['header = { name = "X-Spam-Flag", contains = "yes" }', { header: headers({ 'x-spam-flag': ['YES'] }) }, true],
    ['header = { name = "x-spam-flag", contains = "YES" }', { header: headers({ 'x-spam-flag': ['no', 'yes, really'] }) }, true],
    ['header = { name = "X-Spam-Flag", contains = "yes" }', { header: headers({ 'x-spam-flag': ['NO'] }) }, false],
    ['header = { name = "X-Spam-Flag", contains = "yes" }', { header: headers({}) }, false],
    ['header = { name = "X-Spam-Flag", contains = "yes" }', {}, false],
    ['', {}, true], // no match fields: everything in the direction
    ['sender = "*@store.example"\nreceiver = "alice@*"', {}, true], // AND, all match
    ['sender = "*@store.example"\nreceiver = "bob@*"', {}, false], // AND, one fails
    ['sender = "*@store.example"\nsubject_contains = "Invoice"', { subject: 'Invoice' }, true],
    ['sender = "*@store.example"\nsubject_contains = "Invoice"', { subject: 'Receipt' }, false],
  ];
  it.each(cases)('%s with %j -> %s', (field, input, fires) => {
    const rules = one(field);
    const decision = evaluateRules(rules, { ...base, ...input });
    expect(decision.rule?.id ?? null).toBe(fires ? 'rule-t' : null);
    expect(decision.action).toEqual(fires ? { type: 'store', folder: 'Hit' } : { type: 'store', folder: 'INBOX' });
  });
});

describe('evaluateRules: directions and defaults', () => {
  it('outbound rules see the sender as domain/local_part and default to allow', () => {
    const rules = one('domain = "example.com"\nlocal_part = "alice"', 'outbound', '{ type = "reject", message = "no" }');
    const out: RuleInput = { direction: 'outbound', sender: 'alice@example.com', receiver: 'bob@remote.example' };
    expect(evaluateRules(rules, out).action).toEqual({ type: 'reject', code: 550, enhanced: '5.7.1', message: 'no' });
    expect(evaluateRules(rules, { ...out, sender: 'carol@example.com' })).toEqual({ rule: null, action: { type: 'allow' } });
    // The same mail seen inbound does not fire an outbound rule.
    expect(evaluateRules(rules, { ...out, direction: 'inbound' })).toEqual({ rule: null, action: { type: 'store', folder: 'INBOX' } });
  });

  it('an inbound rule never fires for outbound mail', () => {
    const rules = one('', 'inbound', '{ type = "drop" }');
    expect(evaluateRules(rules, { ...base, direction: 'outbound' })).toEqual({ rule: null, action: { type: 'allow' } });
    expect(evaluateRules(rules, base).action).toEqual({ type: 'drop' });
  });

  it('no rules at all: store in INBOX', () => {
    expect(evaluateRules([], base)).toEqual({ rule: null, action: { type: 'store', folder: 'INBOX' } });
  });

  it('first match wins, in priority order then file order', () => {
    const rules = rulesOf(
      [
        '[[rule]]\nid = "rule-late"\npriority = 20\naction = { type = "drop" }',
        '[[rule]]\nid = "rule-first-in-file"\nreceiver = "alice@*"\naction = { type = "store", folder = "A" }',
        '[[rule]]\nid = "rule-second-in-file"\nreceiver = "alice@*"\naction = { type = "store", folder = "B" }',
        '[[rule]]\nid = "rule-urgent"\npriority = 1\nsubject_contains = "URGENT"\naction = { type = "forward", to = ["pager@example.org"], keep_copy = true }',
      ].join('\n'),
    );
    expect(evaluateRules(rules, { ...base, subject: 'URGENT: disk' }).rule?.id).toBe('rule-urgent');
    expect(evaluateRules(rules, { ...base, subject: 'hello' }).rule?.id).toBe('rule-first-in-file');
    expect(evaluateRules(rules, { ...base, receiver: 'bob@example.com' }).rule?.id).toBe('rule-late');
  });

  it('applies per recipient: two recipients of one message can get different actions', () => {
    const rules = rulesOf('[[rule]]\nid = "rule-bob"\nlocal_part = "bob"\naction = { type = "reject" }\n');
    expect(evaluateRules(rules, { ...base, receiver: 'alice@example.com' }).action.type).toBe('store');
    expect(evaluateRules(rules, { ...base, receiver: 'bob@example.com' }).action.type).toBe('reject');
  });
});

describe('needsHeaders and evaluateEnvelope', () => {
  const cases: [field: string, needs: boolean][] = [
    ['sender = "*"', false],
    ['receiver = "*"', false],
    ['domain = "*"', false],
    ['local_part = "*"', false],
    ['', false],
    ['subject_contains = "x"', true],
    ['message_id = "x"', true],
    ['header_from_contains = "x"', true],
    ['header = { name = "X-A", contains = "x" }', true],
  ];
  it.each(cases)('%s -> %s', (field, needs) => {
    const rule = one(field)[0];
    expect(rule && needsHeaders(rule)).toBe(needs);
  });

  it('decides at RCPT when an envelope-only rule fires first, and waits for DATA otherwise', () => {
    const rules = rulesOf(
      [
        '[[rule]]\nid = "rule-spam"\nsender = "*@spam.example"\naction = { type = "reject" }',
        '[[rule]]\nid = "rule-invoice"\nreceiver = "alice@*"\nsubject_contains = "Invoice"\naction = { type = "store", folder = "Receipts" }',
      ].join('\n'),
    );
    const spam = evaluateEnvelope(rules, { ...base, sender: 'x@spam.example' });
    expect(spam.decided && spam.decision.rule?.id).toBe('rule-spam');
    const alice = evaluateEnvelope(rules, base);
    expect(alice).toEqual({ decided: false, pending: rules[1] });
    const bob = evaluateEnvelope(rules, { ...base, receiver: 'bob@example.com' });
    expect(bob).toEqual({ decided: true, decision: { rule: null, action: { type: 'store', folder: 'INBOX' } } });
  });
});
