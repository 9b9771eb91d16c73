import { bf16FromFloat } from './bf16';
import { ELEMENT_BYTES, type ElementType } from './element-type';
import { fp16FromFloat } from './fp16';
import { checkProblem, operandType, type MoeProblem } from './moe-problem';
import { createRng, type Rng } from './prng';
import { quantizeFp8, scaleForAmax } from './quant';
import type { Routing } from './routing';

/**
 * A host tensor as the device will hold it: encoded bytes, row-major dims, and for fp8 its
 * float32 scales (see quant.ts for their layout).
 */
export interface HostTensor {
  readonly type: ElementType;
  readonly dims: readonly number[];
  readonly bytes: Uint8Array;
  readonly scales?: Float32Array;
  readonly scaleDims?: readonly number[];
  /**
   * The [rows, cols] tile of one matrix (one expert's, for weights) that one scale covers:
   * per-tensor [rows, cols]; block-wise weights [bn, bk]; block-wise activations [1, bk].
   * Scale of element (e, r, c) = scales[(e * ceil(rows/rb) + floor(r/rb)) * ceil(cols/cb) + floor(c/cb)].
   */
  readonly scaleBlock?: readonly [number, number];
}

/** The inputs of one MoE layer: hidden A [M, K], W1 [E, 2N, K], W2 [E, K, N], routing. */
export interface MoeInputs {
  readonly problem: MoeProblem;
  readonly routing: Routing;
  readonly a: HostTensor;
  readonly w1: HostTensor;
  /** Absent when only the up GEMM was asked for. */
  readonly w2?: HostTensor;
}

/**
 * A random magnitude in [1/16, 1) with a random sign, times amp: never zero, so unwritten or
 * mis-indexed outputs cannot pass by accident.
 */
function draw(rng: Rng, amp: number): number {
  const r = rng.u32();
  const mag = magnitude(r);
  return (r & 0x80000000 ? -mag : mag) * amp;
}

/** draw's magnitude in [1/16, 1) for the raw output r: its low 31 bits. */
function magnitude(r: number): number {
  return 0.0625 + (r & 0x7fffffff) * (0.9375 / 2147483648);
}

function randomPlain(type: 'bf16' | 'fp16', count: number, amp: number, rng: Rng): Uint8Array {
  const out = new Uint16Array(count);
  // fillPlain's rounding covers every value that can occur: a non-NaN amp makes no NaN, and for
  // fp16 amp in [2^-10, 65504] keeps every magnitude in fp16's normal range.
  if (type === 'bf16' ? !Number.isNaN(amp) : amp >= 2 ** -10 && amp <= 65504) {
    fillPlain(out, type === 'bf16' ? 16 : 13, type === 'bf16' ? 0 : 112 << 23, amp, rng);
  } else {
    const enc = type === 'bf16' ? bf16FromFloat : fp16FromFloat;
    for (let i = 0; i < count; i++) out[i] = enc(draw(rng, amp));
  }
  return new Uint8Array(out.buffer);
}

/**
 * bf16FromFloat (shift 16, rebias 0) or fp16FromFloat (shift 13, rebias 112 << 23) of the
 * float32 with bits u (uint32 or int32), for u not NaN (bf16) or in [2^-14, 65504] (fp16):
 * rebias the exponent and round the low `shift` bits off to nearest even; a carry out of the
 * mantissa bumps the exponent, to infinity past the largest bf16. Exported for tests.
 */
export function roundFloat32Bits(u: number, shift: number, rebias: number): number {
  return ((u - rebias + ((1 << (shift - 1)) - 1) + ((u >>> shift) & 1)) | 0) >>> shift;
}

/**
 * out[i] = bf16FromFloat / fp16FromFloat of draw(rng, amp), in order, with u32()'s update
 * inlined, two draws per iteration. The float32 rounding goes through a scratch view as in
 * float32Bits; the sign is applied to the rounded bits (rounding is symmetric), so there is
 * no random branch. Same values as the per-element loop, 3-4x faster.
 */
function fillPlain(out: Uint16Array, shift: number, rebias: number, amp: number, rng: Rng): void {
  const f32 = new Float32Array(2);
  const bits = new Int32Array(f32.buffer);
  let [a, b, c, d] = rng.getState();
  const pairs = out.length - (out.length % 2);
  for (let i = 0; i < pairs; i += 2) {
    let x = Math.imul(b, 5);
    const r = Math.imul((x << 7) | (x >>> 25), 9);
    let t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    x = Math.imul(b, 5);
    const s = Math.imul((x << 7) | (x >>> 25), 9);
    t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    f32[0] = magnitude(r) * amp;
    f32[1] = magnitude(s) * amp;
    out[i] = roundFloat32Bits(bits[0]!, shift, rebias) ^ ((r >>> 16) & 0x8000);
    out[i + 1] = roundFloat32Bits(bits[1]!, shift, rebias) ^ ((s >>> 16) & 0x8000);
  }
  rng.setState([a, b, c, d]);
  if (pairs < out.length) {
    const r = rng.u32();
    f32[0] = magnitude(r) * amp;
    out[pairs] = roundFloat32Bits(bits[0]!, shift, rebias) ^ ((r >>> 16) & 0x8000);
  }
}

