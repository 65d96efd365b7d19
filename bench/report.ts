// Shared output of every benchmark: JSON in bench/results/<name>.json and a short table on stdout.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface BenchRow {
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** The target, e.g. ">= 1500" or "<= 150". */
  readonly target?: string;
}

export function report(name: string, rows: readonly BenchRow[], extra: Record<string, unknown> = {}): void {
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const result = {
    name,
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    memoryBytes: totalmem(),
    rows,
    ...extra,
  };
  writeFileSync(`${dir}${name}.json`, JSON.stringify(result, null, 2) + '\n');
  const width = Math.max(...rows.map((r) => r.metric.length), 6);
  console.log(`\n${name}`);
  console.log(`${'metric'.padEnd(width)}  ${'value'.padStart(12)}  unit      target`);
  for (const r of rows) {
    const v = Number.isInteger(r.value) ? String(r.value) : r.value.toFixed(1);
    console.log(`${r.metric.padEnd(width)}  ${v.padStart(12)}  ${r.unit.padEnd(8)}  ${r.target ?? ''}`);
  }
  console.log(`\nwritten to bench/results/${name}.json`);
}
