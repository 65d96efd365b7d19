// Match-field globs for rules.toml (SPEC §5): `*` stands for any run of characters (possibly empty), every other
// character is literal, matching is case-insensitive and covers the whole value. A pattern is split at its stars
// once: the first piece must be a prefix, the last a suffix, and the pieces between are found left to right with
// indexOf (leftmost placement is always the best one when the only wildcard is `*`). No RegExp and no
// backtracking, so a hostile pattern cannot make delivery slow.

export type GlobMatcher = (value: string) => boolean;

/** Compiles `pattern` once into a case-insensitive matcher for any value. */
export function compileGlob(pattern: string): GlobMatcher {
  const lower = compileLowerGlob(pattern);
  return (value) => lower(value.toLowerCase());
}

/** The same for values the caller has already lower-cased (evaluation lower-cases each envelope once). */
export function compileLowerGlob(pattern: string): GlobMatcher {
  const parts = pattern.toLowerCase().split('*');
  const first = parts[0] ?? '';
  if (parts.length === 1) return (value) => value === first;
  const last = parts[parts.length - 1] ?? '';
  const middle = parts.slice(1, -1).filter((s) => s.length > 0);
  const minLength = first.length + last.length + middle.reduce((n, s) => n + s.length, 0);
  return (value) => {
    if (value.length < minLength || !value.startsWith(first) || !value.endsWith(last)) return false;
    let pos = first.length;
    const end = value.length - last.length;
    for (const piece of middle) {
      const at = value.indexOf(piece, pos);
      if (at < 0 || at + piece.length > end) return false;
      pos = at + piece.length;
    }
    return true;
  };
}
