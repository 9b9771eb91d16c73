// The correctness checks of a batch: run a launch sequence once on poisoned outputs, then check
// the alignment by meaning, that every output row was written, and the values against the
// float64 CPU reference (all rows, or for large shapes a sample from a few experts) within the
// dtype's tolerance.
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import type { DeviceBuffer } from '../addon/types';
import { checkAlign } from '../reference/align';
import { decodeElements, ELEMENT_BYTES, type ElementType } from '../reference/element-type';
import { outputType, type MoeProblem } from '../reference/moe-problem';
import { referenceDownGemm, referenceLayer, referenceUpGemm, samplePairs, sampleRows, sampleTokens, type ReferenceRows } from '../reference/moe-reference';
import { nonFiniteRows, POISON_BYTE } from '../reference/poison';
import type { Routing } from '../reference/routing';
import { compareRows, TOLERANCE, type Comparison } from '../reference/tolerance';
import type { InputSet } from './batch-buffers';
import type { BatchParts } from './batch-parts';
import { prepareDownGemm, prepareLayer, prepareUpGemm, type PreparedRun } from './prepared-run';
import { referenceStoreKey } from './reference-store';

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

/**
 * A sampled GEMM check compares about SAMPLE_PAIRS rows (pairs) from at most SAMPLE_EXPERTS
 * experts (samplePairs). The reference costs one decode of every expert matrix its rows touch
 * plus the rows' multiply-adds, so bounding the experts, not only the rows, bounds it: 96 rows
 * spread over all pairs touched ~30 of 32 experts (LFM2-8B-A1B up GEMM at M=4096: ~4 s of JS
 * per check); 32 rows of 4 experts take ~0.45 s. What the check is for still shows: a wrong
 * expert's weights or wrong routing weights in the rows of the chosen experts (spread over the
 * id range, so the lowest and the highest hit are among them); bad masking at tile edges in
 * every row (all columns are compared) and at the first and the last row block of each chosen
 * expert (its first and last pair are among the rows); unwritten rows through the NaN scan,
 * which covers the whole output, not the sample.
 */
const SAMPLE_PAIRS = 32;
const SAMPLE_EXPERTS = 4;

/** Rows (pairs, or tokens for the layer) a check compares with the reference, and whether they are a sample. */
export function checkRows(stage: CheckReport['stage'], problem: MoeProblem, routing: Routing): { rows: number[]; sampled: boolean } {
  const { M, topk, N, K } = problem;
  // up: [pairs, 2N] x K; down: [pairs, K] x N; layer: both.
  const macs = M * topk * N * K * (stage === 'up_gemm' ? 2 : stage === 'down_gemm' ? 1 : 3);
  const total = stage === 'layer' ? M : M * topk;
  if (macs <= FULL_CHECK_MACS) return { rows: sampleRows(total, total), sampled: false };
  // Layer (rows are tokens): SAMPLE_PAIRS / topk tokens, so about SAMPLE_PAIRS pairs, chosen
  // by sampleTokens to touch few experts (both ends of the aligned layout, then the tokens
  // adding the fewest new experts): ~8 experts instead of ~20 for spread tokens.
  if (stage === 'layer') return { rows: sampleTokens(routing, Math.max(1, Math.floor(SAMPLE_PAIRS / topk))), sampled: true };
  return { rows: samplePairs(routing, SAMPLE_EXPERTS, SAMPLE_PAIRS), sampled: true };
}

/** Decodes only rows `rows` of a row-major [*, width] output of type `type`. */
function decodeRows(bytes: Uint8Array, type: ElementType, width: number, rows: readonly number[]): Float64Array {
  const size = ELEMENT_BYTES[type];
  const out = new Float64Array(rows.length * width);
  rows.forEach((r, i) => out.set(decodeElements(bytes.subarray(r * width * size, (r + 1) * width * size), type), i * width));
  return out;
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
    ref = referenceRows(p, c, refKey, rows);
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

/**
 * The reference rows of a check: read from the batch's store when it has them (of the right size:
 * anything else is computed again), else computed and stored there.
 */
function referenceRows(p: BatchParts, c: CheckSpec, refKey: string, rows: number[]): ReferenceRows {
  const use = p.referenceStore;
  if (!use) return c.reference(rows);
  const key = referenceStoreKey(use, p.problem, p.routing, `${c.stage}:${refKey}`);
  const values = use.store.get(key);
  if (values && values.length === rows.length * c.width) return { rows, width: c.width, values };
  const ref = c.reference(rows);
  use.store.put(key, ref.values);
  return ref;
}

/** Runs the alignment and the up GEMM once on poisoned outputs and checks them. */
export async function checkUpGemm(p: BatchParts, config: TileConfig): Promise<CheckReport> {
  const { N, mode } = p.problem;
  const width = 2 * N;
  return runCheck(p, {
    stage: 'up_gemm',
    config: tileConfigKey(config),
    blockM: config.BLOCK_SIZE_M,
    layerBuffers: false,
    prepare: () => prepareUpGemm(p, config, { withAlign: true }),
    outputs: (s) => [s.c1],
    width,
    rows: checkRows('up_gemm', p.problem, p.routing),
    referenceKey: 'up',
    reference: (pairs) => referenceUpGemm(p.inputs, { pairs }),
    tolerance: TOLERANCE[mode].gemm,
  });
}

/** Runs the alignment and the down GEMM alone once on poisoned outputs and checks them. */
export async function checkDownGemm(p: BatchParts, config: TileConfig): Promise<CheckReport> {
  const { K, mode } = p.problem;
  return runCheck(p, {
    stage: 'down_gemm',
    config: tileConfigKey(config),
    blockM: config.BLOCK_SIZE_M,
    layerBuffers: true,
    prepare: () => prepareDownGemm(p, config, { withAlign: true }),
    outputs: (s) => [s.c2!],
    width: K,
    rows: checkRows('down_gemm', p.problem, p.routing),
    referenceKey: 'down',
    reference: (pairs) => referenceDownGemm(p.inputs, p.buffers.downInput().host, { pairs }),
    tolerance: TOLERANCE[mode].gemm,
  });
}

/** Runs the whole layer once on poisoned outputs and checks the [M, K] output. */
export async function checkLayer(p: BatchParts, up: TileConfig, down: TileConfig = up): Promise<CheckReport> {
  const { K, mode } = p.problem;
  return runCheck(p, {
    stage: 'layer',
    config: `${tileConfigKey(up)} | ${tileConfigKey(down)}`,
    blockM: up.BLOCK_SIZE_M,
    layerBuffers: true,
    prepare: () => prepareLayer(p, up, down),
    outputs: (s) => [s.c1, s.act!, s.c2!, s.out!],
    width: K,
    rows: checkRows('layer', p.problem, p.routing),
    referenceKey: 'layer',
    reference: (tokens) => referenceLayer(p.inputs, { tokens, ...(p.a2Scale !== null ? { a2Scale: p.a2Scale } : {}) }),
    tolerance: TOLERANCE[mode].layer,
  });
}
