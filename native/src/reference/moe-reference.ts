import { dequantRow, matrixDims } from './dequant';
import { roundToElement } from './element-type';
import { outputType, type DtypeMode } from './moe-problem';
import { quantizeFp8, dequantizeFp8, scaleForAmax } from './quant';
import type { HostTensor, MoeInputs } from './random-inputs';
import type { Routing } from './routing';

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

/** Rows of xs a pass over one expert matrix takes: its decode is shared by them, and xs (16 KiB each at K=2048) stay in cache. */
const ROWS_PER_PASS = 32;

/**
 * xs[lo..lo+width) interleaved, [cols, width]: element (c, j) = xs[lo + j][c], 0 past the end
 * of xs. One array read in order lets the dot kernels below run several sums per pass at a
 * fraction of the cost of separate arrays.
 */
function interleave(xs: readonly Float64Array[], lo: number, width: number, cols: number): Float64Array {
  const out = new Float64Array(cols * width);
  for (let j = 0; j < width && lo + j < xs.length; j++) {
    const x = xs[lo + j]!;
    for (let c = 0; c < cols; c++) out[c * width + j] = x[c]!;
  }
  return out;
}

/** out[o + j * stride] = row . x_j for the 8 interleaved x_j of `x`, each summed in index order. */
function dot8(row: Float64Array, x: Float64Array, len: number, out: Float64Array, o: number, stride: number): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  for (let k = 0, q = 0; k < len; k++, q += 8) {
    const v = row[k]!;
    s0 += x[q]! * v;
    s1 += x[q + 1]! * v;
    s2 += x[q + 2]! * v;
    s3 += x[q + 3]! * v;
    s4 += x[q + 4]! * v;
    s5 += x[q + 5]! * v;
    s6 += x[q + 6]! * v;
    s7 += x[q + 7]! * v;
  }
  out[o] = s0;
  out[o + stride] = s1;
  out[o + 2 * stride] = s2;
  out[o + 3 * stride] = s3;
  out[o + 4 * stride] = s4;
  out[o + 5 * stride] = s5;
  out[o + 6 * stride] = s6;
  out[o + 7 * stride] = s7;
}

/** As dot8 for 4 interleaved x_j, writing only the first `n` sums (the rest are zero padding). */
function dot4(row: Float64Array, x: Float64Array, len: number, out: Float64Array, o: number, stride: number, n: number): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let k = 0, q = 0; k < len; k++, q += 4) {
    const v = row[k]!;
    s0 += x[q]! * v;
    s1 += x[q + 1]! * v;
    s2 += x[q + 2]! * v;
    s3 += x[q + 3]! * v;
  }
  out[o] = s0;
  if (n > 1) out[o + stride] = s1;
  if (n > 2) out[o + 2 * stride] = s2;
  if (n > 3) out[o + 3 * stride] = s3;
}

/**
 * xs[j] . W^T for matrix e of w ([rows, cols], xs of length cols): out[j * rows + n] = sum over
 * c in order of xs[j][c] * W[n][c] (the same sums as a plain triple loop, bit for bit). W is
 * decoded one row at a time (no whole-matrix copy), each row used by every x while in cache;
 * xs go 8 at a time, the rest 4 at a time (zero-padded, at most 2 wasted sums per row) but
 * a last lone one, which a plain dot does for less.
 */
function timesTransposed(w: HostTensor, e: number, xs: readonly Float64Array[]): Float64Array {
  const { rows, cols } = matrixDims(w);
  const out = new Float64Array(xs.length * rows);
  const row = new Float64Array(cols);
  const eights = xs.length - (xs.length % 8);
  const blocks8: Float64Array[] = [];
  for (let lo = 0; lo < eights; lo += 8) blocks8.push(interleave(xs, lo, 8, cols));
  const blocks4: Float64Array[] = [];
  let single = eights;
  for (; xs.length - single >= 2; single += 4) blocks4.push(interleave(xs, single, 4, cols));
  for (let n = 0; n < rows; n++) {
    dequantRow(w, e, n, row);
    for (let b = 0; b < blocks8.length; b++) dot8(row, blocks8[b]!, cols, out, b * 8 * rows + n, rows);
    for (let b = 0; b < blocks4.length; b++) {
      const lo = eights + b * 4;
      dot4(row, blocks4[b]!, cols, out, lo * rows + n, rows, Math.min(4, xs.length - lo));
    }
    if (single < xs.length) out[single * rows + n] = dot(row, xs[single]!, cols);
  }
  return out;
}

