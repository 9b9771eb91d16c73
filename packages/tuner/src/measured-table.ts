import { issueWords } from '@moe/config-store';
import { z } from 'zod';
import { InvalidTableError } from './errors/invalid-table-error';
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import { describeConfig } from './describe-config';

const positiveInt = z.number().int().positive();
const indexKey = z.string().regex(/^\d+$/, 'keys must be indices into "space" ("0", "1", ...)');

const configSchema = z.looseObject({
  BLOCK_SIZE_M: positiveInt,
  BLOCK_SIZE_N: positiveInt,
  BLOCK_SIZE_K: positiveInt,
  GROUP_SIZE_M: positiveInt,
  num_warps: positiveInt,
  num_stages: positiveInt,
});

const tableSchema = z.looseObject({
  space: z.array(configSchema).min(1, 'needs at least one config'),
  failed: z.record(indexKey, z.string()).default({}),
  card: z.string().optional(),
  shape: z
    .looseObject({
      dtype: z.string().optional(),
      block_shape: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).nullable().optional(),
    })
    .optional(),
  rows: z
    .array(
      z.looseObject({
        M: positiveInt,
        us: z.record(indexKey, z.number().positive().finite()),
      }),
    )
    .min(1, 'needs at least one batch size'),
});

const COMPILE_KEY = /^compile_seconds_([1-9]\d*)_processes$/;

/** One batch size of a measured table: µs per index into `space` (absent: no time recorded). */
export interface MeasuredRow {
  M: number;
  us: ReadonlyMap<number, number>;
}

/**
 * A table of measured times: every config of `space` timed at each batch size, the configs that
 * failed to compile (index -> reason) and the wall time of compiling the whole space.
 */
export interface MeasuredTable {
  space: TileConfig[];
  failed: ReadonlyMap<number, string>;
  /** Sorted by M. */
  rows: MeasuredRow[];
  /** Wall seconds to compile all of `space` with `compileProcesses` processes. */
  compileSeconds: number;
  compileProcesses: number;
  /** The GPU the table was measured on, as recorded ("NVIDIA H200 (141 GB HBM3e, 132 SMs)"). */
  card?: string;
  /** The engine dtype of the kernel (bf16 when absent). */
  dtype?: string;
  /** Block-wise quantization [block_n, block_k] (`shape.block_shape`; absent when none). */
  blockShape?: [number, number];
}

/**
 * Parses the JSON of a measured table (the format of
 * `reference/measured/engine-kernel-exhaustive-*.json` in the repository). `source` names the
 * input in errors. Throws InvalidTableError naming the field and the fix.
 */
export function parseMeasuredTable(json: unknown, source = 'table'): MeasuredTable {
  const fail = (what: string, fix: string): never => {
    throw new InvalidTableError(`${source}: ${what}; ${fix}`);
  };
  const parsed = tableSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'the top level';
    fail(
      `${where}: ${issue ? issueWords(issue) : 'is not valid'}`,
      'give a JSON object with "space" (configs), "failed" (index -> reason), "rows" ([{M, us: {index: µs}}]) and "compile_seconds_<n>_processes"',
    );
  }
  const data = parsed.data!;
  const n = data.space.length;
  const space = data.space.map((c) => ({
    BLOCK_SIZE_M: c.BLOCK_SIZE_M,
    BLOCK_SIZE_N: c.BLOCK_SIZE_N,
    BLOCK_SIZE_K: c.BLOCK_SIZE_K,
    GROUP_SIZE_M: c.GROUP_SIZE_M,
    num_warps: c.num_warps,
    num_stages: c.num_stages,
  }));
  // A config listed twice would have two sets of times, and a search finds configs, not indices.
  const firstIndex = new Map<string, number>();
  space.forEach((c, i) => {
    const first = firstIndex.get(tileConfigKey(c));
    if (first !== undefined) fail(`space[${i}] repeats space[${first}] (${describeConfig(c)})`, 'list each config once in "space"');
    firstIndex.set(tileConfigKey(c), i);
  });
  const failed = new Map<number, string>();
  for (const [key, reason] of Object.entries(data.failed)) {
    const index = Number(key);
    if (index >= n) fail(`failed.${key} is not an index into "space" (${n} configs)`, 'use indices 0..' + (n - 1));
    failed.set(index, reason);
  }
  const seen = new Set<number>();
  const rows: MeasuredRow[] = [];
  for (const row of data.rows) {
    if (seen.has(row.M)) fail(`rows has batch size M=${row.M} twice`, 'keep one row per batch size');
    seen.add(row.M);
    const us = new Map<number, number>();
    for (const [key, value] of Object.entries(row.us)) {
      const index = Number(key);
      if (index >= n) fail(`rows[M=${row.M}].us.${key} is not an index into "space" (${n} configs)`, 'use indices 0..' + (n - 1));
      if (failed.has(index)) fail(`rows[M=${row.M}].us.${key} has a time but config ${key} is listed in "failed"`, 'drop one of the two');
      us.set(index, value);
    }
    rows.push({ M: row.M, us });
  }
  // A row may be empty (nothing ran at that batch size), but a table with no time at all has
  // nothing to replay: every search would answer "none".
  if (rows.every((r) => r.us.size === 0)) {
    fail('no row of "rows" holds a time (every batch size has "us": {}), so there is nothing to replay', 'give the measured times, index -> µs');
  }
  rows.sort((a, b) => a.M - b.M);
  const block = data.shape?.block_shape;
  const blockShape: [number, number] | undefined = block && block[0] > 0 && block[1] > 0 ? [block[0], block[1]] : undefined;
  const compileKey = Object.keys(data).find((k) => COMPILE_KEY.test(k));
  const compileSeconds = compileKey === undefined ? undefined : (data as Record<string, unknown>)[compileKey];
  if (typeof compileSeconds !== 'number' || !(compileSeconds > 0)) {
    fail(
      'has no positive "compile_seconds_<n>_processes" number',
      'add the wall seconds it took to compile "space", e.g. "compile_seconds_15_processes": 130.6',
    );
  }
  return {
    space,
    failed,
    rows,
    compileSeconds: compileSeconds as number,
    compileProcesses: Number(COMPILE_KEY.exec(compileKey!)![1]),
    ...(data.card === undefined ? {} : { card: data.card }),
    ...(data.shape?.dtype === undefined ? {} : { dtype: data.shape.dtype }),
    ...(blockShape === undefined ? {} : { blockShape }),
  };
}

/** The fastest recorded time at each row (undefined for a row where nothing ran). */
export function bestRecorded(row: MeasuredRow): { index: number; us: number } | undefined {
  let best: { index: number; us: number } | undefined;
  for (const [index, us] of row.us) if (!best || us < best.us) best = { index, us };
  return best;
}