/**
 * Random fp8 tensor [rows, cols] (rows may span experts): scale tiles of [tileR, tileC] each
 * get their own amplitude amp * [0.5, 2), so a kernel that reads the wrong scale is caught.
 */
function randomFp8(
  rows: number,
  cols: number,
  tileR: number,
  tileC: number,
  amp: number,
  rng: Rng,
): { bytes: Uint8Array; scales: Float32Array; tilesR: number; tilesC: number } {
  const tilesR = Math.ceil(rows / tileR);
  const tilesC = Math.ceil(cols / tileC);
  const scales = new Float32Array(tilesR * tilesC);
  const amps = new Float64Array(tilesR * tilesC);
  for (let i = 0; i < scales.length; i++) {
    amps[i] = amp * (0.5 + 1.5 * rng.next());
    scales[i] = scaleForAmax(amps[i]!);
  }
  const bytes = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const tr = Math.floor(r / tileR) * tilesC;
    for (let c = 0; c < cols; c++) {
      const t = tr + Math.floor(c / tileC);
      bytes[r * cols + c] = quantizeFp8(draw(rng, amps[t]!), scales[t]!);
    }
  }
  return { bytes, scales, tilesR, tilesC };
}

/** Random operand [E, rows, cols] (E = 1 for activations) in the problem's mode. */
function randomOperand(
  p: MoeProblem,
  role: 'act' | 'weight',
  experts: number,
  rows: number,
  cols: number,
  amp: number,
  rng: Rng,
): HostTensor {
  const type = operandType(p.mode);
  const dims = role === 'act' ? [rows, cols] : [experts, rows, cols];
  if (type === 'bf16' || type === 'fp16') return { type, dims, bytes: randomPlain(type, experts * rows * cols, amp, rng) };
  if (p.mode === 'fp8_w8a8') {
    // One scale per tensor (activations) or per expert (weights).
    const t = randomFp8(experts, rows * cols, 1, rows * cols, amp, rng);
    return { type, dims, bytes: t.bytes, scales: t.scales, scaleDims: role === 'act' ? [1] : [experts], scaleBlock: [rows, cols] };
  }
  const [bn, bk] = p.blockShape!;
  if (role === 'act') {
    // Per token and per group of bk along K.
    const t = randomFp8(rows, cols, 1, bk, amp, rng);
    return { type, dims, bytes: t.bytes, scales: t.scales, scaleDims: [rows, t.tilesC], scaleBlock: [1, bk] };
  }
  // Per expert, [bn, bk] tiles; each expert's rows start a new tile.
  const tilesN = Math.ceil(rows / bn);
  const tilesK = Math.ceil(cols / bk);
  const bytes = new Uint8Array(experts * rows * cols);
  const scales = new Float32Array(experts * tilesN * tilesK);
  for (let e = 0; e < experts; e++) {
    const t = randomFp8(rows, cols, bn, bk, amp, rng);
    bytes.set(t.bytes, e * rows * cols);
    scales.set(t.scales, e * tilesN * tilesK);
  }
  return { type, dims, bytes, scales, scaleDims: [experts, tilesN, tilesK], scaleBlock: [bn, bk] };
}

export interface RandomInputOptions {
  readonly seed: number;
  /** Also make W2 (for the whole layer). Default true. */
  readonly down?: boolean;
}

/** The weights of a layer: W1 [E, 2N, K] and W2 [E, K, N] (scaled by 1/sqrt(fan-in)). */
export interface MoeWeights {
  readonly w1: HostTensor;
  readonly w2?: HostTensor;
}

/**
 * Random weights, independent of M (one set serves every batch size). W1 and W2 are scaled
 * by 1/sqrt(fan-in) so every stage's outputs stay near 1 (no fp16 overflow, no underflow).
 */
export function makeRandomWeights(problem: Omit<MoeProblem, 'M'>, options: RandomInputOptions): MoeWeights {
  checkProblem({ ...problem, M: 1 });
  const { E, N, K } = problem;
  const rng = createRng(options.seed ^ 0x5eed);
  const w1 = randomOperand(problem as MoeProblem, 'weight', E, 2 * N, K, 1 / Math.sqrt(K), rng);
  const w2 = options.down === false ? undefined : randomOperand(problem as MoeProblem, 'weight', E, K, N, 4 / Math.sqrt(N), rng);
  return { w1, ...(w2 ? { w2 } : {}) };
}

/** Random hidden states A [M, K], magnitudes in [1/16, 1) (fp8: per its scales). */
export function makeRandomActivations(problem: MoeProblem, seed: number): HostTensor {
  checkProblem(problem);
  return randomOperand(problem, 'act', 1, problem.M, problem.K, 1, createRng(seed ^ 0xac7));
}

/** Random inputs for a problem: A, W1 and (unless down: false) W2. */
export function makeRandomInputs(problem: MoeProblem, routing: Routing, options: RandomInputOptions): MoeInputs {
  return { problem, routing, a: makeRandomActivations(problem, options.seed), ...makeRandomWeights(problem, options) };
}

export function tensorBytes(t: HostTensor): number {
  return t.dims.reduce((x, y) => x * y, 1) * ELEMENT_BYTES[t.type];
}
