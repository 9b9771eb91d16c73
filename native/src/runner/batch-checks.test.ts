import { describe, expect, it } from 'vitest';
import type { MoeProblem } from '../reference/moe-problem';
import type { Routing } from '../reference/routing';
import { checkRows } from './batch-checks';

/** A routing with ids[m * topk + j] = (m + j * E / topk) % E (distinct per token), equal weights. */
function stridedRouting(M: number, topk: number, E: number): Routing {
  const ids = new Int32Array(M * topk);
  for (let m = 0; m < M; m++) for (let j = 0; j < topk; j++) ids[m * topk + j] = (m + (j * E) / topk) % E;
  return { M, topk, E, ids, weights: new Float32Array(M * topk).fill(1 / topk) };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('checkRows', () => {
  it('checks every row of a small problem', () => {
    // M=5, top-2, N=96, K=200: 5 * 2 * 192 * 200 = 384,000 multiply-adds, far below 3e8.
    const problem: MoeProblem = { M: 5, E: 8, N: 96, K: 200, topk: 2, mode: 'bf16' };
    const r = stridedRouting(5, 2, 8);
    expect(checkRows('up_gemm', problem, r)).toEqual({ rows: range(10), sampled: false });
    expect(checkRows('down_gemm', problem, r)).toEqual({ rows: range(10), sampled: false });
    expect(checkRows('layer', problem, r)).toEqual({ rows: range(5), sampled: false });
  });

  it('checks every row up to 3e8 multiply-adds, per stage', () => {
    // N = K = 1000, top-2. Up: M * 2 * 2000 * 1000 = 3e8 at M = 75; down: M * 2 * 1e6 at M = 150;
    // layer: M * 2 * 3e6 at M = 50.
    const at = (M: number): MoeProblem => ({ M, E: 8, N: 1000, K: 1000, topk: 2, mode: 'bf16' });
    expect(checkRows('up_gemm', at(75), stridedRouting(75, 2, 8)).sampled).toBe(false);
    expect(checkRows('up_gemm', at(76), stridedRouting(76, 2, 8)).sampled).toBe(true);
    expect(checkRows('down_gemm', at(150), stridedRouting(150, 2, 8))).toEqual({ rows: range(300), sampled: false });
    expect(checkRows('down_gemm', at(151), stridedRouting(151, 2, 8)).sampled).toBe(true);
    expect(checkRows('layer', at(50), stridedRouting(50, 2, 8))).toEqual({ rows: range(50), sampled: false });
    expect(checkRows('layer', at(51), stridedRouting(51, 2, 8)).sampled).toBe(true);
  });

  describe('LFM2-8B-A1B at M=4096 (E=32, N=1792, K=2048, top-4)', () => {
    const problem: MoeProblem = { M: 4096, E: 32, N: 1792, K: 2048, topk: 4, mode: 'bf16' };
    // Expert of pair 4m + j: (m + 8j) % 32; each expert has 512 pairs.
    const r = stridedRouting(4096, 4, 32);

    for (const stage of ['up_gemm', 'down_gemm'] as const) {
      it(`${stage}: 32 pairs of 4 experts spread over the ids, first and last pair of each, deterministic`, () => {
        const { rows, sampled } = checkRows(stage, problem, r);
        expect(sampled).toBe(true);
        expect(rows).toHaveLength(32);
        expect(new Set(rows).size).toBe(32);
        const experts = [...new Set(rows.map((p) => r.ids[p]!))].sort((a, b) => a - b);
        expect(experts).toEqual([0, 10, 21, 31]);
        // The first and last pair of each chosen expert, found by scanning the routing.
        for (const e of experts) {
          const first = r.ids.indexOf(e);
          const last = r.ids.lastIndexOf(e);
          expect(rows).toContain(first);
          expect(rows).toContain(last);
        }
        expect(checkRows(stage, problem, stridedRouting(4096, 4, 32))).toEqual({ rows, sampled });
      });
    }

    it('layer: 8 tokens (32 pairs) touching 8 experts', () => {
      const { rows, sampled } = checkRows('layer', problem, r);
      expect(sampled).toBe(true);
      // Token m's experts are the 4 ids = m mod 8: 0 and 4095 (the ends of the aligned layout)
      // touch classes 0 and 7; the rest are of those classes, each farthest from those taken.
      expect(rows).toEqual([0, 1023, 1535, 2047, 2559, 3071, 3583, 4095]);
      expect(new Set(rows.flatMap((t) => [0, 1, 2, 3].map((j) => r.ids[t * 4 + j]))).size).toBe(8);
    });
  });
});
