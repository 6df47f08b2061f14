/**
 * "Did you mean …?" for misspelt keys, ids, commands and options: the closest candidate by edit distance
 * (case-insensitive, transpositions count once), or one the word is a prefix of.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  return suggestions(word, candidates)[0];
}

/**
 * The candidates `word` most likely stands for, best first: those it is the start of (`h100` →
 * `h100-pcie`, `h100-sxm`; `ttft` → `ttftMs`), else the nearest by edit distance, else those sharing its
 * first dash-separated part (`prefix-aware` → `prefix-affinity`).
 */
export function suggestions(word: string, candidates: readonly string[]): string[] {
  const w = word.toLowerCase();
  if (w === '' || candidates.includes(word)) return [];
  if (w.length >= 3) {
    const starts = candidates.filter((c) => c.toLowerCase().startsWith(w));
    if (starts.length > 0 && starts.length <= 4) return starts;
  }
  let best: string[] = [];
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = [c];
    } else if (d === bestD) best.push(c);
  }
  if (best.length > 0 && best.length <= 3 && bestD <= Math.max(1, Math.floor(w.length / 3))) return best;
  // A key with an extra suffix (`replicasCount` for `replicas`).
  const inner = candidates.filter((c) => c.length >= 4 && w.startsWith(c.toLowerCase()));
  if (inner.length > 0) return inner.slice(0, 3);
  const head = w.split(/[-_.]/)[0];
  if (head.length >= 3 && head !== w) {
    const same = candidates.filter((c) => c.toLowerCase().split(/[-_.]/)[0] === head);
    if (same.length > 0 && same.length <= 3) return same;
  }
  return [];
}

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n];
}

/** `did you mean "x" or "y"? ` (with a trailing space), or `''` when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = suggestions(word, candidates);
  return c.length === 0 ? '' : `did you mean ${c.map((x) => `"${x}"`).join(' or ')}? `;
}
