// How a measurement is replayed on the GPU: launches per CUDA graph and untimed warm-up replays.
// `engine` is the engines' tuners' protocol (10 launches per graph, 5 warm-up replays), kept for
// ground truth. `fast` (the default) keeps every timed replay near FAST_REPLAY_US of GPU time:
// long kernels get fewer launches per graph (a replay of one 400 µs launch is already a long
// average), and one warm-up replay, since the GPU never idles between a run's measurements.
// The launch count follows from the shape's roofline floor, not from a measurement, so it is the
// same for every config of a (GEMM, batch size) and their times compare on equal terms.
import type { Gemm, WorkerShape } from './measure-protocol';
import { floorUs } from './roofline';

export type ReplayProtocol = 'fast' | 'engine';

export const REPLAY_PROTOCOLS: readonly ReplayProtocol[] = ['fast', 'engine'];

/** GPU time a `fast` timed replay aims at, µs. */
export const FAST_REPLAY_US = 300;

export interface ReplayPlan {
  readonly launchesPerGraph: number;
  readonly warmup: number;
}

export function replayPlan(protocol: ReplayProtocol, shape: WorkerShape, gemm: Gemm, M: number): ReplayPlan {
  if (protocol === 'engine') return { launchesPerGraph: 10, warmup: 5 };
  const launches = Math.ceil(FAST_REPLAY_US / floorUs(shape, gemm, M));
  return { launchesPerGraph: Math.min(10, Math.max(1, launches)), warmup: 1 };
}

/** The protocol in words, for result records (pack-input.json's measuredWith, tune-report.json). */
export function describeReplayProtocol(protocol: ReplayProtocol): string {
  return protocol === 'engine'
    ? "engine: CUDA graphs of 10 launches, 5 warm-up replays (the engines' tuners)"
    : `fast: CUDA graphs of 1-10 launches filling ~${FAST_REPLAY_US} µs (from the shape's roofline floor), 1 warm-up replay`;
}
