// Opt-in comparison with a real Dovecot (see run.ts): `npm run compare:dovecot` (as root, dovecot-imapd installed);
// the transcript diff goes to /tmp/dovecot-diff.txt. Not part of `npm test`.
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTranscripts } from './compare.js';
import { dovecotRunnable, runScenario, startServers, type Servers } from './run.js';
import { SCENARIOS } from './scenarios.js';

const enabled = process.env.DOVECOT_DIFF !== undefined && dovecotRunnable();

describe.skipIf(!enabled)('everlock against Dovecot', () => {
  let servers: Servers;
  const report: string[] = [];
  beforeAll(async () => {
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
