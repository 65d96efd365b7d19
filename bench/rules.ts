// `npm run bench -- rules [rules] [evaluations]`: the rules engine on its own. Parses a rules.toml of `rules`
// rules (default 200: globs on sender and receiver, a header field on every fourth), then evaluates
// `evaluations` recipients (default 200,000), a third of which match no rule and so scan every rule. Reports
// parse time and the cost of one per-recipient decision.
import { parseRules } from '../src/rules/parse.js';
import { evaluateRules } from '../src/rules/evaluate.js';
import type { RuleInput } from '../src/rules/types.js';
import { report } from './report.js';

const count = Number(process.argv[2] ?? 200);
const evaluations = Number(process.argv[3] ?? 200_000);

const text = Array.from({ length: count }, (_, i) =>
  [
    '[[rule]]',
    `id = "rule-${i}"`,
    `priority = ${i % 20}`,
    `sender = "*@shop${i}.example"`,
    `receiver = "user${i % 50}@*"`,
    i % 4 === 0 ? `subject_contains = "Invoice ${i}"` : `local_part = "user${i % 50}"`,
    `action = { type = "store", folder = "Folder${i}" }`,
    '',
  ].join('\n'),
).join('\n');

let t = performance.now();
const { rules, issues } = parseRules(text, 'rules.toml');
const parseMs = performance.now() - t;
if (issues.length > 0 || rules.length !== count) throw new Error(`parse failed: ${issues.length} issues`);

const inputs: RuleInput[] = Array.from({ length: 1000 }, (_, i) => ({
  direction: 'inbound',
  sender: `orders@shop${i % (count * 1.5)}.example`,
  receiver: `user${i % 50}@example.com`,
  subject: `Invoice ${i % count}`,
}));
let matched = 0;
t = performance.now();
for (let i = 0; i < evaluations; i++) if (evaluateRules(rules, inputs[i % inputs.length] as RuleInput).rule) matched++;
const evalMs = performance.now() - t;

report(
  'rules',
  [
    { metric: `parse ${count} rules`, value: parseMs, unit: 'ms' },
    { metric: 'decision per recipient', value: (evalMs * 1000) / evaluations, unit: 'µs' },
    { metric: 'decisions per second', value: Math.round(evaluations / (evalMs / 1000)), unit: '1/s' },
  ],
  { rules: count, evaluations, matched },
);
