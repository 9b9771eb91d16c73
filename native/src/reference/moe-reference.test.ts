import { describe, expect, it } from 'vitest';
import { encodeElements } from './element-type';
import { referenceDownGemm, referenceLayer, referenceUpGemm, samplePairs, sampleRows, sampleTokens, spreadExperts } from './moe-reference';
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

describe('referenceUpGemm and referenceDownGemm over many pairs of one expert', () => {
  // E=1, N=1 (2N=2), K=3, top-1. A[m] = [m, 1, -1]; W1 = [[1,2,3],[0,-1,1]] -> C1[m] = [m - 1, -2].
  // The pair counts exercise every way the rows are grouped: 8 at a time, 4 at a time (2, 3 or
  // 4 real), a lone one, and more than one pass of 32.
  for (const M of [1, 2, 3, 8, 10, 11, 13, 41]) {
    it(`M=${M}`, () => {
      const a: number[] = [];
      for (let m = 0; m < M; m++) a.push(m, 1, -1);
      const inputs: MoeInputs = {
        problem: { M, E: 1, N: 1, K: 3, topk: 1, mode: 'bf16' },
        routing: routing(M, 1, 1, new Array<number>(M).fill(0), new Array<number>(M).fill(0.5)),
        a: bf16([M, 3], a),
        w1: bf16([1, 2, 3], [1, 2, 3, 0, -1, 1]),
        // W2 [1, K=3, N=1] = [[1],[2],[-1]]: C2[m] = act[m] * [1, 2, -1] * 0.5.
        w2: bf16([1, 3, 1], [1, 2, -1]),
      };
      const want: number[] = [];
      for (let m = 0; m < M; m++) want.push(m - 1, -2);
      expect([...referenceUpGemm(inputs).values]).toEqual(want);
      const act = bf16([M, 1], Array.from({ length: M }, (_, m) => m + 1));
      const down: number[] = [];
      for (let m = 0; m < M; m++) down.push((m + 1) * 0.5, (m + 1) * 1, -(m + 1) * 0.5);
      expect([...referenceDownGemm(inputs, act).values]).toEqual(down);
    });
  }
});

/** ids[m * 4 + j] = (m + 8j) % 32: every expert gets 512 of the 16384 pairs, spread evenly. */
function bigRouting(): Routing {
  const M = 4096;
  const ids: number[] = [];
  for (let m = 0; m < M; m++) for (let j = 0; j < 4; j++) ids.push((m + 8 * j) % 32);
  return routing(M, 4, 32, ids, new Array<number>(M * 4).fill(0.25));
}

describe('spreadExperts', () => {
  it('picks the hit experts closest to evenly spaced targets over the id range', () => {
    // Targets 0, 10.33, 20.67, 31 over E=32.
    expect(spreadExperts(bigRouting(), 4)).toEqual([0, 10, 21, 31]);
    // Hit: 3, 4, 5, 17, 30. Target 10.33: 5 (5.33 away) beats 4 (6.33) and 17 (6.67).
    expect(spreadExperts(routing(5, 1, 32, [30, 4, 17, 5, 3], [1, 1, 1, 1, 1]), 4)).toEqual([3, 5, 17, 30]);
  });

  it('takes every hit expert when there are no more than asked', () => {
    expect(spreadExperts(routing(3, 1, 32, [9, 2, 9], [1, 1, 1]), 4)).toEqual([2, 9]);
  });
});

