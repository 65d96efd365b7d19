// `everlock mail rules remove <id>`: deletes one [[rule]] from rules.toml.
import { Args } from '@oclif/core';
import { BaseCommand, commitFlags } from '../../../cli/base-command.js';

export default class RulesRemove extends BaseCommand {
  static override description = 'Remove a delivery rule by id';

  static override examples = ['<%= config.bin %> mail rules remove rule-receipts'];

  static override args = {
    id: Args.string({ description: 'the rule id', required: true }),
  };

  static override flags = { ...commitFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RulesRemove);
    const { removeRule } = await import('../../../rules/edit.js');
    await removeRule(this.paths(flags), args.id.trim(), { commit: !flags['no-commit'] });
    this.log(`removed ${args.id.trim()}`);
  }
}
