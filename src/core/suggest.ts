/** "Did you mean": the closest known names by edit distance, for mistyped commands, flags and providers. */

export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/** Known names within a third of the typed length (at least 2 edits), closest first. */
export function closest(typed: string, known: readonly string[], max = 3): string[] {
  const word = typed.toLowerCase();
  const limit = Math.max(2, Math.floor(word.length / 3));
  return known
    .map((name) => ({ name, d: editDistance(word, name.toLowerCase()) }))
    .filter((c) => c.d <= limit)
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((c) => c.name);
}
