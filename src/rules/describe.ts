// One-line descriptions of rules and actions for `mail rules list|test` and delivery logs, in the same
// key=value words `mail rules create` takes.
import type { Rule, RuleAction } from './types.js';

export function describeAction(a: RuleAction): string {
  switch (a.type) {
    case 'store':
      return `store folder=${a.folder}`;
    case 'forward':
      return `forward to=${a.to.join(',')} keep_copy=${a.keepCopy}`;
    case 'reject':
      return `reject ${a.code} ${a.enhanced} ${a.message}`;
    case 'drop':
      return 'drop (accept and discard)';
    case 'allow':
      return 'allow';
  }
}

export function describeMatch(rule: Rule): string {
  const m = rule.match;
  const parts: string[] = [];
  const add = (key: string, v: string | undefined): void => {
    if (v !== undefined) parts.push(`${key}=${/[\s"]/.test(v) ? JSON.stringify(v) : v}`);
  };
  add('sender', m.sender);
  add('receiver', m.receiver);
  add('domain', m.domain);
  add('local_part', m.localPart);
  add('subject_contains', m.subjectContains);
  add('message_id', m.messageId);
  add('header_from_contains', m.headerFromContains);
  if (m.header) add('header', `${m.header.name}:${m.header.contains}`);
  return parts.length > 0 ? parts.join(' ') : '(everything)';
}

/** `rules.toml:12` */
export function ruleLocation(rule: Rule): string {
  return rule.line === undefined ? rule.file : `${rule.file}:${rule.line}`;
}
