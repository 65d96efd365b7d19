import { describe, expect, it } from 'vitest';
import { baseOf, curName, flagsToInfo, infoToFlags, isMessageName, parseName, sizeField, uniqueBase, withSizes } from '../../src/maildir/filename.js';

describe('maildir file names', () => {
  it('makes unique Dovecot-style names with S= and W=', () => {
    const a = uniqueBase(1_700_000_000_123);
    const b = uniqueBase(1_700_000_000_123);
    expect(a).toMatch(/^1700000000\.M\d+P\d+Q\d+\.[^/:]+$/);
    expect(a).not.toBe(b);
    const base = withSizes(a, 10, 12);
    expect(sizeField(base, 'S')).toBe(10);
    expect(sizeField(base, 'W')).toBe(12);
    expect(parseName(curName(base, 'RS'))).toEqual({ base, info: 'RS', size: 10, crlfSize: 12 });
  });

  it('parses Dovecot and Courier names, with or without sizes and info', () => {
    expect(parseName('1275660208.M479297P21658.host,S=2244,W=2300:2,FSa')).toEqual({ base: '1275660208.M479297P21658.host,S=2244,W=2300', info: 'FSa', size: 2244, crlfSize: 2300 });
    expect(parseName('1275660208.M479297P21658.host')).toEqual({ base: '1275660208.M479297P21658.host', info: '', size: undefined, crlfSize: undefined });
    expect(parseName('x:1,experimental').info).toBe('');
    expect(sizeField('x,S=12abc', 'S')).toBeUndefined();
    expect(baseOf('a,S=1:2,S')).toBe('a,S=1');
  });

  it('maps DFRST and keyword letters to IMAP flags and back, keeping letters it does not manage', () => {
    const kws = ['$Forwarded', 'NonJunk'];
    expect(infoToFlags('DFPRSTab', kws)).toEqual(['\\Draft', '\\Flagged', '\\Answered', '\\Seen', '\\Deleted', '$Forwarded', 'NonJunk']);
    expect(infoToFlags('z', kws)).toEqual([]); // unknown keyword letter: ignored, not invented
    const idx = (k: string) => kws.indexOf(k);
    expect(flagsToInfo(['\\Seen', 'NonJunk', '\\answered'], idx, 'PS')).toBe('PRSb');
    expect(flagsToInfo([], idx, 'PSa')).toBe('P');
  });

  it('treats dot files and names with CR, LF or / as non-messages', () => {
    expect(isMessageName('.nfs0001')).toBe(false);
    expect(isMessageName('a\nb')).toBe(false);
    expect(isMessageName('1.M2P3.host,S=1:2,')).toBe(true);
  });
});
