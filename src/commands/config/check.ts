// `everlock config check [DIR]`: validates the whole config as the server would load it, plus the DKIM key
// files. For a pre-commit hook or the config repo's CI: exit 0 when there is no error (warnings are printed),
// exit 1 with one `file:line:col: message` per problem otherwise.
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class ConfigCheck extends BaseCommand {
  static override description = 'Validate the config repo; exit 1 with one file:line: message per problem';

  static override examples = ['<%= config.bin %> config check', '<%= config.bin %> config check /etc/everlock', 'everlock config check . # in .git/hooks/pre-commit'];

  static override args = {
    dir: Args.string({ description: 'config directory (default: --config, --home or ./everlock-mail)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ConfigCheck);
    // DIR is the config repo; DKIM keys are looked up in --data, else in DIR itself (the one-home layout).
    const paths = args.dir ? this.paths({ home: args.dir, config: args.dir, data: flags.data }) : this.paths(flags);
    const { checkConfig } = await import('../../config/load.js');
    const { formatIssue } = await import('../../errors.js');
    const { join, relative, isAbsolute } = await import('node:path');
    const issues = await checkConfig(paths);
    const shown = (file: string): string => {
      const rel = relative(process.cwd(), join(paths.config, file));
      return rel.startsWith('..') || isAbsolute(rel) ? join(paths.config, file) : rel;
    };
    for (const issue of issues) this.log(formatIssue({ ...issue, file: shown(issue.file) }));
    const errors = issues.filter((i) => i.severity === 'error').length;
    if (errors > 0) {
      process.stderr.write(`config check: ${errors} error${errors > 1 ? 's' : ''}\n`);
      this.exit(1);
    }
    const warnings = issues.length;
    this.log(`config ok (${paths.config})${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}`);
  }
}
