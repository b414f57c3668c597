/**
 * "Did you mean …?" for unknown names: the closest candidate by edit distance, if it is close
 * enough to be a likely typo (one edit for names of two to four letters, two for longer ones; none
 * for one-letter names).
 */
const MAX_CANDIDATES = 1000;

export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  // Every one-letter name is one edit from every other: no suggestion is better than a guess.
  if (name.length < 2) return undefined;
  const limit = name.length >= 5 ? 2 : 1;
  const unique = [...new Set(candidates)];
  // A scope this large is generated, not typed; a suggestion is not worth the time there.
  if (unique.length > MAX_CANDIDATES) return undefined;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of unique.sort()) {
    if (c === name) continue;
    const d = editDistance(name, c, bestDistance);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `cap`) once it cannot be below `cap`. */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin >= cap) return cap;
    prev = row;
  }
  return Math.min(prev[b.length]!, cap);
}
