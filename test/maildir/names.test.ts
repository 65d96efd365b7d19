import { describe, expect, it } from 'vitest';
import { decodeMutf7, dirToFolder, encodeMutf7, folderToDir, validateMailboxParts } from '../../src/maildir/folder-names.js';
import { parseKeywords, formatKeywords } from '../../src/maildir/keywords.js';

describe('folder names on disk', () => {
  it('encodes Dovecot Maildir++ directory names in modified UTF-7', () => {
    expect(folderToDir('INBOX')).toBe('');
    expect(folderToDir('inbox/Sub')).toBe('.INBOX.Sub');
    expect(folderToDir('Projects/Café')).toBe('.Projects.Caf&AOk-');
    expect(folderToDir('R&D')).toBe('.R&-D');
    expect(encodeMutf7('台北')).toBe('&U,BTFw-');
    expect(decodeMutf7('&U,BTFw-')).toBe('台北');
    expect(dirToFolder('.Projects.Caf&AOk-')).toBe('Projects/Café');
    expect(dirToFolder('..everlock-deleted-x')).toBeUndefined();
    expect(dirToFolder('cur')).toBeUndefined();
  });

  it('rejects names that are not folders or could escape', () => {
    for (const bad of ['a.b', '', 'a//b', '/a', 'a/', '~x', 'x\ty']) expect(() => folderToDir(bad)).toThrow();
    expect(() => validateMailboxParts('example.com', '..')).toThrow();
    expect(() => validateMailboxParts('Example.com', 'a')).toThrow();
    expect(() => validateMailboxParts('example.com', 'alice')).not.toThrow();
  });

  it('reads and writes dovecot-keywords', () => {
    const list = parseKeywords('0 $Forwarded\n2 NonJunk\ngarbage\n30 TooFar\n');
    expect(list[0]).toBe('$Forwarded');
    expect(list[2]).toBe('NonJunk');
    expect(list.length).toBe(3);
    expect(formatKeywords(['$Forwarded', 'Junk'])).toBe('0 $Forwarded\n1 Junk\n');
  });
});
