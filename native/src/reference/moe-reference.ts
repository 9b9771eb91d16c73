import { dequantMatrix, dequantRow } from './dequant';
import { roundToElement } from './element-type';
import { outputType } from './moe-problem';
import { quantizeFp8, dequantizeFp8, scaleForAmax } from './quant';
import type { HostTensor, MoeInputs } from './random-inputs';

/** Reference rows: `rows[i]`'s values are values[i * width .. (i + 1) * width). */
export interface ReferenceRows {
  readonly rows: readonly number[];
  readonly width: number;
  readonly values: Float64Array;
}

export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** Groups requested pair ids by their expert, to decode each expert's weights once. */
function pairsByExpert(inputs: MoeInputs, pairs: readonly number[]): Map<number, number[]> {
  const map = new Map<number, number[]>();
  pairs.forEach((p, i) => {
    const e = inputs.routing.ids[p]!;
    const list = map.get(e);
    if (list) list.push(i);
    else map.set(e, [i]);
  });
  return map;
}

function allRows(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export interface UpGemmReferenceOptions {
  /** Pair ids (token * topk + slot) to compute; default all M*topk (sampled rows for large shapes). */
  readonly pairs?: readonly number[];
  /** Multiply each row by its routing weight (MUL_ROUTED_WEIGHT). Default false. */
  readonly mulRoutedWeight?: boolean;
}

/**
 * The up GEMM in float64: C1[pair] = A[pair / topk] . W1[expert(pair)]^T, [rows, 2N], on the
 * dequantised operands (fp8: code * scale, per tensor or per block), not rounded.
 */
export function referenceUpGemm(inputs: MoeInputs, options: UpGemmReferenceOptions = {}): ReferenceRows {
  const { M, N, K, topk } = inputs.problem;
  const pairs = options.pairs ?? allRows(M * topk);
  const width = 2 * N;
  const values = new Float64Array(pairs.length * width);
  const a = new Float64Array(K);
  for (const [e, idx] of pairsByExpert(inputs, pairs)) {
    const w = dequantMatrix(inputs.w1, e);
    for (const i of idx) {
      const p = pairs[i]!;
      dequantRow(inputs.a, 0, Math.floor(p / topk), a);
      const scale = options.mulRoutedWeight ? inputs.routing.weights[p]! : 1;
      for (let n = 0; n < width; n++) {
        let acc = 0;
        const off = n * K;
        for (let k = 0; k < K; k++) acc += a[k]! * w[off + k]!;
        values[i * width + n] = acc * scale;
      }
    }
  }
  return { rows: pairs, width, values };
}

/**
 * The down GEMM alone in float64, as the engines run it (top_k 1 over the pairs, routing weights):
 * C2[pair] = act[pair] . W2[expert(pair)]^T * weight(pair), [rows, K], on the dequantised
 * operands; `act` is the [M*topk, N] intermediate as stored. Not rounded.
 */
export function referenceDownGemm(inputs: MoeInputs, act: HostTensor, options: { pairs?: readonly number[] } = {}): ReferenceRows {
  const { M, N, K, topk } = inputs.problem;
  const w2 = inputs.w2;
  if (!w2) throw new Error('referenceDownGemm: the inputs have no W2 (made with down: false)');
  const pairs = options.pairs ?? allRows(M * topk);
  const values = new Float64Array(pairs.length * K);
  const a = new Float64Array(N);
  for (const [e, idx] of pairsByExpert(inputs, pairs)) {
    const w = dequantMatrix(w2, e);
    for (const i of idx) {
      const p = pairs[i]!;
      dequantRow(act, 0, p, a);
      const weight = inputs.routing.weights[p]!;
      for (let k = 0; k < K; k++) {
        let acc = 0;
        const off = k * N;
        for (let n = 0; n < N; n++) acc += a[n]! * w[off + n]!;
        values[i * K + k] = acc * weight;
      }
    }
  }
  return { rows: pairs, width: K, values };
}

export interface LayerReferenceOptions {
  /** Tokens to compute; default all M (sampled rows for large shapes). */
  readonly tokens?: readonly number[];
  /**
   * fp8_w8a8 (per-tensor) only: the scale the intermediate activation was quantised with
   * before the down GEMM (read back from the device when the pipeline computes it).
   */
  readonly a2Scale?: number;
}

/**
 * The whole MoE layer in float64, with rounding where the device stores intermediates:
 * C1 (rounded to the output type) -> act = silu(gate) * up (rounded; fp8 modes: quantised,
 * per tensor with a2Scale or per token and group of bk) -> C2 = act . W2^T * routing weight
 * (rounded) -> out[token] = sum over its top-k rows (not rounded). [tokens, K].
 */
export function referenceLayer(inputs: MoeInputs, options: LayerReferenceOptions = {}): ReferenceRows {
  const { problem, routing } = inputs;
  const { M, N, K, topk, mode } = problem;
  const w2 = inputs.w2;
  if (!w2) throw new Error('referenceLayer: the inputs have no W2 (made with down: false)');
  const out = outputType(mode);
  const tokens = options.tokens ?? allRows(M);
  const pairs = tokens.flatMap((t) => allRows(topk).map((j) => t * topk + j));
  const c1 = referenceUpGemm(inputs, { pairs });
  const values = new Float64Array(tokens.length * K);
  const act = new Float64Array(N);
  const group = problem.blockShape?.[1] ?? 128;
  // Down GEMM pair by pair, grouped by expert so each W2[e] is decoded once.
  for (const [e, idx] of pairsByExpert(inputs, pairs)) {
    const w = dequantMatrix(w2, e);
    for (const i of idx) {
      const p = pairs[i]!;
      const g = c1.values.subarray(i * 2 * N, (i + 1) * 2 * N);
      for (let n = 0; n < N; n++) {
        const gate = roundToElement(g[n]!, out);
        const up = roundToElement(g[N + n]!, out);
        act[n] = roundToElement(silu(gate) * up, out);
      }
      if (mode === 'fp8_w8a8') {
        const s = options.a2Scale;
        if (s === undefined) throw new Error('referenceLayer: fp8_w8a8 needs a2Scale (the intermediate activation scale)');
        for (let n = 0; n < N; n++) act[n] = dequantizeFp8(quantizeFp8(act[n]!, s), s);
      } else if (mode === 'fp8_w8a8_block') {
        for (let lo = 0; lo < N; lo += group) {
          const hi = Math.min(N, lo + group);
          let amax = 0;
          for (let n = lo; n < hi; n++) amax = Math.max(amax, Math.abs(act[n]!));
          const s = scaleForAmax(amax);
          for (let n = lo; n < hi; n++) act[n] = dequantizeFp8(quantizeFp8(act[n]!, s), s);
        }
      }
      const weight = routing.weights[p]!;
      const t = Math.floor(i / topk); // index into `tokens`
      for (let k = 0; k < K; k++) {
        let acc = 0;
        const off = k * N;
        for (let n = 0; n < N; n++) acc += act[n]! * w[off + n]!;
        values[t * K + k]! += roundToElement(acc * weight, out);
      }
    }
  }
  return { rows: tokens, width: K, values };
}

/** `count` distinct row ids of 0..total-1, spread over the range (first and last included), for sampled checks. */
export function sampleRows(total: number, count: number): number[] {
  if (count >= total) return allRows(total);
  if (count <= 1) return [0];
  const out = new Set<number>();
  for (let i = 0; i < count; i++) out.add(Math.round((i * (total - 1)) / (count - 1)));
  return [...out];
}
