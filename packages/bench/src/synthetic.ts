// Made-up bench records, to test and show the report without a GPU. Every record made here says
// so in its `synthetic` field, which every page, table and plot prints first. The numbers come
// from a seeded model of a card (the floor the H200's documented ceilings allow, times an
// efficiency that falls with row padding and small tiles, times Normal noise and a drift shared
// by each round) run through the real pipeline: sets resolved by config-store's lookup from
// made-up tables, runBench in rounds, the record as a GPU run writes it.
import { lookupConfig, memorySource, type LookupQuery } from '@moe/config-store';
import { formatFileName, tileConfig, type TileConfig } from '@moe/engine-facts';
import { findCatalogEntry, resolveMoeShape } from '@moe/model-shapes';
import { createRng } from '@moe/native';
import { setRecords, RECORD_FORMAT, RECORD_VERSION, type BenchRecord } from './bench-record';
import { shapeOfMoe, type BenchShape } from './bench-shape';
import { parseSetSpecs } from './config-sets';
import { tablePeaks } from './peaks';
import { resolvedSetOf, type ResolvedSet } from './resolve-sets';
import { ceilingsFor, floorMicros } from './roofline';
import { runBench, type BenchBatch, type BenchDevice } from './run-bench';
import { expectedHitExperts, stageWork, type BenchStage } from './traffic';
import { BENCH_VERSION } from './version';

export const SYNTHETIC_BATCH_SIZES = [1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 1536, 2048, 3072, 4096];
const CARD = 'NVIDIA H200';

export function syntheticLabel(seed: number): string {
  return `made up by @moe/bench's syntheticRecord (seed ${seed}) from a model of an H200, to test the report: no GPU ran, no kernel was timed`;
}

const t = tileConfig;

/** Made-up tables (not from any engine or tuner): what a tuned and a shipped file might hold. */
function table(ms: readonly number[], pick: (m: number) => TileConfig): string {
  return `${JSON.stringify(Object.fromEntries(ms.map((m) => [String(m), pick(m)])), null, 4)}\n`;
}
const tunedUp = (m: number) => (m <= 16 ? t(16, 64, 128, 1, 4, 3) : m <= 96 ? t(16, 128, 128, 1, 4, 3) : m <= 512 ? t(64, 128, 64, 1, 4, 3) : t(128, 256, 64, 1, 8, 4));
const tunedDown = (m: number) => (m <= 16 ? t(16, 128, 128, 1, 4, 2) : m <= 96 ? t(16, 64, 128, 1, 4, 3) : m <= 512 ? t(64, 128, 64, 1, 4, 3) : t(128, 128, 64, 1, 8, 3));
const shippedUp = (m: number) => (m <= 64 ? t(16, 32, 128, 1, 4, 2) : m <= 256 ? t(64, 64, 64, 1, 4, 3) : t(128, 256, 64, 1, 8, 4));

/** The modelled card: µs = floor x efficiency(config) x noise x the round's drift. */
class SyntheticDevice implements BenchDevice {
  private readonly rng;
  constructor(
    private readonly shape: BenchShape,
    seed: number,
    private readonly rounds: () => number,
  ) {
    this.rng = createRng(seed);
  }

  private efficiency(stage: BenchStage, M: number, hit: number, up: TileConfig | null, down: TileConfig | null): number {
    const cfgs = [up, down].filter((c): c is TileConfig => c !== null);
    let e = stage === 'layer' ? 1.35 : 1.2;
    for (const c of cfgs) {
      const pairs = M * this.shape.topk;
      const perExpert = pairs / hit;
      const padded = hit * Math.ceil(perExpert / c.BLOCK_SIZE_M) * c.BLOCK_SIZE_M;
      e += (0.6 * (padded - pairs)) / padded / cfgs.length;
      const tile = (c.BLOCK_SIZE_M * c.BLOCK_SIZE_N) / (128 * 256);
      e += (0.45 * (1 - Math.min(1, tile)) * Math.min(1, M / 1024)) / cfgs.length;
      e += (0.04 * Math.abs(c.num_stages - 3)) / cfgs.length;
    }
    return e;
  }

