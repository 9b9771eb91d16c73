// The speedup of a config over the baseline (the engine's default) and its 95% confidence
// interval, from the rounds of a bench run. Each round times every config once, one after the
// other, so round i of the baseline and round i of a candidate share the card's state (clocks,
// temperature, neighbours): the rounds are pairs. The interval is a paired percentile bootstrap
// of the ratio of medians: draw n round indices with replacement, take median(baseline at those
// rounds) / median(candidate at those rounds), and read the 2.5% and 97.5% points of that
// distribution (the inverse of its empirical distribution function). With n^n <= `exactLimit`
// resamples the distribution is enumerated exactly (every ordered draw once); above that it is
// sampled `resamples` times from a seeded generator, so a record's interval can be recomputed.
// A difference is "within noise" when the interval holds 1.
import { createRng } from '@moe/native';
import { BenchOptionError } from './errors/bench-option-error';

export interface SpeedupOptions {
  /** Seed of the resampling when it is sampled. Default 0. */
  seed?: number;
  /** Resamples when sampled. Default 4000. */
  resamples?: number;
  /** Enumerate exactly while n^n is at most this. Default 50,000 (n <= 6). */
  exactLimit?: number;
  /** Default 0.95. */
  level?: number;
}

export interface SpeedupEstimate {
  /** median(baseline) / median(candidate): above 1 the candidate is faster. */
  speedup: number;
  low: number;
  high: number;
  level: number;
  rounds: number;
  method: 'paired percentile bootstrap of the ratio of medians';
  /** 'exact': every one of the n^n resamples; 'sampled': `resamples` seeded draws. */
  resampling: 'exact' | 'sampled';
  resamples: number;
  seed: number | null;
  /** The interval holds 1: the difference is inside the noise of the repeats. */
  withinNoise: boolean;
}

export const SPEEDUP_METHOD = 'paired percentile bootstrap of the ratio of medians' as const;

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The smallest value v of `sorted` with (index of v + 1) / length >= p. */
function quantile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length - 1e-9) - 1));
  return sorted[i]!;
}

function check(name: string, xs: readonly number[]): void {
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x) || x <= 0)) {
    throw new BenchOptionError(`\`${name}\`: the per-round times must be positive numbers, one per round (got ${JSON.stringify(xs.slice(0, 5))}${xs.length > 5 ? ', ...' : ''}); time every config once per round`);
  }
}

/** Speedup of `candidate` over `baseline` (per-round µs, paired by round) with its bootstrap interval. */
export function speedupInterval(baseline: readonly number[], candidate: readonly number[], options: SpeedupOptions = {}): SpeedupEstimate {
  check('baseline', baseline);
  check('candidate', candidate);
  if (baseline.length !== candidate.length) {
    throw new BenchOptionError(`\`candidate\` has ${candidate.length} rounds and \`baseline\` ${baseline.length}: the rounds are paired; time both in every round`);
  }
  const level = options.level ?? 0.95;
  const n = baseline.length;
  const exactLimit = options.exactLimit ?? 50_000;
  const ratios: number[] = [];
  const b = new Array<number>(n);
  const c = new Array<number>(n);
  const ratioAt = (idx: readonly number[]) => {
    for (let j = 0; j < n; j++) {
      b[j] = baseline[idx[j]!]!;
      c[j] = candidate[idx[j]!]!;
    }
    return median(b) / median(c);
  };
  let resampling: 'exact' | 'sampled';
  let seed: number | null = null;
  if (n ** n <= exactLimit) {
    resampling = 'exact';
    const idx = new Array<number>(n).fill(0);
    for (;;) {
      ratios.push(ratioAt(idx));
      let k = n - 1;
      while (k >= 0 && idx[k] === n - 1) idx[k--] = 0;
      if (k < 0) break;
      idx[k]! += 1;
    }
  } else {
    resampling = 'sampled';
    seed = options.seed ?? 0;
    const rng = createRng(seed);
    const draws = options.resamples ?? 4000;
    const idx = new Array<number>(n);
    for (let r = 0; r < draws; r++) {
      for (let j = 0; j < n; j++) idx[j] = rng.int(n);
      ratios.push(ratioAt(idx));
    }
  }
  ratios.sort((x, y) => x - y);
  const tail = (1 - level) / 2;
  const low = quantile(ratios, tail);
  const high = quantile(ratios, 1 - tail);
  return {
    speedup: median(baseline) / median(candidate),
    low,
    high,
    level,
    rounds: n,
    method: SPEEDUP_METHOD,
    resampling,
    resamples: ratios.length,
    seed,
    withinNoise: low <= 1 && high >= 1,
  };
}
