// The Dovecot transcript comparison (test/imap/dovecot-diff) itself, without Dovecot: order the RFCs leave open is ignored, anything else
// is reported, and a kept difference is forgiven only where its rule says.
import { describe, expect, it } from 'vitest';
import { compareTranscripts } from './dovecot-diff/compare.js';

const LIST_STATUS = ['C: a LIST "" % RETURN (STATUS (MESSAGES))'];

describe('transcript comparison', () => {
  it('ignores the order of LIST responses (each STATUS staying with its LIST), FETCH items and flags', () => {
    const dovecot = [...LIST_STATUS, 'S: * LIST () "/" Sent', 'S: * STATUS Sent (MESSAGES 2)', 'S: * LIST () "/" INBOX', 'S: * STATUS INBOX (MESSAGES 1)', 'S: a OK done', 'C: b FETCH 1 (UID FLAGS)', 'S: * 1 FETCH (FLAGS (\\Seen \\Deleted) UID 4)', 'S: b OK done'];
    const everlock = [...LIST_STATUS, 'S: * LIST () "/" INBOX', 'S: * STATUS INBOX (MESSAGES 1)', 'S: * LIST () "/" Sent', 'S: * STATUS Sent (MESSAGES 2)', 'S: a OK LIST completed', 'C: b FETCH 1 (UID FLAGS)', 'S: * 1 FETCH (UID 4 FLAGS (\\Deleted \\Seen))', 'S: b OK FETCH completed'];
    expect(compareTranscripts('x', dovecot, everlock).delta).toBe('');
  });

  it('reports a STATUS that moved to another mailbox, an attribute, a count and a response code', () => {
    const base = (status: string, attrs: string, exists: string, code: string): string[] => [
      ...LIST_STATUS,
      `S: * LIST (${attrs}) "/" INBOX`,
      'S: * LIST () "/" Sent',
      status,
      'S: a OK done',
      'C: b SELECT INBOX',
      `S: * ${exists} EXISTS`,
      `S: b OK [${code}] done`,
    ];
    const dovecot = base('S: * STATUS Sent (MESSAGES 2)', '\\HasNoChildren', '3', 'READ-WRITE');
    expect(compareTranscripts('x', dovecot, dovecot).delta).toBe('');
    expect(compareTranscripts('x', dovecot, base('S: * STATUS INBOX (MESSAGES 2)', '\\HasNoChildren', '3', 'READ-WRITE')).delta).not.toBe('');
    expect(compareTranscripts('x', dovecot, base('S: * STATUS Sent (MESSAGES 2)', '\\HasChildren', '3', 'READ-WRITE')).delta).toContain('\\HasChildren');
    expect(compareTranscripts('x', dovecot, base('S: * STATUS Sent (MESSAGES 2)', '\\HasNoChildren', '4', 'READ-WRITE')).delta).toContain('4 EXISTS');
    expect(compareTranscripts('x', dovecot, base('S: * STATUS Sent (MESSAGES 2)', '\\HasNoChildren', '3', 'READ-ONLY')).delta).toContain('READ-ONLY');
  });

  it('forgives a kept difference only for the command it names', () => {
    const run = (cmd: string): string => compareTranscripts('x', [`C: ${cmd}`, 'S: * SEARCH', 'S: c OK done'], [`C: ${cmd}`, 'S: * SEARCH 3', 'S: c OK done']).delta;
    expect(run('c SEARCH 5:*')).toBe('');
    expect(run('c SEARCH 4:*')).not.toBe('');
  });

  it('forgives which of two sessions got \\Recent for a message appended during IDLE only in that scenario', () => {
    const run = (scenario: string): string =>
      compareTranscripts(
        scenario,
        ['C: d IDLE', 'S: + idling', '@2 C: e APPEND INBOX {3+}\\r\\nx\\r\\n', '@2 S: * 4 EXISTS', '@2 S: * 1 RECENT', '@2 S: e OK [APPENDUID 9 4] done', 'S: * 4 EXISTS', 'S: * 3 RECENT'],
        ['C: d IDLE', 'S: + idling', '@2 C: e APPEND INBOX {3+}\\r\\nx\\r\\n', '@2 S: * 4 EXISTS', '@2 S: * 0 RECENT', '@2 S: e OK [APPENDUID 9 4] done', 'S: * 4 EXISTS', 'S: * 4 RECENT'],
      ).delta;
    expect(run('idle push')).toBe('');
    expect(run('two sessions')).not.toBe('');
  });

  it('hides an INTERNALDATE taken from the clock (within minutes of now), not a date the scenario gave', () => {
    const imapDate = (t: number): string => {
      const d = new Date(t);
      const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
      const two = (n: number): string => String(n).padStart(2, '0');
      return `${two(d.getUTCDate())}-${mon}-${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
    };
    const run = (a: number, b: number): string =>
      compareTranscripts('x', ['C: j FETCH 1 (INTERNALDATE)', `S: * 1 FETCH (INTERNALDATE "${imapDate(a)}")`, 'S: j OK done'], ['C: j FETCH 1 (INTERNALDATE)', `S: * 1 FETCH (INTERNALDATE "${imapDate(b)}")`, 'S: j OK done']).delta;
    const now = Date.now();
    expect(run(now, now + 1000)).toBe('');
    expect(run(Date.UTC(2026, 0, 2, 19, 32, 3), Date.UTC(2026, 0, 2, 19, 32, 4))).not.toBe('');
  });
});