function dot(row: Float64Array, x: Float64Array, len: number): number {
  let s = 0;
  for (let k = 0; k < len; k++) s += x[k]! * row[k]!;
  return s;
}

/** Calls f with consecutive chunks of at most ROWS_PER_PASS of `idx`. */
function inPasses(idx: readonly number[], f: (chunk: readonly number[]) => void): void {
  for (let lo = 0; lo < idx.length; lo += ROWS_PER_PASS) f(idx.slice(lo, lo + ROWS_PER_PASS));
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
  for (const [e, idx] of pairsByExpert(inputs, pairs)) {
    inPasses(idx, (chunk) => {
      const xs = chunk.map((i) => {
        const a = new Float64Array(K);
        dequantRow(inputs.a, 0, Math.floor(pairs[i]! / topk), a);
        return a;
      });
      const c = timesTransposed(inputs.w1, e, xs);
      chunk.forEach((i, j) => {
        const scale = options.mulRoutedWeight ? inputs.routing.weights[pairs[i]!]! : 1;
        for (let n = 0; n < width; n++) values[i * width + n] = c[j * width + n]! * scale;
      });
    });
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
  for (const [e, idx] of pairsByExpert(inputs, pairs)) {
    inPasses(idx, (chunk) => {
      const xs = chunk.map((i) => {
        const a = new Float64Array(N);
        dequantRow(act, 0, pairs[i]!, a);
        return a;
      });
      const c = timesTransposed(w2, e, xs);
      chunk.forEach((i, j) => {
        const weight = inputs.routing.weights[pairs[i]!]!;
        for (let k = 0; k < K; k++) values[i * K + k] = c[j * K + k]! * weight;
      });
    });
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
 * silu(gate) * up of one pair's C1 row [2N] as the device stores it: gate, up and the product
 * rounded to the output type; fp8 modes then quantised (per tensor with a2Scale, or per group
 * of `group` elements) and dequantised.
 */
function storedActivation(g: Float64Array, mode: DtypeMode, group: number, a2Scale: number | undefined): Float64Array {
  const N = g.length / 2;
  const out = outputType(mode);
  const act = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const gate = roundToElement(g[n]!, out);
    const up = roundToElement(g[N + n]!, out);
    act[n] = roundToElement(silu(gate) * up, out);
  }
  if (mode === 'fp8_w8a8') {
    const s = a2Scale;
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
  return act;
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
  const group = problem.blockShape?.[1] ?? 128;
  // Down GEMM grouped by expert, each W2[e] decoded once per pass over up to ROWS_PER_PASS pairs.
  for (const [e, idx] of pairsByExpert(inputs, pairs)) {
    inPasses(idx, (chunk) => {
      const acts = chunk.map((i) => storedActivation(c1.values.subarray(i * 2 * N, (i + 1) * 2 * N), mode, group, options.a2Scale));
      const c2 = timesTransposed(w2, e, acts);
      chunk.forEach((i, j) => {
        const weight = routing.weights[pairs[i]!]!;
        const t = Math.floor(i / topk); // index into `tokens`
        for (let k = 0; k < K; k++) values[t * K + k]! += roundToElement(c2[j * K + k]! * weight, out);
      });
    });
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

/**
 * Up to `experts` experts hit by the routing, spread over the id range: for each of `experts`
 * evenly spaced targets over 0..E-1 (both ends included), the hit expert closest to it not yet
 * taken (the lower id on a tie). All hit experts when there are no more than `experts`. Ascending.
 */
export function spreadExperts(routing: Routing, experts: number): number[] {
  const count = new Int32Array(routing.E);
  for (const e of routing.ids) count[e]! += 1;
  const hit = allRows(routing.E).filter((e) => count[e]! > 0);
  if (hit.length <= experts) return hit;
  const chosen = new Set<number>();
  for (let q = 0; q < experts; q++) {
    const target = experts === 1 ? (routing.E - 1) / 2 : (q * (routing.E - 1)) / (experts - 1);
    let best = -1;
    for (const e of hit) if (!chosen.has(e) && (best < 0 || Math.abs(e - target) < Math.abs(best - target))) best = e;
    chosen.add(best);
  }
  return [...chosen].sort((a, b) => a - b);
}

/**
 * About `count` pair ids (token * topk + slot) for a sampled GEMM check, from at most `experts`
 * experts (spreadExperts), so a reference decodes only those experts' weights. The row budget is
 * shared evenly (an expert with fewer pairs than its share gives the rest to the others), and
 * within an expert the pairs, ascending as the alignment orders them, are sampled with
 * sampleRows: its first and last pair included, the rest spread between, so the first and the
 * last (partly filled) row block of its aligned region are both covered. Ascending, deterministic.
 */
export function samplePairs(routing: Routing, experts: number, count: number): number[] {
  const chosen = spreadExperts(routing, experts);
  const lists = new Map<number, number[]>(chosen.map((e) => [e, []]));
  routing.ids.forEach((e, p) => lists.get(e)?.push(p));
  const out: number[] = [];
  let budget = count;
  // Fewest pairs first, so what a small expert cannot use goes to the larger ones.
  const bySize = [...chosen].sort((a, b) => lists.get(a)!.length - lists.get(b)!.length || a - b);
  bySize.forEach((e, i) => {
    const list = lists.get(e)!;
    const share = Math.max(1, Math.min(list.length, Math.floor(budget / (bySize.length - i))));
    budget -= share;
    for (const j of sampleRows(list.length, share)) out.push(list[j]!);
  });
  return out.sort((a, b) => a - b);
}

/**
 * About `count` tokens for a sampled whole-layer check. A token's output needs all its top-k
 * experts, and the reference's cost is mostly one decode of W1 and W2 per expert touched, so
 * the tokens are picked to touch few experts: first the token of the first pair of the lowest
 * hit expert and of the last pair of the highest (the two ends of the aligned layout, where the
 * first and the last row blocks are), then, one at a time, the token adding the fewest experts
 * not yet touched (ties: the token farthest from those taken, then the lower id). With E=32,
 * top-4 and M=4096, 8 tokens touch ~8-10 experts instead of ~20 for spread tokens. Ascending.
 */
export function sampleTokens(routing: Routing, count: number): number[] {
  const { M, topk, ids } = routing;
  if (count >= M) return allRows(M);
  let lo = -1;
  let hi = -1;
  for (let p = 0; p < ids.length; p++) {
    if (lo < 0 || ids[p]! < ids[lo]!) lo = p;
    if (hi < 0 || ids[p]! >= ids[hi]!) hi = p;
  }
  const taken = new Set<number>();
  const touched = new Set<number>();
  const take = (t: number): void => {
    taken.add(t);
    for (let j = 0; j < topk; j++) touched.add(ids[t * topk + j]!);
  };
  take(Math.floor(lo / topk));
  if (taken.size < count) take(Math.floor(hi / topk));
  while (taken.size < count) {
    let best = -1;
    let bestNew = Infinity;
    let bestGap = -1;
    for (let t = 0; t < M; t++) {
      if (taken.has(t)) continue;
      let fresh = 0;
      for (let j = 0; j < topk; j++) if (!touched.has(ids[t * topk + j]!)) fresh++;
      if (fresh > bestNew) continue;
      let gap = Infinity;
      for (const u of taken) gap = Math.min(gap, Math.abs(t - u));
      if (fresh < bestNew || gap > bestGap) {
        best = t;
        bestNew = fresh;
        bestGap = gap;
      }
    }
    take(best);
  }
  return [...taken].sort((a, b) => a - b);
}
