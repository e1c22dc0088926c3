/**
 * "Did you mean": the closest known word by edit distance, for unknown commands, flags and values.
 *
 * @example
 * ```ts
 * closest("dryrun", ["dry-run", "force", "out"]); // "dry-run"
 * closest("zzz", ["dry-run"]);                     // undefined: nothing is close enough to be a typo
 * ```
 */

/** Damerau-Levenshtein distance (optimal string alignment): a swapped pair of letters counts as one typo. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number) => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate closest to `word`, if it is close enough to be a typo: at most a third of the word's length (at
 * least 1, at most 3) edits away. Separators are ignored first, so `dryrun` finds `dry-run` and `dryRun` too; a
 * word of 3+ letters that starts exactly one candidate (`infer` ▶ `infer-schema`) finds it.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
  const list = [...candidates];
  const bare = word.replace(/^-+/, "");
  const prefixed = list.filter((c) => c.replace(/^-+/, "").startsWith(bare));
  if (bare.length >= 3 && prefixed.length === 1) return prefixed[0];
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of list) {
    const distance = squash(word) === squash(candidate) ? 0 : editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}
