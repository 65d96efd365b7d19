// The Prometheus text the metrics registry renders: label order does not depend on the caller, and label
// values are escaped as the exposition format requires (backslash, double quote, newline).
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/server/metrics.js';

describe('metrics text format', () => {
  it('sorts label names, escapes values and sums series with the same labels', () => {
    const m = createMetrics();
    m.describe('t_total', 'counter', 'A test counter.');
    m.inc('t_total', { protocol: 'smtp', command: 'MAIL' });
    m.inc('t_total', { command: 'MAIL', protocol: 'smtp' }, 2);
    m.inc('t_total', { command: 'say "hi"\\\n' });
    m.inc('t_total');
    m.set('g', 7, { a: 'x' });
    expect(m.render().split('\n')).toEqual([
      'g{a="x"} 7',
      '# HELP t_total A test counter.',
      '# TYPE t_total counter',
      't_total{command="MAIL",protocol="smtp"} 3',
      't_total{command="say \\"hi\\"\\\\\\n"} 1',
      't_total 1',
      '',
    ]);
  });
});
