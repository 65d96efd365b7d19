// The `subscriptions` file as Dovecot 2.x writes it: a `V\t2` line, an empty line, then one folder per line
// with the hierarchy separator written as a tab. Version 1 files (one name per line) are read too.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from './layout.js';

export const SUBSCRIPTIONS = 'subscriptions';

export async function readSubscriptions(mailboxDir: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(join(mailboxDir, SUBSCRIPTIONS), 'utf8');
  } catch {
    return new Set();
  }
  const lines = text.split('\n');
  const v2 = lines[0] === 'V\t2';
  const out = new Set<string>();
  for (const line of v2 ? lines.slice(1) : lines) {
    if (line.length === 0) continue;
    out.add(v2 ? line.split('\t').join('/') : line);
  }
  return out;
}

export async function writeSubscriptions(mailboxDir: string, names: ReadonlySet<string>): Promise<void> {
  const body = [...names].sort().map((n) => n.split('/').join('\t') + '\n').join('');
  await atomicWrite(join(mailboxDir, SUBSCRIPTIONS), `V\t2\n\n${body}`);
}
