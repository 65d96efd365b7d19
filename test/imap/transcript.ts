// Transcript scenarios: `C:` lines are sent (a trailing `{n+}` literal continues on the next C: lines), `S:`
// lines are the expected responses in order, where `...` matches any text. The first mismatch fails with the
// exchange so far, which is the whole error message a reader needs.
import { expect } from 'vitest';
import type { WireClient } from './harness.js';

function toRegex(pattern: string): RegExp {
  return new RegExp('^' + pattern.split('...').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*') + '$');
}

export async function transcript(client: WireClient, script: string): Promise<void> {
  const steps = script
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('C:') || l.startsWith('S:'));
  const seen: string[] = [];
  let pending: string[] = [];
  const flush = (): void => {
    if (pending.length) client.write(pending.join('\r\n') + '\r\n');
    pending = [];
  };
  for (const step of steps) {
    const text = step.slice(3);
    if (step.startsWith('C:')) {
      pending.push(text);
      seen.push('C: ' + text);
      continue;
    }
    flush();
    const got = await client.response(3000).catch((err: Error) => `<${err.message}>`);
    seen.push('S: ' + got);
    expect(got, `transcript mismatch:\n${seen.join('\n')}\nexpected: ${text}`).toMatch(toRegex(text));
  }
  flush();
}
