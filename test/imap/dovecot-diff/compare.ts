// Compares a Dovecot transcript with an everlock one, command by command: both are put in canonical form
// (canonical.ts), cut into blocks (a client line and what the server sent until the next one), and a block
// that differs is checked against the differences kept on purpose (kept.ts). What is left is reported.
import { canonicalTranscript } from './canonical.js';
import { KEPT, type Block, type Pair } from './kept.js';
import { lineDiff } from './line-diff.js';

function blocks(lines: readonly string[]): Block[] {
  const out: Block[] = [{ command: '', lines: [] }];
  for (const l of lines) {
    if (/^(?:@\d+ )?C: /.test(l)) out.push({ command: l, lines: [] });
    else out[out.length - 1]!.lines.push(l);
  }
  return out;
}

export interface Comparison {
  /** '' when nothing differs beyond the kept differences. */
  readonly delta: string;
  /** The whole annotated transcript, for the report. */
  readonly report: string;
}

export function compareTranscripts(scenario: string, dovecot: readonly string[], everlock: readonly string[]): Comparison {
  const d = blocks(canonicalTranscript(dovecot));
  const e = blocks(canonicalTranscript(everlock));
  const report: string[] = [];
  const delta: string[] = [];
  for (let k = 0; k < Math.max(d.length, e.length); k++) {
    const db = d[k] ?? { command: '<missing>', lines: [] };
    const eb = e[k] ?? { command: '<missing>', lines: [] };
    if (db.command !== eb.command) {
      delta.push(`! commands out of step: ${db.command} / ${eb.command}`);
      report.push(delta[delta.length - 1]!);
      break;
    }
    if (db.command) report.push('  ' + db.command);
    const raw = lineDiff(db.lines, eb.lines);
    if (!raw.differs) {
      report.push(...raw.lines);
      continue;
    }
    const used: string[] = [];
    let pair: Pair = { dovecot: db.lines, everlock: eb.lines };
    for (const rule of KEPT) {
      const next = rule.apply({ scenario, command: db.command, index: k, ...pair, dovecotBlocks: d, everlockBlocks: e });
      if (next) {
        used.push(rule.id);
        pair = next;
      }
    }
    if (used.length > 0 && !lineDiff(pair.dovecot, pair.everlock).differs) {
      report.push(...raw.lines.map((l) => (l.startsWith('  ') ? l : `~${l}`)), `  (kept: ${used.join(', ')})`);
    } else {
      // What is left once the kept differences are taken out is what to look at.
      const left = used.length > 0 ? ['  (left after kept: ' + used.join(', ') + ')', ...lineDiff(pair.dovecot, pair.everlock).lines] : [];
      report.push(...raw.lines, ...left);
      delta.push('  ' + db.command, ...raw.lines, ...left);
    }
  }
  return { delta: delta.join('\n'), report: report.join('\n') };
}
