// `everlock config pull`: fast-forwards the config repo from its upstream; the running server's watcher picks
// the change up. The pulled config is checked so a broken change is reported here, not only in the server log.
import { BaseCommand } from '../../cli/base-command.js';

export default class ConfigPull extends BaseCommand {
  static override description = 'git pull --ff-only in the config repo, then check the result';

  static override examples = ['<%= config.bin %> config pull', '<%= config.bin %> config pull --config /etc/everlock'];

  async run(): Promise<void> {
    const { flags } = await this.parse(ConfigPull);
    const paths = this.paths(flags);
    const { isGitRepo } = await import('../../config/git.js');
    const { UserError, formatIssue } = await import('../../errors.js');
    if (!(await isGitRepo(paths.config))) throw new UserError(`${paths.config} is not a git repository`);
    const { execa } = await import('execa');
    // Without an upstream, git pull would still touch .git (FETCH_HEAD); refuse before running it.
    const upstream = await execa('git', ['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{u}'], { cwd: paths.config, reject: false, stdin: 'ignore' });
    if (upstream.exitCode !== 0) throw new UserError(`git pull --ff-only: the config repo ${paths.config} has no upstream branch (git branch --set-upstream-to)`);
    const r = await execa('git', ['pull', '--ff-only'], { cwd: paths.config, reject: false, stdin: 'ignore' });
    if (r.exitCode !== 0) {
      const line = String(r.stderr).split('\n').find((l) => l.trim() !== '') ?? 'git pull failed';
      throw new UserError(`git pull --ff-only: ${line.replace(/^(fatal|error): /, '')}`);
    }
    if (String(r.stdout).trim()) this.log(String(r.stdout).trim());
    const { checkConfig } = await import('../../config/load.js');
    const issues = await checkConfig(paths);
    for (const issue of issues) this.log(formatIssue(issue));
    if (issues.some((i) => i.severity === 'error')) {
      process.stderr.write('error: the pulled config has errors; a running server keeps its last good config\n');
      this.exit(1);
    }
  }
}
