// The terminal log format keeps one event per line whatever a client sends (HELO names, addresses, mailbox
// names end up in fields); the JSON format escapes by construction.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';

describe('log lines', () => {
  it('escape line breaks and other control characters in the terminal format', () => {
    const lines: string[] = [];
    const log = createLogger({ json: false, write: (l) => lines.push(l), clock: () => new Date(0) });
    log.info('client said\r\nhello', { helo: 'evil\r\n1970-01-01T00:00:00.000Z INFO  forged', tab: 'a\tb', esc: '\x1b[31mred' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\r\n\x1b]/);
    expect(lines[0]).toBe('1970-01-01T00:00:00.000Z INFO  client said\\r\\nhello helo=evil\\r\\n1970-01-01T00:00:00.000Z INFO  forged tab=a\\tb esc=\\x1b[31mred');
  });

  it('leave ordinary text alone, and JSON lines stay JSON', () => {
    const lines: string[] = [];
    const log = createLogger({ json: true, write: (l) => lines.push(l), clock: () => new Date(0) });
    log.warn('line\nbreak', { who: 'ok' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'line\nbreak', who: 'ok' });
    const plain: string[] = [];
    createLogger({ json: false, write: (l) => plain.push(l), clock: () => new Date(0) }).info('café ok', { user: 'José' });
    expect(plain[0]).toBe('1970-01-01T00:00:00.000Z INFO  café ok user=José');
  });
});
