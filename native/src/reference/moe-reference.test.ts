import { describe, expect, it } from 'vitest';
import { encodeElements } from './element-type';
import { referenceLayer, referenceUpGemm, sampleRows } from './moe-reference';
import type { MoeProblem } from './moe-problem';
import type { HostTensor, MoeInputs } from './random-inputs';
import type { Routing } from './routing';

function bf16(dims: number[], values: number[]): HostTensor {
  return { type: 'bf16', dims, bytes: encodeElements(values, 'bf16') };
}

function routing(M: number, topk: number, E: number, ids: number[], weights: number[]): Routing {
  return { M, topk, E, ids: Int32Array.from(ids), weights: Float32Array.from(weights) };
}

describe('referenceUpGemm', () => {
  // M=2, E=2, N=1 (2N=2), K=2, top-1. A=[[1,2],[3,-1]], W1[0]=I, W1[1]=[[2,1],[1,-1]], ids [1],[0].
  const problem: MoeProblem = { M: 2, E: 2, N: 1, K: 2, topk: 1, mode: 'bf16' };
  const inputs: MoeInputs = {
    problem,
    routing: routing(2, 1, 2, [1, 0], [0.5, 0.25]),
    a: bf16([2, 2], [1, 2, 3, -1]),
    w1: bf16([2, 2, 2], [1, 0, 0, 1, 2, 1, 1, -1]),
  };

  it('computes A[token] . W1[expert]^T per pair', () => {
    // pair 0: [1,2].[2,1] = 4, [1,2].[1,-1] = -1; pair 1: [3,-1].I = [3,-1].
    expect([...referenceUpGemm(inputs).values]).toEqual([4, -1, 3, -1]);
  });

  it('multiplies by the routing weight when asked, and computes only the rows asked for', () => {
    const r = referenceUpGemm(inputs, { pairs: [1], mulRoutedWeight: true });
    expect(r.rows).toEqual([1]);
    expect([...r.values]).toEqual([0.75, -0.25]);
  });

  it('applies fp8 per-tensor scales: one for A, one per expert', () => {
    // Codes: 1.0 = 0x38, 2.0 = 0x40, -1.0 = 0xb8. A scale 0.5; W1 scales e0 = 4, e1 = 0.25.
    const fp8: MoeInputs = {
      problem: { ...problem, mode: 'fp8_w8a8' },
      routing: inputs.routing,
      a: { type: 'fp8e4m3', dims: [2, 2], bytes: Uint8Array.from([0x38, 0x40, 0x40, 0xb8]), scales: Float32Array.from([0.5]), scaleDims: [1], scaleBlock: [2, 2] },
      w1: {
        type: 'fp8e4m3',
        dims: [2, 2, 2],
        bytes: Uint8Array.from([0x38, 0x38, 0x38, 0xb8, 0x40, 0x38, 0x38, 0x38]),
        scales: Float32Array.from([4, 0.25]),
        scaleDims: [2],
        scaleBlock: [2, 2],
      },
    };
    // A = [[0.5, 1], [1, -0.5]]; W1[0] = 4*[[1,1],[1,-1]]; W1[1] = 0.25*[[2,1],[1,1]].
    // pair 0 (token 0, e1): [0.5,1].[0.5,0.25] = 0.5, [0.5,1].[0.25,0.25] = 0.375
    // pair 1 (token 1, e0): [1,-0.5].[4,4] = 2, [1,-0.5].[4,-4] = 6
    expect([...referenceUpGemm(fp8).values]).toEqual([0.5, 0.375, 2, 6]);
  });

  it('applies fp8 block-wise scales per token group and per weight tile', () => {
    // K=4, groups of bk=2; 2N=2 rows with bn=1. All codes 1.0 (0x38).
    // A scales [2, 3] -> A = [2,2,3,3]; W1[0] tiles [[1,10],[100,1000]] ->
    // row 0 = [1,1,10,10], row 1 = [100,100,1000,1000].
    const ones = (n: number) => new Uint8Array(n).fill(0x38);
    const fp8: MoeInputs = {
      problem: { M: 1, E: 1, N: 1, K: 4, topk: 1, mode: 'fp8_w8a8_block', blockShape: [1, 2] },
      routing: routing(1, 1, 1, [0], [1]),
      a: { type: 'fp8e4m3', dims: [1, 4], bytes: ones(4), scales: Float32Array.from([2, 3]), scaleDims: [1, 2], scaleBlock: [1, 2] },
      w1: { type: 'fp8e4m3', dims: [1, 2, 4], bytes: ones(8), scales: Float32Array.from([1, 10, 100, 1000]), scaleDims: [1, 2, 2], scaleBlock: [1, 2] },
    };
    // 2*1*2 + 3*10*2 = 64; 2*100*2 + 3*1000*2 = 6400.
    expect([...referenceUpGemm(fp8).values]).toEqual([64, 6400]);
  });
});

describe('referenceLayer', () => {
  it('runs up GEMM, silu_and_mul, down GEMM with routing weights and the top-k sum, rounding stored values to bf16', () => {
    // M=1, top-2, E=2, N=1, K=1. A = [[2]].
    // e0: W1 = [[1],[1]] -> C1 = [2, 2]; act = silu(2)*2 = 3.5231884 -> bf16 3.515625 (1.7578125*2);
    //     W2 = [[1]] -> 3.515625 * 0.75 = 2.63671875 -> bf16 2.640625.
    // e1: W1 = [[0.5],[-1]] -> C1 = [1, -2]; act = silu(1)*(-2) = -1.4621172 -> bf16 -1.4609375;
    //     W2 = [[2]] -> -2.921875 * 0.25 = -0.73046875 (exact in bf16).
    // out = 2.640625 - 0.73046875 = 1.91015625.
    const inputs: MoeInputs = {
      problem: { M: 1, E: 2, N: 1, K: 1, topk: 2, mode: 'bf16' },
      routing: routing(1, 2, 2, [0, 1], [0.75, 0.25]),
      a: bf16([1, 1], [2]),
      w1: bf16([2, 2, 1], [1, 1, 0.5, -1]),
      w2: bf16([2, 1, 1], [1, 2]),
    };
    const r = referenceLayer(inputs);
    expect(r.rows).toEqual([0]);
    expect(r.values[0]).toBe(1.91015625);
  });
});

describe('sampleRows', () => {
  it('spreads rows over the range, first and last included', () => {
    expect(sampleRows(10, 3)).toEqual([0, 5, 9]);
    expect(sampleRows(4, 10)).toEqual([0, 1, 2, 3]);
  });
});
