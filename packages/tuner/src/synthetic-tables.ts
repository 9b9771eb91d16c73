import { elementBytes, estimateSharedMemory, gpuInfoForDriverName } from '@moe/config-store';
import { TILE_CONFIG_FIELDS, tileConfigKey, type TileConfig } from '@moe/engine-facts';
import type { MeasuredRow, MeasuredTable } from './measured-table';
import { RandomSource } from './random-source';
import { ENGINE_GRID_VALUES, engineGrid } from '@moe/engine-facts';

/** The batch sizes of the engines' tuners from 4 up (ENGINES.md). */
export const SYNTHETIC_BATCH_SIZES = [4, 8, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 1536, 2048, 3072, 4096] as const;

export interface SyntheticOptions {
  batchSizes?: readonly number[];
  seed?: number;
}

/**
 * A grid table whose times are a smooth bowl over the parameters' value indices, with an optimum
 * that moves with M (bigger tiles, more warps, more stages as M grows) and a warps optimum that
 * depends on the tile area. Configs over the H200's shared memory (by the estimate) and a few
 * random others (2%, standing for compiler errors) fail to compile.
 */
export function smoothTable(options: SyntheticOptions = {}): MeasuredTable {
  const space = engineGrid();
  const random = new RandomSource(options.seed ?? 1);
  const failed = failures(space, random);
  const rows: MeasuredRow[] = (options.batchSizes ?? SYNTHETIC_BATCH_SIZES).map((M) => {
    const us = new Map<number, number>();
    space.forEach((c, i) => {
      if (!failed.has(i)) us.set(i, smoothUs(c, M));
    });
    return { M, us };
  });
  return { space, failed, rows, compileSeconds: 130, compileProcesses: 15, card: 'NVIDIA H200 (synthetic)' };
}

/**
 * The smooth table with a needle at every batch size: in the smooth optimum's tile family, one
 * config at a random GROUP_SIZE_M / warps / stages runs 4% faster than the smooth optimum, and
 * the family funnels to it: a config that differs from it in one of those parameters is 2.5%
 * faster than the smooth optimum, in two 1% faster. (A needle with no funnel can only be found
 * by measuring it: no search of a small fraction of the grid finds it for sure.)
 */
export function needleTable(options: SyntheticOptions = {}): MeasuredTable {
  const table = smoothTable(options);
  const random = new RandomSource((options.seed ?? 1) + 7919);
  const rows = table.rows.map((row) => {
    let best = -1;
    for (const [i, us] of row.us) if (best < 0 || us < row.us.get(best)!) best = i;
    const b = table.space[best]!;
    const bestUs = row.us.get(best)!;
    const family = [...row.us.keys()].filter((i) => {
      const c = table.space[i]!;
      return c.BLOCK_SIZE_M === b.BLOCK_SIZE_M && c.BLOCK_SIZE_N === b.BLOCK_SIZE_N && c.BLOCK_SIZE_K === b.BLOCK_SIZE_K;
    });
    const n = table.space[family[random.int(family.length)]!]!;
    const us = new Map(row.us);
    for (const i of family) {
      const c = table.space[i]!;
      const d = Number(c.GROUP_SIZE_M !== n.GROUP_SIZE_M) + Number(c.num_warps !== n.num_warps) + Number(c.num_stages !== n.num_stages);
      if (d <= 2) us.set(i, Math.min(row.us.get(i)!, bestUs * [0.96, 0.975, 0.99][d]!));
    }
    return { M: row.M, us };
  });
  return { ...table, rows };
}

/** The table with every measurement failing at batch size M (its row keeps no times). */
export function failingBatchTable(table: MeasuredTable, M: number): MeasuredTable {
  return { ...table, rows: table.rows.map((row) => (row.M === M ? { M, us: new Map() } : row)) };
}

/** Every recorded time multiplied by (1 + e), e ~ Normal(0, percent/100): reshuffles near-ties. */
export function perturbedTable(table: MeasuredTable, percent: number, seed: number): MeasuredTable {
  const random = new RandomSource(seed);
  const rows = table.rows.map((row) => {
    const us = new Map<number, number>();
    for (const [i, v] of row.us) us.set(i, v * (1 + (random.normal() * percent) / 100));
    return { M: row.M, us };
  });
  return { ...table, rows };
}