describe('samplePairs', () => {
  it('takes 32 pairs of at most 4 experts of a large routing, with the first and last pair of each', () => {
    const r = bigRouting();
    const pairs = samplePairs(r, 4, 32);
    expect(pairs).toHaveLength(32);
    expect(new Set(pairs).size).toBe(32);
    expect([...pairs].sort((a, b) => a - b)).toEqual(pairs);
    expect(new Set(pairs.map((p) => r.ids[p]))).toEqual(new Set([0, 10, 21, 31]));
    // First and last pair of each (pair = 4 token + slot, expert = (token + 8 slot) % 32):
    // e0: token 0 slot 0 = 0, token 4088 slot 1 = 16353; e10: token 2 slot 1 = 9, token 4090
    // slot 2 = 16362; e21: token 5 slot 2 = 22, token 4093 slot 2 = 16375; e31: token 7 slot 3
    // = 31, token 4095 slot 0 = 16380.
    for (const p of [0, 16353, 9, 16362, 22, 16375, 31, 16380]) expect(pairs).toContain(p);
    // 8 per expert, spread: 73 apart in the expert's list of 512, about 32 * 73 pair ids.
    for (const e of [0, 10, 21, 31]) {
      const mine = pairs.filter((p) => r.ids[p] === e);
      expect(mine).toHaveLength(8);
      for (let i = 1; i < 8; i++) expect(mine[i]! - mine[i - 1]!).toBeGreaterThan(2000);
    }
    expect(samplePairs(bigRouting(), 4, 32)).toEqual(pairs);
  });

  it('gives what a small expert cannot use to the others', () => {
    // top-1, E=32: expert 3 has 2 pairs, 4 has 10, 5 and 17 have 30, 30 has 28; 4 (not chosen) is left out.
    const ids = [...new Array<number>(2).fill(3), ...new Array<number>(10).fill(4), ...new Array<number>(30).fill(5), ...new Array<number>(30).fill(17), ...new Array<number>(28).fill(30)];
    const r = routing(100, 1, 32, ids, new Array<number>(100).fill(1));
    const pairs = samplePairs(r, 4, 32);
    // Fewest first: expert 3 takes its 2, then 30 takes floor(30 / 3) = 10, 5 and 17 take 10 each.
    const per = (e: number) => pairs.filter((p) => ids[p] === e);
    expect(per(3)).toEqual([0, 1]);
    expect(per(4)).toEqual([]);
    expect([per(5).length, per(17).length, per(30).length]).toEqual([10, 10, 10]);
    // First and last of each: expert 5 is pairs 12..41, 17 is 42..71, 30 is 72..99.
    for (const p of [12, 41, 42, 71, 72, 99]) expect(pairs).toContain(p);
  });
});

describe('sampleTokens', () => {
  it('starts at both ends of the aligned layout, then adds tokens touching the fewest new experts', () => {
    // E=8, top-2. Expert 0's first pair is token 0's; expert 7's last pair is token 9's.
    const ids = [0, 1, 2, 3, 0, 1, 4, 5, 1, 7, 2, 6, 0, 7, 3, 4, 5, 6, 7, 2];
    const r = routing(10, 2, 8, ids, new Array<number>(20).fill(0.5));
    // Tokens 0 and 9 touch 0, 1, 2, 7. Tokens 2 [0,1], 4 [1,7], 6 [0,7] add none: 4 is farthest
    // from 0 and 9 (4 away; 2 and 6 are 2 and 3 away); then 2 and 6 are both 2 away, the lower wins.
    expect(sampleTokens(r, 4)).toEqual([0, 2, 4, 9]);
    expect(sampleTokens(r, 20)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('keeps a large routing to few experts', () => {
    // bigRouting: token m's experts are the 4 ids = m mod 8. Ends: token 0 (class 0) and 4095
    // (expert 31's last pair, class 7); then tokens of classes 0 and 7 (nothing new), each the
    // farthest from those taken: 2047 (2047 away, ties 2048, lower id), 3071 (1024), 1023 (1023,
    // ties 1024), then 1535, 2559, 3583 (512 each).
    const r = bigRouting();
    const tokens = sampleTokens(r, 8);
    expect(tokens).toEqual([0, 1023, 1535, 2047, 2559, 3071, 3583, 4095]);
    expect(new Set(tokens.flatMap((t) => [0, 1, 2, 3].map((j) => r.ids[t * 4 + j]))).size).toBe(8);
  });
});
