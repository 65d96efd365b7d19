// Folder names as rules.toml (and `everlock deliver --folder`) name them. The special folders are matched
// case-insensitively so Everlock's lower-case names (`sent`, `junk`, …) land in the folders IMAP clients know;
// every other name is kept as written. `/` separates levels (the IMAP hierarchy separator); a `.` inside a
// name is refused as Dovecot's Maildir++ layout does, since `.` is the separator on disk.

const SPECIAL: ReadonlyMap<string, string> = new Map([
  ['inbox', 'INBOX'],
  ['sent', 'Sent'],
  ['drafts', 'Drafts'],
  ['trash', 'Trash'],
  ['junk', 'Junk'],
  ['archive', 'Archive'],
]);

/** Why `name` cannot be a folder, or undefined when it can. */
export function folderProblem(name: string): string | undefined {
  if (name.length === 0) return 'folder name is empty';
  if (name.length > 255) return 'folder name is longer than 255 characters';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'folder name contains a control character';
  if (name.includes('.')) return `folder name "${name}" contains "." (not allowed in Maildir++ folder names)`;
  for (const part of name.split('/')) {
    if (part.length === 0) return `folder name "${name}" has an empty level (leading, trailing or doubled "/")`;
    if (part.trim() !== part) return `folder name "${name}" has a level starting or ending with a space`;
    if (/[*%]/.test(part)) return `folder name "${name}" contains an IMAP wildcard (* or %)`;
  }
  return undefined;
}

/** The canonical spelling: `inbox` -> `INBOX`, `sent` -> `Sent`, …; other names unchanged. */
export function canonicalFolder(name: string): string {
  const slash = name.indexOf('/');
  const top = slash < 0 ? name : name.slice(0, slash);
  const special = SPECIAL.get(top.toLowerCase());
  if (!special) return name;
  return slash < 0 ? special : special + name.slice(slash);
}
