// `everlock mail rules test --from … --to …`: which rule would fire for one recipient, and what it would do,
// without delivering anything.
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../../cli/base-command.js';

export default class RulesTest extends BaseCommand {
  static override description = 'Show which rule would fire for a message and what it would do (nothing is delivered)';

  static override examples = [
    '<%= config.bin %> mail rules test --from shop@store.example --to alice@example.com --subject "Invoice 42"',
    '<%= config.bin %> mail rules test --direction outbound --from alice@example.com --to bob@example.org',
    '<%= config.bin %> mail rules test --from x@y.example --to alice@example.com --header "X-Spam-Flag: YES" --json',
  ];

  static override flags = {
    from: Flags.string({ description: 'envelope sender (MAIL FROM); "" or "<>" for a bounce', required: true }),
    to: Flags.string({ description: 'envelope recipient (RCPT TO)', required: true }),
    subject: Flags.string({ description: 'decoded Subject header' }),
    direction: Flags.string({ description: 'mail direction', options: ['inbound', 'outbound'], default: 'inbound' }),
    'header-from': Flags.string({ description: 'decoded From header' }),
    'message-id': Flags.string({ description: 'Message-ID header' }),
    header: Flags.string({ description: 'any header as "Name: value" (repeatable)', multiple: true }),
    json: Flags.boolean({ description: 'print JSON', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(RulesTest);
    const { UserError } = await import('../../../errors.js');
    const { addressArg } = await import('../../../domains/args.js');
    const { readRules } = await import('../../../rules/edit.js');
    const { evaluateRules } = await import('../../../rules/evaluate.js');
    const { describeAction, ruleLocation } = await import('../../../rules/describe.js');

    const from = flags.from.trim() === '' || flags.from.trim() === '<>' ? '' : addressArg(flags.from);
    const to = addressArg(flags.to);
    const headers = new Map<string, string[]>();
    for (const h of flags.header ?? []) {
      const colon = h.indexOf(':');
      if (colon <= 0) throw new UserError(`--header "${h}": expected "Name: value"`);
      const name = h.slice(0, colon).trim().toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), h.slice(colon + 1).trim()]);
    }
    const subject = flags.subject ?? headers.get('subject')?.[0];
    const headerFrom = flags['header-from'] ?? headers.get('from')?.[0];
    const messageId = flags['message-id'] ?? headers.get('message-id')?.[0];
    if (subject !== undefined) headers.set('subject', [subject]);
    if (headerFrom !== undefined) headers.set('from', [headerFrom]);
    if (messageId !== undefined) headers.set('message-id', [messageId]);

    const { rules } = await readRules(this.paths(flags));
    const direction = flags.direction === 'outbound' ? 'outbound' : 'inbound';
    const decision = evaluateRules(rules, {
      direction,
      sender: from,
      receiver: to,
      subject,
      headerFrom,
      messageId,
      header: (name) => headers.get(name.toLowerCase()) ?? [],
    });
    const r = decision.rule;
    if (flags.json) {
      this.log(JSON.stringify({ rule: r ? { id: r.id, name: r.name ?? null, file: r.file, line: r.line ?? null } : null, action: decision.action }, null, 2));
      return;
    }
    if (r) this.log(`rule ${r.id}${r.name ? ` "${r.name}"` : ''} (${ruleLocation(r)}) fires: ${describeAction(decision.action)}`);
    else this.log(`no rule matches: default ${describeAction(decision.action)}`);
  }
}
