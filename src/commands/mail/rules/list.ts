// `everlock mail rules list`: the rules in evaluation order (priority, then file order).
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../../cli/base-command.js';

export default class RulesList extends BaseCommand {
  static override description = 'List delivery rules (rules.toml) in the order they are tried';

  static override examples = ['<%= config.bin %> mail rules list', '<%= config.bin %> mail rules list --json'];

  static override flags = {
    json: Flags.boolean({ description: 'print JSON', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(RulesList);
    const { readRules } = await import('../../../rules/edit.js');
    const { describeAction, describeMatch, ruleLocation } = await import('../../../rules/describe.js');
    const { rules } = await readRules(this.paths(flags));
    if (flags.json) {
      this.log(JSON.stringify(rules, null, 2));
      return;
    }
    if (rules.length === 0) {
      this.log('no rules: inbound mail goes to INBOX, outbound mail is sent (everlock mail rules create <id> …)');
      return;
    }
    for (const r of rules) {
      this.log(`${r.priority}\t${r.id}\t${r.direction}\t${describeMatch(r)}\t-> ${describeAction(r.action)}\t(${ruleLocation(r)}${r.name ? `, "${r.name}"` : ''})`);
    }
  }
}
