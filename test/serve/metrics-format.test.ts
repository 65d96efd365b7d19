// The Prometheus text the metrics registry renders: label order does not depend on the caller, and label
// values are escaped as the exposition format requires (backslash, double quote, newline).
import { describe, expect, it } from 'vitest';
import { commandCounter, createMetrics } from '../../src/server/metrics.js';

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

  it('counts into the same series through a counter handle and counts SMTP verbs, unknown ones as "unknown"', () => {
    const m = createMetrics();
    const mail = m.counter('t_total', { protocol: 'smtp', command: 'MAIL' });
    mail();
    m.inc('t_total', { command: 'MAIL', protocol: 'smtp' });
    mail(3);
    const count = commandCounter(m, 'submission');
    for (const verb of ['EHLO', 'MAIL', 'MAIL', 'FOO', 'BAR']) count(verb);
    expect(m.render().split('\n')).toEqual([
      'everlock_smtp_commands_total{command="EHLO",protocol="submission"} 1',
      'everlock_smtp_commands_total{command="MAIL",protocol="submission"} 2',
      'everlock_smtp_commands_total{command="unknown",protocol="submission"} 2',
      't_total{command="MAIL",protocol="smtp"} 5',
      '',
    ]);
  });
});
