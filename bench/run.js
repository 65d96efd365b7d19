#!/usr/bin/env node
// `npm run bench -- <name> [args…]`: compiles src + bench with tsc, then runs bench/<name>.ts.
// Each benchmark writes bench/results/<name>.json and prints a short table.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [name, ...args] = process.argv.slice(2);
// Modules the benchmarks share, not benchmarks themselves.
const helpers = new Set(['report', 'disk-baseline', 'data-dir']);
const available = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((f) => !helpers.has(f));

if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [options]`);
  process.exit(2);
}

try {
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.bench.json'], { cwd: root, stdio: 'inherit' });
} catch {
  // tsc reports type errors but still emits; the benchmark may run anyway.
  if (!existsSync(`${root}.bench-build/bench/${name}.js`)) process.exit(1);
}
const r = spawnSync(process.execPath, ['--expose-gc', `${root}.bench-build/bench/${name}.js`, ...args], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
