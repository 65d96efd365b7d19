// Match-field globs for rules.toml (SPEC §5): `*` stands for any run of characters (possibly empty), every other
// character is literal, matching is case-insensitive and covers the whole value. The matcher is a linear
// two-pointer walk with one backtrack point, not a RegExp, so a hostile pattern cannot make delivery slow.

export type GlobMatcher = (value: string) => boolean;

/** Compiles `pattern` once; the returned function is what evaluation calls per recipient. */
export function compileGlob(pattern: string): GlobMatcher {
  const p = pattern.toLowerCase();
  if (!p.includes('*')) return (value) => value.toLowerCase() === p;
  return (value) => globMatch(p, value.toLowerCase());
}

/** `pattern` and `value` must already be lower-cased. */
function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1; // position in pattern just after the last `*` seen
  let mark = 0; // position in value where that `*` started matching
  while (v < value.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = ++p;
      mark = v;
    } else if (p < pattern.length && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (star >= 0) {
      p = star;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
