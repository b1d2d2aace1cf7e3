import { closest, distance } from 'fastest-levenshtein';

/**
 * The candidate the user most likely meant, or undefined when nothing is close enough to be a
 * typo (edit distance up to a third of the word: 1 for short words, at least 2 otherwise) or a prefix of a candidate.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0 || input === '') return undefined;
  const lower = input.toLowerCase();
  const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(lower));
  if (prefixed.length === 1) return prefixed[0];
  const best = closest(
    lower,
    candidates.map((c) => c.toLowerCase()),
  );
  const index = candidates.findIndex((c) => c.toLowerCase() === best);
  // Levenshtein counts a swap ("knid" -> "kind") as 2 edits.
  const limit = input.length <= 3 ? 1 : Math.max(2, Math.floor(input.length / 3));
  return distance(lower, best) <= limit ? candidates[index] : undefined;
}
