// A bench run: per batch size, every distinct config of every set is checked against the CPU
// reference, then timed in rounds (each round times each config once, in an order that rotates
// from round to round), so that the rounds of two configs are pairs taken side by side.
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import type { BatchRecord, EntryRecord, RunRecord } from './bench-record';
import type { ResolvedEntry, ResolvedGemm, ResolvedSet } from './resolve-sets';
import { provenance } from './resolve-sets';
import type { BenchStage } from './traffic';

export interface CheckOutcome {
  ok: boolean;
  summary: string;
}

/** One batch size on the device: its routing drawn, its activations uploaded. */
export interface BenchBatch {
  /** Experts the routing hits at least once. */
  readonly hitExperts: number;
  /** Runs the stage once and checks its output against the float64 reference. */
  check(stage: BenchStage, up: TileConfig | null, down: TileConfig | null): Promise<CheckOutcome>;
  /** The engine's own launch against MoE Kit's binding of it; absent for MoE Kit's kernel. */
  engineCheck?(gemm: 'up' | 'down', config: TileConfig): Promise<CheckOutcome>;
  /** Median µs per launch over `replays` timed CUDA-graph replays. */
  time(stage: BenchStage, up: TileConfig | null, down: TileConfig | null, replays: number): Promise<number>;
  dispose(): void;
}

/** What a bench run needs from a GPU (the native implementation is native-bench.ts; tests use a fake). */
export interface BenchDevice {
  batch(M: number): Promise<BenchBatch>;
}

export interface RunOptions {
  sets: readonly ResolvedSet[];
  ms: readonly number[];
  stages: readonly BenchStage[];
  rounds: number;
  replays: number;
  /** Run the engine self-check of each distinct GEMM config: at every batch size (true), or at these. */
  engineCheck?: boolean | readonly number[];
  /** One line per step, for a progress display. */
  onProgress?: (line: string) => void;
}

function entryRecord(g: ResolvedGemm, e: ResolvedEntry, set: ResolvedSet): EntryRecord {
  return {
    config: e.config,
    tile: e.tile,
    source: e.source,
    file: e.file,
    key: e.key,
    provenance: provenance(g, e, set),
    ignored: e.ignored,
  };
}

/** The configs a stage runs with: up for 'up', down for 'down', both for 'layer'. */
export function stageConfigs(stage: BenchStage, up: TileConfig, down: TileConfig): { up: TileConfig | null; down: TileConfig | null } {
  return { up: stage === 'down' ? null : up, down: stage === 'up' ? null : down };
}

export function runKey(stage: BenchStage, up: TileConfig | null, down: TileConfig | null): string {
  return `${stage}|${up ? tileConfigKey(up) : '-'}|${down ? tileConfigKey(down) : '-'}`;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** Measures every batch size. A config that fails to compile or launch, or gives a wrong result, is recorded and not timed. */
export async function runBench(device: BenchDevice, o: RunOptions): Promise<BatchRecord[]> {
  const say = o.onProgress ?? (() => {});
  const out: BatchRecord[] = [];
  for (const planned of planBatches(o, () => 0)) {
    const { M, runs } = planned;
    const batch = await device.batch(M);
    try {
      // The self-check of a GEMM config holds for every run that launches it: checked once, shared.
      const engineChecked = new Map<string, CheckOutcome>();
      for (const run of runs) {
        say(`M=${M} ${run.stage} ${run.sets.join(', ')}: check`);
        try {
          run.check = await batch.check(run.stage, run.up, run.down);
          const selfCheck = o.engineCheck === true || (Array.isArray(o.engineCheck) && o.engineCheck.includes(M));
          if (selfCheck && batch.engineCheck) {
            const parts: CheckOutcome[] = [];
            for (const [gemm, cfg] of [['up', run.up], ['down', run.down]] as const) {
              if (!cfg) continue;
              const key = `${gemm}|${tileConfigKey(cfg)}`;
              let outcome = engineChecked.get(key);
              if (!outcome) {
                outcome = await batch.engineCheck(gemm, cfg);
                engineChecked.set(key, outcome);
              }
              parts.push(outcome);
            }
            if (parts.length > 0) run.engineCheck = { ok: parts.every((p) => p.ok), summary: parts.map((p) => p.summary).join('; ') };
          }
        } catch (err) {
          run.error = message(err);
        }
      }
      const timed = runs.filter((r) => r.error === null && r.check?.ok !== false && r.engineCheck?.ok !== false);
      for (let round = 0; round < o.rounds; round++) {
        say(`M=${M}: round ${round + 1} of ${o.rounds} (${timed.length} configs)`);
        for (let i = 0; i < timed.length; i++) {
          const run = timed[(i + round) % timed.length]!;
          if (run.error !== null) continue;
          try {
            run.roundsUs.push(await batch.time(run.stage, run.up, run.down, o.replays));
          } catch (err) {
            run.error = message(err);
            run.roundsUs = [];
          }
        }
      }
      out.push({ ...planned, hitExperts: batch.hitExperts, hitSource: 'routing' });
    } finally {
      batch.dispose();
    }
  }
  return out;
}

/** What a dry run prints: the configs of every set at every batch size, with no timing. */
export function planBatches(o: Pick<RunOptions, 'sets' | 'ms' | 'stages'>, hitExperts: (M: number) => number): BatchRecord[] {
  return o.ms.map((M, mi) => {
    const configs: BatchRecord['configs'] = {};
    const runs: RunRecord[] = [];
    const byKey = new Map<string, RunRecord>();
    for (const s of o.sets) {
      const up = s.up.entries[mi]!;
      const down = s.down.entries[mi]!;
      configs[s.label] = { up: entryRecord(s.up, up, s), down: entryRecord(s.down, down, s) };
      for (const stage of o.stages) {
        const c = stageConfigs(stage, up.tile, down.tile);
        const key = runKey(stage, c.up, c.down);
        const existing = byKey.get(key);
        if (existing) existing.sets.push(s.label);
        else {
          const run: RunRecord = { stage, sets: [s.label], ...c, check: null, engineCheck: null, error: null, roundsUs: [] };
          byKey.set(key, run);
          runs.push(run);
        }
      }
    }
    return { M, hitExperts: hitExperts(M), hitSource: 'expected' as const, configs, runs };
  });
}
