// Every scenario replayed against a real Dovecot and against everlock (see run.ts); a difference the docs do
// not list as kept on purpose fails the scenario, and the annotated transcripts go to /tmp/dovecot-diff.txt
// ($DOVECOT_DIFF_OUT). Part of `npm test` when run as root (CI, which installs dovecot-imapd); a developer
// without root gets a skip with the reason on stderr. `npm run compare:dovecot` runs it alone.
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTranscripts } from './compare.js';
import { dovecotRunnable, runScenario, startServers, type Servers } from './run.js';
import { SCENARIOS } from './scenarios.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot) process.stderr.write('dovecot-diff: skipped, it must run as root (to start Dovecot)\n');

describe.skipIf(!isRoot)('everlock against Dovecot', () => {
  let servers: Servers;
  const report: string[] = [];
  beforeAll(async () => {
    if (!dovecotRunnable()) throw new Error('dovecot-imapd (and its dovecot/dovenull users) must be installed: .ci/run installs it');
    servers = await startServers();
  }, 30_000);
  afterAll(async () => {
    await servers?.stop();
    await writeFile(process.env.DOVECOT_DIFF_OUT ?? '/tmp/dovecot-diff.txt', report.join('\n'));
  });

  const only = process.env.DOVECOT_DIFF_ONLY ? new RegExp(process.env.DOVECOT_DIFF_ONLY, 'i') : undefined;
  SCENARIOS.forEach((sc, i) => {
    it.skipIf(only !== undefined && !only.test(sc.name))(sc.name, async () => {
      const user = `u${i}x${Date.now().toString(36)}`;
      const [d, e] = await Promise.all([runScenario(servers.dovecotPort, user, sc), runScenario(servers.everlockPort, user, sc)]);
      const { delta, report: annotated } = compareTranscripts(sc.name, d, e);
      report.push(`=== ${sc.name} ${delta ? 'DIFFERS (- dovecot, + everlock; ~ kept on purpose)' : 'same (~ kept on purpose)'}`, annotated, '');
      expect(delta).toBe('');
    }, 60_000);
  });
});
