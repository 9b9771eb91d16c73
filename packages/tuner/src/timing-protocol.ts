/**
 * How one measurement is taken on the GPU, for the simulated wall time: a CUDA graph of
 * `launchesPerReplay` kernel launches, `warmupLaunches` launches before the timed replays
 * (one eager run and three warm-up replays in the recorded tables), then one replay per repeat.
 */
export interface TimingProtocol {
  launchesPerReplay: number;
  warmupLaunches: number;
}

/** The protocol of the recorded tables: graph of 10 launches, 1 eager run + 3 warm-up replays. */
export const TABLE_TIMING: TimingProtocol = { launchesPerReplay: 10, warmupLaunches: 1 + 3 * 10 };

/** Kernel launches one measurement of `repeats` replays takes. */
export function launchesFor(repeats: number, timing: TimingProtocol = TABLE_TIMING): number {
  return timing.warmupLaunches + repeats * timing.launchesPerReplay;
}
