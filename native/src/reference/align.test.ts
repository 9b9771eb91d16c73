import { describe, expect, it } from 'vitest';
import { alignReference, checkAlign } from './align';
import { paddedLength } from './moe-problem';
import type { Routing } from './routing';

// M=3 tokens, top-2, E=4: ids [[0,2],[2,3],[0,1]] -> pairs p0:e0 p1:e2 p2:e2 p3:e3 p4:e0 p5:e1.
const routing: Routing = {
  M: 3,
  topk: 2,
  E: 4,
  ids: Int32Array.from([0, 2, 2, 3, 0, 1]),
  weights: Float32Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]),
};

describe('paddedLength', () => {
  it('is M*topk + E*(BM-1), or M*topk*BM when that is smaller', () => {
    expect(paddedLength(3, 2, 4, 4)).toBe(18); // min(6 + 12, 24)
    expect(paddedLength(1, 4, 32, 16)).toBe(64); // min(4 + 480, 64)
    expect(paddedLength(64, 4, 32, 16)).toBe(736); // 256 + 480
  });
});

describe('alignReference', () => {
  it('groups pairs by expert, pads each group to BLOCK_SIZE_M with the sentinel', () => {
    const a = alignReference(routing, 4);
    const S = 6;
    expect([...a.sortedIds]).toEqual([0, 4, S, S, 5, S, S, S, 1, 2, S, S, 3, S, S, S, S, S]);
    expect([...a.expertIds]).toEqual([0, 1, 2, 3, -1]);
    expect(a.numPostPadded).toBe(16);
  });

  it('gives experts with no tokens no blocks', () => {
    const r: Routing = { ...routing, E: 6, ids: Int32Array.from([5, 0, 5, 0, 5, 0]) };
    const a = alignReference(r, 2);
    expect(a.numPostPadded).toBe(8); // e0: 3 -> 4, e5: 3 -> 4
    expect([...a.expertIds.subarray(0, 4)]).toEqual([0, 0, 5, 5]);
  });
});

describe('checkAlign', () => {
  it('accepts any order of pairs within an expert and of experts', () => {
    const S = 6;
    const got = {
      blockM: 4,
      sortedIds: Int32Array.from([3, S, S, S, 4, 0, S, S, 2, 1, S, S, 5, S, S, S, S, S]),
      expertIds: Int32Array.from([3, 0, 2, 1, 0]),
      numPostPadded: 16,
    };
    expect(checkAlign(routing, got)).toEqual([]);
  });

  it('finds a missing pair, a pair in the wrong expert, a wrong count', () => {
    const S = 6;
    const a = alignReference(routing, 4);
    const missing = { ...a, sortedIds: Int32Array.from(a.sortedIds).fill(S, 4, 5) };
    expect(checkAlign(routing, missing).join('\n')).toMatch(/pair 5 \(expert 1\) is missing/);
    const wrong = { ...a, expertIds: Int32Array.from([0, 2, 2, 3, -1]) };
    expect(checkAlign(routing, wrong).join('\n')).toMatch(/pair 5 \(expert 1\) sits in block 1 of expert 2/);
    const count = { ...a, numPostPadded: 12 };
    expect(checkAlign(routing, count)[0]).toMatch(/num_tokens_post_padded is 12, expected 16/);
  });
});
