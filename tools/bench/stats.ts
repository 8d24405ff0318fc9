/**
 * Summaries of repeated measurements and their formatting. A noisy shared
 * machine makes single figures unreliable, so every measure is run several
 * times and reported as min and median.
 */

/** Min, median and max of a series of measurements. */
export interface Summary {
  readonly runs: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
  /** Every measurement, in the order taken. */
  readonly values: readonly number[];
}

/** Summarize a non-empty series. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error("summarize: no measurements");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { runs: values.length, min: sorted[0], median, max: sorted[sorted.length - 1], values: [...values] };
}

/** Seconds with a precision that suits the magnitude: `0.42 s`, `3.1 s`, `41 s`. */
export function formatSeconds(s: number): string {
  if (s < 1) return `${s.toFixed(2)} s`;
  if (s < 20) return `${s.toFixed(1)} s`;
  return `${s.toFixed(0)} s`;
}

/** `median 3.1 s (min 2.9 s, 5 runs)`. */
export function formatSummary(s: Summary): string {
  return `median ${formatSeconds(s.median)} (min ${formatSeconds(s.min)}, ${s.runs} run${s.runs === 1 ? "" : "s"})`;
}

/** Kibibytes as `412 MB` (binary megabytes, as `ps` and `time -v` count them). */
export function formatKb(kb: number): string {
  return kb >= 1024 * 1024 ? `${(kb / 1024 / 1024).toFixed(2)} GB` : `${Math.round(kb / 1024)} MB`;
}

/** A ratio with two decimals, e.g. `0.12`. */
export function formatRatio(r: number): string {
  return r.toFixed(2);
}

/** `PASS` when `value <= limit`, otherwise `MISS`. */
export function verdict(value: number, limit: number): "PASS" | "MISS" {
  return value <= limit ? "PASS" : "MISS";
}
