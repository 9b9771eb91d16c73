// Choosing with the noise in view: a config's time is the median of all its timed replays, and
// its spread the standard error of that median (from the median absolute deviation, so that a
// few disturbed replays do not widen it). One time is taken to beat another only when the
// difference exceeds `Z` combined standard errors.

/** Combined standard errors a difference must exceed to count (about 95% one-sided at 2). */
export const Z = 2;

export interface Estimate {
  /** Median µs over every replay. */
  median: number;
  /** Standard error of the median, µs. */
  se: number;
  /** Replays behind it. */
  n: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The median of the samples and its standard error: 1.2533 x sigma / sqrt(n), sigma estimated as
 * 1.4826 x the median absolute deviation (both exact for normal noise). One sample has no spread
 * of its own: its error is taken as 1% of it.
 */
export function estimateOf(samples: readonly number[]): Estimate {
  const m = median(samples);
  const n = samples.length;
  if (n < 2) return { median: m, se: 0.01 * m, n };
  const mad = median(samples.map((x) => Math.abs(x - m)));
  return { median: m, se: (1.2533 * 1.4826 * mad) / Math.sqrt(n), n };
}

/** The estimate of a sum of independent times (up + down). */
export function sumOf(...parts: readonly Estimate[]): Estimate {
  return {
    median: parts.reduce((s, p) => s + p.median, 0),
    se: Math.sqrt(parts.reduce((s, p) => s + p.se * p.se, 0)),
    n: Math.min(...parts.map((p) => p.n)),
  };
}

/** Whether `a` is faster than `b` beyond their measured spread. */
export function fasterBeyondSpread(a: Estimate, b: Estimate, z = Z): boolean {
  return b.median - a.median > z * Math.sqrt(a.se * a.se + b.se * b.se);
}