/**
 * Another shape, roughly: batch sizes scaled by `mScale`, and times tilted against wide tiles
 * (x (1 + tilt x (log2 BLOCK_SIZE_N - 6))), as when N shrinks and wide tiles waste work.
 */
export function reshapedTable(table: MeasuredTable, mScale: number, tilt: number): MeasuredTable {
  const rows = table.rows.map((row) => {
    const us = new Map<number, number>();
    for (const [i, v] of row.us) us.set(i, v * (1 + tilt * (Math.log2(table.space[i]!.BLOCK_SIZE_N) - 6)));
    return { M: Math.max(1, Math.round(row.M * mScale)), us };
  });
  return { ...table, rows };
}

/** The table restricted to some of its batch sizes. */
export function withBatchSizes(table: MeasuredTable, batchSizes: readonly number[]): MeasuredTable {
  const keep = new Set(batchSizes);
  return { ...table, rows: table.rows.filter((r) => keep.has(r.M)) };
}

/** Serialises a table into the JSON format `parseMeasuredTable` reads. */
export function tableToJson(table: MeasuredTable): Record<string, unknown> {
  return {
    ...(table.card === undefined ? {} : { card: table.card }),
    ...(table.dtype === undefined && table.blockShape === undefined
      ? {}
      : { shape: { ...(table.dtype === undefined ? {} : { dtype: table.dtype }), ...(table.blockShape === undefined ? {} : { block_shape: table.blockShape }) } }),
    space: table.space.map((c) => Object.fromEntries(TILE_CONFIG_FIELDS.map((p) => [p, c[p]]))),
    [`compile_seconds_${table.compileProcesses}_processes`]: table.compileSeconds,
    failed: Object.fromEntries([...table.failed].map(([i, r]) => [String(i), r])),
    rows: table.rows.map((r) => ({ M: r.M, us: Object.fromEntries([...r.us].map(([i, v]) => [String(i), v])) })),
  };
}

function failures(space: readonly TileConfig[], random: RandomSource): Map<number, string> {
  const failed = new Map<number, string>();
  const h200 = gpuInfoForDriverName('NVIDIA H200')!;
  const limit = h200.sharedMemoryPerBlock!;
  const bytes = elementBytes('bf16')!;
  space.forEach((c, i) => {
    const need = estimateSharedMemory(c, { bytes, gpu: h200 });
    if (need > limit) {
      failed.set(i, `OutOfResources: out of resource: shared memory, Required: ${need}, Hardware limit: ${limit}`);
    } else if (random.next() < 0.02) {
      failed.set(i, `RuntimeError: PassManager::run failed (synthetic ${tileConfigKey(c)})`);
    }
  });
  return failed;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const at = (values: readonly number[], v: number) => values.indexOf(v);

function smoothUs(c: TileConfig, M: number): number {
  const lm = Math.log2(M);
  const x = {
    m: at(ENGINE_GRID_VALUES.BLOCK_SIZE_M, c.BLOCK_SIZE_M),
    n: at(ENGINE_GRID_VALUES.BLOCK_SIZE_N, c.BLOCK_SIZE_N),
    k: at(ENGINE_GRID_VALUES.BLOCK_SIZE_K, c.BLOCK_SIZE_K),
    g: at(ENGINE_GRID_VALUES.GROUP_SIZE_M, c.GROUP_SIZE_M),
    w: at(ENGINE_GRID_VALUES.num_warps, c.num_warps),
    s: at(ENGINE_GRID_VALUES.num_stages, c.num_stages),
  };
  const opt = {
    m: clamp((lm - 3) / 2.2, 0, 4),
    n: 1.2 + 0.8 * Math.sin(lm / 2.5),
    k: clamp(1.3 - lm / 10, 0, 2),
    g: clamp(lm / 4 - 0.5, 0, 3),
    w: clamp((x.m + x.n - 3) / 2.5, 0, 1),
    s: clamp(0.8 + lm / 6, 0, 3),
  };
  const bowl =
    0.05 * (x.m - opt.m) ** 2 +
    0.03 * (x.n - opt.n) ** 2 +
    0.04 * (x.k - opt.k) ** 2 +
    0.008 * (x.g - opt.g) ** 2 +
    0.12 * (x.w - opt.w) ** 2 +
    0.025 * (x.s - opt.s) ** 2 +
    0.01 * (x.m - opt.m) * (x.s - opt.s);
  return (40 + 0.1 * M) * (1 + bowl);
}
