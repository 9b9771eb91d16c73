// The numbers of a bench record, per batch size, stage and set: µs, TFLOP/s, GB/s of the bytes
// that must move, the fraction of the roofline, the speedup over the default with its interval,
// and for the whole layer tokens/s. Pure: a saved record gives the same rows anywhere.
import { tileConfigKey } from '@moe/engine-facts';
import type { BenchRecord, RunRecord } from './bench-record';
import { BASELINE_SET } from './config-sets';
import { boundBy, ceilingsFor, floorMicros, rooflineFraction } from './roofline';
import { median, speedupInterval, type SpeedupEstimate, type SpeedupOptions } from './speedup';
import { stageWork, type BenchStage } from './traffic';

export interface BenchRow {
  M: number;
  stage: BenchStage;
  set: string;
  /** The tile config(s) timed: "up" or "down" key, or "up | down" for the layer. */
  config: string;
  /** Where the config came from (up, and down for the layer). */
  provenance: string;
  /** Another set whose config this is (the numbers are that run's), or null. */
  sameConfigAs: string | null;
  /** Why there are no numbers: a failed check, a compile or launch error. */
  failure: string | null;
  check: 'ok' | 'failed' | 'not run';
  engineCheck: 'ok' | 'failed' | 'not run';
  /** Median over the rounds of the per-round median µs per launch. */
  us: number | null;
  minUs: number | null;
  maxUs: number | null;
  flops: number;
  bytes: number;
  intensity: number;
  tflops: number | null;
  gbs: number | null;
  /** Reached over attainable FLOP/s; null without ceilings for this card. */
  rooflineFraction: number | null;
  floorUs: number | null;
  bound: 'memory' | 'compute' | null;
  /** Over the default set's run of the same stage; null for the default itself or without numbers. */
  speedup: SpeedupEstimate | null;
  /** Whole layer only: M / µs. */
  tokensPerSecond: number | null;
}

function describe(run: RunRecord): string {
  const up = run.up ? tileConfigKey(run.up) : null;
  const down = run.down ? tileConfigKey(run.down) : null;
  return up && down ? `${up} | ${down}` : (up ?? down ?? '-');
}

/** The same-config estimate: exactly the default's run, so exactly 1 with no spread. */
function sameAsBaseline(rounds: number): SpeedupEstimate {
  return {
    speedup: 1,
    low: 1,
    high: 1,
    level: 0.95,
    rounds,
    method: 'paired percentile bootstrap of the ratio of medians',
    resampling: 'exact',
    resamples: 0,
    seed: null,
    withinNoise: true,
  };
}

/** Every (batch size, stage, set) row of a record, in record order. */
export function summarize(record: BenchRecord, options: SpeedupOptions = {}): BenchRow[] {
  const rows: BenchRow[] = [];
  const ceilings = ceilingsFor(record.peaks, record.shape.mode);
  const seed = options.seed ?? record.seed;
  for (const b of record.batches) {
    for (const stage of record.stages) {
      const runs = b.runs.filter((r) => r.stage === stage);
      const baseline = runs.find((r) => r.sets.includes(BASELINE_SET)) ?? null;
      const w = stageWork(record.shape, stage, b.M, b.hitExperts);
      for (const set of record.sets) {
        const run = runs.find((r) => r.sets.includes(set.label));
        if (!run) continue;
        const c = b.configs[set.label];
        const prov = !c ? '-' : stage === 'up' ? c.up.provenance : stage === 'down' ? c.down.provenance : c.up.provenance === c.down.provenance ? c.up.provenance : `up: ${c.up.provenance}; down: ${c.down.provenance}`;
        const failure =
          run.error ?? (run.check && !run.check.ok ? `wrong result: ${run.check.summary}` : run.engineCheck && !run.engineCheck.ok ? `engine self-check failed: ${run.engineCheck.summary}` : null);
        const has = failure === null && run.roundsUs.length > 0;
        const us = has ? median(run.roundsUs) : null;
        let speedup: SpeedupEstimate | null = null;
        const baselineOk = baseline && baseline.error === null && baseline.roundsUs.length > 0 && baseline.roundsUs.length === run.roundsUs.length;
        if (has && set.label !== BASELINE_SET && baselineOk) {
          speedup = run === baseline ? sameAsBaseline(run.roundsUs.length) : speedupInterval(baseline.roundsUs, run.roundsUs, { ...options, seed });
        }
        const first = run.sets[0]!;
        rows.push({
          M: b.M,
          stage,
          set: set.label,
          config: describe(run),
          provenance: prov,
          sameConfigAs: first !== set.label ? first : null,
          failure,
          check: run.check === null ? 'not run' : run.check.ok ? 'ok' : 'failed',
          engineCheck: run.engineCheck === null ? 'not run' : run.engineCheck.ok ? 'ok' : 'failed',
          us,
          minUs: has ? Math.min(...run.roundsUs) : null,
          maxUs: has ? Math.max(...run.roundsUs) : null,
          flops: w.flops,
          bytes: w.bytes,
          intensity: w.intensity,
          tflops: us === null ? null : w.flops / (us * 1e-6) / 1e12,
          gbs: us === null ? null : w.bytes / (us * 1e-6) / 1e9,
          rooflineFraction: us === null || !ceilings ? null : rooflineFraction(w, us, ceilings),
          floorUs: ceilings ? floorMicros(w, ceilings) : null,
          bound: ceilings ? boundBy(w, ceilings) : null,
          speedup,
          tokensPerSecond: stage === 'layer' && us !== null ? b.M / (us * 1e-6) : null,
        });
      }
    }
  }
  return rows;
}
