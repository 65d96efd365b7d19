// The change feed sees what another process does within a second: with file notifications, and with the
// polling fallback alone (watch: 'poll', as on NFS). The writer is a separate process using the built store.
import { describe, expect, it } from 'vitest';
import { openMailStore } from '../../src/maildir/index.js';
import type { FolderChange } from '../../src/maildir/types.js';
import { tempDir } from '../support/tmp.js';
import { requireBuiltStore, runFixture } from './child.js';

const alice = { domain: 'example.com', local: 'alice' };

describe('change feed across processes', () => {
  it('delivers added, flags, expunged and folder events within one second, watching or polling', async () => {
    requireBuiltStore();
    const root = await tempDir('everlock-feed-');
    const seen: Record<string, Array<{ step: string; uid: number; at: number }>> = { watch: [], poll: [] };
    const stores = { watch: openMailStore({ root, watch: true }), poll: openMailStore({ root, watch: 'poll', pollMs: 500 }) };
    const stops: Array<() => void> = [];
    for (const [kind, store] of Object.entries(stores)) {
      const mb = await store.mailbox(alice);
      const f = await mb.openFolder('INBOX');
      const log = seen[kind] as Array<{ step: string; uid: number; at: number }>;
      stops.push(
        f.subscribe((c: FolderChange) => {
          const at = Date.now();
          if (c.type === 'expunged') for (const uid of c.uids) log.push({ step: 'expunged', uid, at });
          else for (const m of c.messages) log.push({ step: c.type, uid: m.uid, at });
        }),
      );
      stops.push(mb.onFoldersChanged(() => log.push({ step: 'folders', uid: 0, at: Date.now() })));
      stops.push(() => f.release());
    }
    const writer = await runFixture('feed-writer.mjs', [root]);
    expect(writer.exitCode, String(writer.stderr)).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    const steps = String(writer.stdout)
      .trim()
      .split('\n')
      .map((l) => {
        const [step, uid, at] = l.split(' ');
        return { step: step as string, uid: Number(uid), at: Number(at) };
      });
    expect(steps.map((s) => s.step)).toEqual(['added', 'flags', 'expunged', 'folders']);
    for (const kind of ['watch', 'poll']) {
      for (const s of steps) {
        // A subscriber may see a change a moment before the writer's call returns: that counts as on time.
        const hit = seen[kind]?.find((e) => e.step === s.step && e.uid === s.uid);
        expect(hit, `${kind}: ${s.step} ${s.uid} not seen`).toBeDefined();
        expect((hit?.at ?? Infinity) - s.at, `${kind}: ${s.step} latency`).toBeLessThan(1000);
      }
    }
    for (const stop of stops) stop();
    await Promise.all(Object.values(stores).map((s) => s.close()));
  }, 30_000);
});
