// The correctness checks of a batch: run a launch sequence once on poisoned outputs, then check
// the alignment by meaning, that every output row was written, and the values against the
// float64 CPU reference (all rows, or a spread sample for large shapes) within the dtype's tolerance.
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import type { DeviceBuffer } from '../addon/types';
import { checkAlign } from '../reference/align';
import { decodeElements, ELEMENT_BYTES, type ElementType } from '../reference/element-type';
import { outputType } from '../reference/moe-problem';
import { referenceDownGemm, referenceLayer, referenceUpGemm, sampleRows, type ReferenceRows } from '../reference/moe-reference';
import { nonFiniteRows, POISON_BYTE } from '../reference/poison';
import { compareRows, TOLERANCE, type Comparison } from '../reference/tolerance';
import type { InputSet } from './batch-buffers';
import type { BatchParts } from './batch-parts';
import { prepareDownGemm, prepareLayer, prepareUpGemm, type PreparedRun } from './prepared-run';

/** What a correctness check found. */
export interface CheckReport {
  readonly ok: boolean;
  readonly stage: 'up_gemm' | 'down_gemm' | 'layer';
  readonly config: string;
  /** Problems in the alignment's outputs (empty when right). */
  readonly alignProblems: readonly string[];
  /** Output rows holding NaN/inf after the run (poisoned and never written), first 20. */
  readonly unwrittenRows: readonly number[];
  readonly unwrittenCount: number;
  readonly comparison: Comparison;
  /** Rows compared with the reference, and whether they were a sample. */
  readonly rowsChecked: number;
  readonly sampled: boolean;
}

/** Multiply-adds above which checks use sampled rows instead of the whole output. */
const FULL_CHECK_MACS = 3e8;
const SAMPLE_ROWS = 96;

/** Decodes only rows `rows` of a row-major [*, width] output of type `type`. */
function decodeRows(bytes: Uint8Array, type: ElementType, width: number, rows: readonly number[]): Float64Array {
  const size = ELEMENT_BYTES[type];
  const out = new Float64Array(rows.length * width);
  rows.forEach((r, i) => out.set(decodeElements(bytes.subarray(r * width * size, (r + 1) * width * size), type), i * width));
  return out;
}

/** Every row of `total`, or a spread sample of `sample` rows when the check would cost more than FULL_CHECK_MACS. */
function rowsToCheck(total: number, macs: number, sample: number): { rows: number[]; sampled: boolean } {
  const sampled = macs > FULL_CHECK_MACS;
  return { rows: sampled ? sampleRows(total, sample) : sampleRows(total, total), sampled };
}

/** One check: what to run, which buffers to poison, which output to read and what it should hold. */
interface CheckSpec {
  readonly stage: CheckReport['stage'];
  readonly config: string;
  readonly blockM: number;
  readonly layerBuffers: boolean;
  readonly prepare: () => Promise<PreparedRun>;
  /** The outputs of the run in set 0 (poisoned before it); the last is the one checked. */
  readonly outputs: (s: InputSet) => DeviceBuffer[];
  readonly width: number;
  readonly rows: { rows: number[]; sampled: boolean };
  /** The reference rows, cached by this key and the rows. */
  readonly referenceKey: string;
  readonly reference: (rows: number[]) => ReferenceRows;
  readonly tolerance: number;
}

async function runCheck(p: BatchParts, c: CheckSpec): Promise<CheckReport> {
  p.buffers.ensureSets(1, c.layerBuffers);
  const run = await c.prepare();
  const al = await p.aligns.get(c.blockM);
  const outputs = c.outputs(p.buffers.sets[0]!);
  for (const b of [al.sorted, al.expertIds, al.ntpp, ...outputs]) b.fill(POISON_BYTE, 1);
  run.enqueue(null, 0);
  await p.layer.ctx.synchronize();
  const alignProblems = checkAlign(p.routing, await p.aligns.download(al));
  const type = outputType(p.problem.mode);
  const bytes = await outputs.at(-1)!.download();
  const bad = nonFiniteRows(bytes, type as 'bf16' | 'fp16', c.width);
  const { rows, sampled } = c.rows;
  const refKey = `${c.referenceKey}:${rows.join(',')}`;
  let ref = p.references.get(refKey);
  if (!ref) {
    ref = c.reference(rows);
    p.references.set(refKey, ref);
  }
  const comparison = compareRows(decodeRows(bytes, type, c.width, rows), ref.values, c.width, rows, c.tolerance);
  return {
    ok: alignProblems.length === 0 && bad.length === 0 && comparison.ok,
    stage: c.stage,
    config: c.config,
    alignProblems,
    unwrittenRows: bad.slice(0, 20),
    unwrittenCount: bad.length,
    comparison,
    rowsChecked: rows.length,
    sampled,
  };
}

/** Runs the alignment and the up GEMM once on poisoned outputs and checks them. */
export async function checkUpGemm(p: BatchParts, config: TileConfig): Promise<CheckReport> {
  const { M, topk, N, K, mode } = p.problem;
  const width = 2 * N;
  return runCheck(p, {
    stage: 'up_gemm',
    config: tileConfigKey(config),
    blockM: config.BLOCK_SIZE_M,
    layerBuffers: false,
    prepare: () => prepareUpGemm(p, config, { withAlign: true }),
    outputs: (s) => [s.c1],
    width,
    rows: rowsToCheck(M * topk, M * topk * width * K, SAMPLE_ROWS),
    referenceKey: 'up',
    reference: (pairs) => referenceUpGemm(p.inputs, { pairs }),
    tolerance: TOLERANCE[mode].gemm,
  });
}

/** Runs the alignment and the down GEMM alone once on poisoned outputs and checks them. */
export async function checkDownGemm(p: BatchParts, config: TileConfig): Promise<CheckReport> {
  const { M, topk, N, K, mode } = p.problem;
  return runCheck(p, {
    stage: 'down_gemm',
    config: tileConfigKey(config),
    blockM: config.BLOCK_SIZE_M,
    layerBuffers: true,
    prepare: () => prepareDownGemm(p, config, { withAlign: true }),
    outputs: (s) => [s.c2!],
    width: K,
    rows: rowsToCheck(M * topk, M * topk * K * N, SAMPLE_ROWS),
    referenceKey: 'down',
    reference: (pairs) => referenceDownGemm(p.inputs, p.buffers.downInput().host, { pairs }),
    tolerance: TOLERANCE[mode].gemm,
  });
}

/** Runs the whole layer once on poisoned outputs and checks the [M, K] output. */
export async function checkLayer(p: BatchParts, up: TileConfig, down: TileConfig = up): Promise<CheckReport> {
  const { M, topk, N, K, mode } = p.problem;
  return runCheck(p, {
    stage: 'layer',
    config: `${tileConfigKey(up)} | ${tileConfigKey(down)}`,
    blockM: up.BLOCK_SIZE_M,
    layerBuffers: true,
    prepare: () => prepareLayer(p, up, down),
    outputs: (s) => [s.c1, s.act!, s.c2!, s.out!],
    width: K,
    rows: rowsToCheck(M, M * topk * 3 * N * K, Math.max(1, Math.floor(SAMPLE_ROWS / topk))),
    referenceKey: 'layer',
    reference: (tokens) => referenceLayer(p.inputs, { tokens, ...(p.a2Scale !== null ? { a2Scale: p.a2Scale } : {}) }),
    tolerance: TOLERANCE[mode].layer,
  });
}
