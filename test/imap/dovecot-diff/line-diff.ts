// Line diff by longest common subsequence, for the transcript comparison.

/** `  `/`- `/`+ ` lines (`-` only in a, `+` only in b), and the indices of the lines only one side has. */
export function lineDiff(a: readonly string[], b: readonly string[]): { lines: string[]; differs: boolean; onlyA: number[]; onlyB: number[] } {
  const n = a.length;
  const m = b.length;
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const lines: string[] = [];
  const onlyA: number[] = [];
  const onlyB: number[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      lines.push('  ' + a[i++]);
      j++;
    } else if (j < m && (i >= n || dp[i]![j + 1]! >= dp[i + 1]![j]!)) {
      onlyB.push(j);
      lines.push('+ ' + b[j++]);
    } else {
      onlyA.push(i);
      lines.push('- ' + a[i++]);
    }
  }
  return { lines, differs: onlyA.length + onlyB.length > 0, onlyA, onlyB };
}
