import { describe, expect, it } from 'vitest';
import { dequantRow } from './dequant';
import type { MoeProblem } from './moe-problem';
import { makeRandomInputs } from './random-inputs';
import { makeRouting } from './routing';

describe('makeRandomInputs', () => {
  const p: MoeProblem = { M: 5, E: 3, N: 8, K: 40, topk: 2, mode: 'bf16' };
  const routing = makeRouting({ kind: 'uniform', seed: 1 }, 5, 2, 3);

  it('bf16: no zeros, magnitudes within [1/16, 1) * amplitude, seeded', () => {
    const x = makeRandomInputs(p, routing, { seed: 3 });
    for (let r = 0; r < 5; r++) {
      for (const v of dequantRow(x.a, 0, r)) {
        expect(Math.abs(v)).toBeGreaterThanOrEqual(0.0625);
        expect(Math.abs(v)).toBeLessThanOrEqual(1);
      }
    }
    expect(x.w1.bytes.length).toBe(3 * 16 * 40 * 2);
    expect(x.w2!.dims).toEqual([3, 40, 8]);
    expect([...makeRandomInputs(p, routing, { seed: 3 }).w1.bytes]).toEqual([...x.w1.bytes]);
    expect([...makeRandomInputs(p, routing, { seed: 4 }).w1.bytes]).not.toEqual([...x.w1.bytes]);
  });

  it('fp8 block: scales per [bn, bk] tile per expert, and per token group of A', () => {
    const x = makeRandomInputs({ ...p, mode: 'fp8_w8a8_block', blockShape: [4, 16] }, routing, { seed: 3, down: false });
    expect(x.w2).toBeUndefined();
    expect(x.w1.scaleDims).toEqual([3, 4, 3]); // 16 rows / 4, ceil(40 / 16)
    expect(x.a.scaleDims).toEqual([5, 3]);
    expect(new Set(x.w1.scales).size).toBe(36); // each tile its own scale
    for (const v of dequantRow(x.w1, 2, 15)) expect(v).not.toBe(0);
  });
});
