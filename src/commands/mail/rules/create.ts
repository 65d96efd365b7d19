// `everlock mail rules create <id> key=value…`: appends a [[rule]] to rules.toml.
import { Args } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../../cli/base-command.js';

export default class RulesCreate extends BaseCommand {
  static override summary = 'Create a delivery rule from key=value pairs';

  static override description = `Rule keys: name, priority (default 10), direction (inbound|outbound).
Match fields: sender, receiver, domain, local_part (globs with *),
  subject_contains, message_id, header_from_contains, header=<Name>:<text>.
Action: type=store|forward|reject|drop|allow, with folder (store),
  to=a,b and keep_copy (forward), code, enhanced, message (reject).`;

  static override examples = [
    '<%= config.bin %> mail rules create rule-receipts type=store folder=Receipts subject_contains=Invoice priority=5',
    '<%= config.bin %> mail rules create rule-boss type=forward to=me@example.org keep_copy=true sender=boss@example.com',
    '<%= config.bin %> mail rules create rule-spam type=reject code=550 message="Spam is refused" header=X-Spam-Flag:YES',
  ];

  static override strict = false;

  static override args = {
    id: Args.string({ description: 'the rule id; starts with "rule-"', required: true }),
    field: Args.string({ description: 'key=value pairs' }),
  };

  static override flags = { ...commitFlags };

  async run(): Promise<void> {
    const { args, flags, argv } = await this.parse(RulesCreate);
    const { createRule } = await import('../../../rules/edit.js');
    const { describeAction, describeMatch } = await import('../../../rules/describe.js');
    const rule = await createRule(this.paths(flags), args.id.trim(), (argv as string[]).slice(1), { commit: !flags['no-commit'] });
    this.log(`created ${rule.id} (${rule.direction}, priority ${rule.priority}): ${describeMatch(rule)} -> ${describeAction(rule.action)}`);
  }
}
