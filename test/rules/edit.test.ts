import { describe, expect, it } from 'vitest';
import { ruleFromArgs } from '../../src/rules/edit.js';
import { validateRules } from '../../src/rules/parse.js';
import { describeAction, describeMatch } from '../../src/rules/describe.js';

describe('ruleFromArgs (mail rules create key=value…)', () => {
  const cases: [args: string[], expected: Record<string, unknown>][] = [
    [['type=store', 'folder=Receipts', 'subject_contains=Invoice', 'priority=5'], { id: 'rule-t', subject_contains: 'Invoice', priority: 5, action: { type: 'store', folder: 'Receipts' } }],
    [['type=forward', 'to=a@example.org, b@example.net', 'keep_copy=yes'], { id: 'rule-t', action: { type: 'forward', to: ['a@example.org', 'b@example.net'], keep_copy: true } }],
    [['type=forward', 'to=a@example.org', 'keep_copy=off'], { id: 'rule-t', action: { type: 'forward', to: ['a@example.org'], keep_copy: false } }],
    [['type=reject', 'code=554', 'enhanced=5.7.26', 'message=No thanks'], { id: 'rule-t', action: { type: 'reject', code: 554, enhanced: '5.7.26', message: 'No thanks' } }],
    [['type=reject', 'code=550 5.1.1'], { id: 'rule-t', action: { type: 'reject', code: '550 5.1.1' } }],
    [['type=drop', 'header=X-Spam-Flag: YES'], { id: 'rule-t', header: { name: 'X-Spam-Flag', contains: 'YES' }, action: { type: 'drop' } }],
    [['direction=outbound', 'type=allow', 'local_part=ceo', 'name=CEO mail'], { id: 'rule-t', direction: 'outbound', local_part: 'ceo', name: 'CEO mail', action: { type: 'allow' } }],
    [['type=store', 'sender=*@shop.example', 'receiver=alice@*', 'domain=example.com', 'message_id=<a@b>', 'header_from_contains=Shop'], { id: 'rule-t', sender: '*@shop.example', receiver: 'alice@*', domain: 'example.com', message_id: '<a@b>', header_from_contains: 'Shop', action: { type: 'store' } }],
  ];
  it.each(cases)('%j', (args, expected) => {
    const doc = ruleFromArgs('rule-t', args);
    expect(doc).toEqual(expected);
    // What create writes, the parser reads back without complaint.
    expect(validateRules({ rule: [doc] }, 'rules.toml').issues).toEqual([]);
  });

  it.each([
    [['folder=X'], /needs an action/],
    [['type=store', 'foldr=X'], /unknown rule key "foldr" \(did you mean "folder"\?\)/],
    [['type=store', 'nonsense'], /is not key=value/],
    [['type=store', 'folder=A', 'folder=B'], /"folder" is given twice/],
    [['type=drop', 'header=NoColon'], /expected header=<Name>:<text>/],
    [['type=store', 'id=rule-other'], /unknown rule key "id"/],
  ])('refuses %j', (args, message) => {
    expect(() => ruleFromArgs('rule-t', args)).toThrow(message);
  });
});

describe('describeAction / describeMatch', () => {
  it('speaks the words create takes', () => {
    expect(describeAction({ type: 'store', folder: 'Receipts' })).toBe('store folder=Receipts');
    expect(describeAction({ type: 'forward', to: ['a@example.org'], keepCopy: true })).toBe('forward to=a@example.org keep_copy=true');
    expect(describeAction({ type: 'reject', code: 550, enhanced: '5.7.1', message: 'No' })).toBe('reject 550 5.7.1 No');
    expect(describeAction({ type: 'drop' })).toBe('drop (accept and discard)');
    expect(describeAction({ type: 'allow' })).toBe('allow');
    const base = { id: 'rule-x', priority: 10, direction: 'inbound' as const, action: { type: 'drop' as const }, file: 'rules.toml' };
    expect(describeMatch({ ...base, match: {} })).toBe('(everything)');
    expect(describeMatch({ ...base, match: { sender: '*@x', subjectContains: 'two words', header: { name: 'X-A', contains: 'b' } } })).toBe('sender=*@x subject_contains="two words" header=X-A:b');
  });
});
