/** Timing of one launch sequence by CUDA-graph replay. */
export interface Timing {
  /** Median microseconds per launch (replay time / launches in the graph). */
  readonly medianUs: number;
  readonly minUs: number;
  readonly maxUs: number;
  /** Per-launch microseconds of each timed replay, in order. */
  readonly samplesUs: readonly number[];
  readonly launchesPerGraph: number;
  readonly warmup: number;
  readonly repeats: number;
  readonly l2Flush: boolean;
  /** Input sets the graph rotates through (1 when one set does not fit in L2). */
  readonly inputSets: number;
  /**
   * Host milliseconds of each phase of the measurement (layer runner timings only): compile and
   * load (prepare), buffers and alignment (setup), the eager pass and its synchronisation, the
   * graph capture and instantiation, the warm-up and timed replays.
   */
  readonly hostMs?: { readonly prepare: number; readonly setup: number; readonly eager: number; readonly capture: number; readonly replay: number };
}

export interface TimingOptions {
  /** Launches captured in one graph (engines' tuners use 10). Default 10. */
  readonly launchesPerGraph?: number;
  /** Untimed replays. Default 5. */
  readonly warmup?: number;
  /** Timed replays; the median is reported. Default 20. */
  readonly repeats?: number;
  /** Overwrite a buffer twice the L2 size between replays (outside the timed region). Default false. */
  readonly l2Flush?: boolean;
  /** Rotate through several input sets when one set fits in L2. Default true. */
  readonly rotateInputs?: boolean;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * How many input sets to rotate through so that consecutive launches do not find their inputs
 * in L2: 1 when one set is at least the L2 size, else enough sets to cover twice L2, at most
 * `maxSets`, and within `memoryBudget` bytes of replicas.
 */
export function inputSetCount(setBytes: number, l2Bytes: number, memoryBudget: number, maxSets = 8): number {
  if (setBytes <= 0 || setBytes >= l2Bytes) return 1;
  const want = Math.min(maxSets, Math.ceil((2 * l2Bytes) / setBytes) + 1);
  const affordable = Math.max(1, Math.floor(memoryBudget / setBytes));
  return Math.max(1, Math.min(want, affordable));
}

export function summarize(
  replayUs: readonly number[],
  o: Required<Pick<TimingOptions, 'launchesPerGraph' | 'warmup' | 'repeats' | 'l2Flush'>>,
  inputSets: number,
): Timing {
  const per = replayUs.map((t) => t / o.launchesPerGraph);
  return {
    medianUs: median(per),
    minUs: Math.min(...per),
    maxUs: Math.max(...per),
    samplesUs: per,
    launchesPerGraph: o.launchesPerGraph,
    warmup: o.warmup,
    repeats: o.repeats,
    l2Flush: o.l2Flush,
    inputSets,
  };
}
