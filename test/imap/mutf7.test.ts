import { describe, expect, it } from 'vitest';
import { decodeMutf7, encodeMutf7 } from '../../src/server/imap/protocol/mutf7.js';

describe('modified UTF-7 (RFC 3501 §5.1.3)', () => {
  const pairs: [string, string][] = [
    ['INBOX', 'INBOX'],
    ['A&B', 'A&-B'],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
    ['Gesendete Objekte', 'Gesendete Objekte'],
    ['😀', '&2D3eAA-'],
  ];
  for (const [plain, wire] of pairs) {
    it(`${plain} <-> ${wire}`, () => {
      expect(encodeMutf7(plain)).toBe(wire);
      expect(decodeMutf7(wire)).toBe(plain);
    });
  }
  it('rejects malformed input', () => {
    for (const bad of ['&', '&Jjo', '&AGE-' /* encodes printable "a" */, 'caf\u00e9', '&!!-']) expect(decodeMutf7(bad)).toBeUndefined();
  });
});
