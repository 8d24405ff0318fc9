/**
 * "Did you mean" suggestions for misspelled names (config keys, service
 * names), by edit distance.
 */
import { closest, distance } from "fastest-levenshtein";

/**
 * The known name nearest to `value`, or `undefined` when none is close
 * (at most a third of the name's length apart, and at most 3 edits).
 */
export function nearest(value: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(value, [...known]);
  const d = distance(value, best);
  return d <= Math.min(3, Math.ceil(value.length / 3)) ? best : undefined;
}

/** ` (did you mean "x"?)` or the empty string. */
export function didYouMean(value: string, known: readonly string[]): string {
  const n = nearest(value, known);
  return n === undefined ? "" : ` (did you mean "${n}"?)`;
}