  async batch(M: number): Promise<BenchBatch> {
    const hit = Math.round(expectedHitExperts(this.shape.E, this.shape.topk, M));
    const ceilings = ceilingsFor(tablePeaks(CARD), this.shape.mode)!;
    const drift: number[] = Array.from({ length: this.rounds() }, () => 1 + 0.01 * this.rng.normal());
    const calls = new Map<string, number>();
    return {
      hitExperts: hit,
      check: async () => ({ ok: true, summary: 'synthetic data: nothing ran, nothing was checked' }),
      time: async (stage, up, down) => {
        const key = `${stage}|${JSON.stringify(up)}|${JSON.stringify(down)}`;
        const round = calls.get(key) ?? 0;
        calls.set(key, round + 1);
        const floor = floorMicros(stageWork(this.shape, stage, M, hit), ceilings);
        return floor * this.efficiency(stage, M, hit, up, down) * drift[round % drift.length]! * (1 + 0.012 * this.rng.normal());
      },
      dispose: () => {},
    };
  }
}

export interface SyntheticOptions {
  seed?: number;
  ms?: number[];
  stages?: BenchStage[];
  rounds?: number;
}

/** A record of made-up numbers for LFM2-8B-A1B TP1 (SGLang, bf16) on a modelled H200, labelled synthetic. */
export async function syntheticRecord(options: SyntheticOptions = {}): Promise<BenchRecord> {
  const seed = options.seed ?? 0;
  const ms = options.ms ?? SYNTHETIC_BATCH_SIZES;
  const stages = options.stages ?? ['up', 'down', 'layer'];
  const rounds = options.rounds ?? 5;
  const model = 'LiquidAI/LFM2-8B-A1B';
  const shape = shapeOfMoe(model, resolveMoeShape(findCatalogEntry(model)!.config, {}, { label: model }), { engine: 'sglang', tp: 1, deviceName: CARD });
  const triton = '3.6.0';
  const { sets: specs } = parseSetSpecs('default,tuned:synthetic-tune-out,shipped:synthetic-shipped@NVIDIA H100 80GB HBM3,installed', 'sglang');
  const key = { E: shape.E, N: shape.fileN, dtype: shape.dtype, blockShape: shape.blockShape, perChannelQuant: false };
  const q = (deviceName: string, down: boolean): LookupQuery => ({ engine: 'sglang', key: { ...key, deviceName }, ms, tritonVersion: triton, down, topk: shape.topk });
  const name = (deviceName: string, down = false) => formatFileName('sglang', { ...key, deviceName: deviceName.replace(/ /g, '_'), down });
  const tuned = memorySource({ [`triton_3_6_0/${name(CARD)}`]: table(ms, tunedUp), [`triton_3_6_0/${name(CARD, true)}`]: table(ms, tunedDown) }, 'synthetic-tune-out/sglang/');
  const shipped = memorySource({ [`triton_3_5_1/${name('NVIDIA H100 80GB HBM3')}`]: table(ms, shippedUp) }, 'synthetic-shipped/');
  const none = memorySource({});
  const resolved: ResolvedSet[] = [
    resolvedSetOf(specs[0]!, 'engine default', triton, lookupConfig(q(CARD, false), none), lookupConfig(q(CARD, true), none)),
    resolvedSetOf(specs[1]!, 'synthetic-tune-out/sglang (made-up table)', triton, lookupConfig(q(CARD, false), tuned), lookupConfig(q(CARD, true), tuned)),
    resolvedSetOf(specs[2]!, 'synthetic-shipped (made-up table)', triton, lookupConfig(q('NVIDIA H100 80GB HBM3', false), shipped), lookupConfig(q('NVIDIA H100 80GB HBM3', true), shipped)),
    resolvedSetOf(specs[3]!, 'synthetic installed engine (no file for this card)', triton, lookupConfig(q(CARD, false), none), lookupConfig(q(CARD, true), none)),
  ];
  const device = new SyntheticDevice(shape, seed, () => rounds);
  const batches = await runBench(device, { sets: resolved, ms, stages, rounds, replays: 20 });
  return {
    format: RECORD_FORMAT,
    version: RECORD_VERSION,
    synthetic: syntheticLabel(seed),
    created: '2026-01-01T00:00:00.000Z',
    tool: { name: '@moe/bench', version: BENCH_VERSION },
    card: { name: `${CARD} (modelled)`, arch: 'sm_90', driver: null },
    kernel: { kind: 'engine', description: 'none: a seeded model of the timings', sourceSha256: null },
    triton,
    engine: 'sglang',
    shape,
    routing: { kind: 'uniform', seed },
    seed,
    protocol: { rounds, replays: 20, launchesPerGraph: 10, warmup: 5, rotateInputs: true, l2Flush: false, order: 'configs rotated one place per round' },
    stages,
    peaks: { ...tablePeaks(CARD), card: `${CARD} (modelled)` },
    measuredPeaks: null,
    sets: setRecords(resolved),
    batches,
    notes: ['synthetic: the tuned and shipped tables are made up, and so are the timings'],
  };
}
