import { describe, expect, it } from 'vitest';
import type { MoeProblem } from '../reference/moe-problem';
import type { Routing } from '../reference/routing';
import { REFERENCE_VERSION, referenceStoreKey, type BatchReferenceStore } from './reference-store';

const store = { get: () => null, put: () => undefined };
const use: BatchReferenceStore = { store, inputs: '{"seed":0}' };
const problem: MoeProblem = { M: 2, E: 4, N: 8, K: 16, topk: 2, mode: 'bf16' };
const routing = (ids: number[], weights: number[]): Routing => ({ M: 2, topk: 2, E: 4, ids: Int32Array.from(ids), weights: Float32Array.from(weights) });

describe('referenceStoreKey', () => {
  const base = routing([0, 1, 2, 3], [0.5, 0.5, 0.5, 0.5]);
  const key = referenceStoreKey(use, problem, base, 'up_gemm:up:0,1');

  it('is the same for the same inputs, problem, routing bytes and rows', () => {
    expect(referenceStoreKey({ store, inputs: '{"seed":0}' }, { ...problem }, routing([0, 1, 2, 3], [0.5, 0.5, 0.5, 0.5]), 'up_gemm:up:0,1')).toBe(key);
    expect(JSON.parse(key).v).toBe(REFERENCE_VERSION);
  });

  it('differs when anything the reference depends on differs', () => {
    const others = [
      referenceStoreKey({ store, inputs: '{"seed":1}' }, problem, base, 'up_gemm:up:0,1'),
      referenceStoreKey(use, { ...problem, K: 32 }, base, 'up_gemm:up:0,1'),
      referenceStoreKey(use, { ...problem, mode: 'fp16' }, base, 'up_gemm:up:0,1'),
      referenceStoreKey(use, problem, routing([0, 1, 3, 2], [0.5, 0.5, 0.5, 0.5]), 'up_gemm:up:0,1'), // one token's experts swapped
      referenceStoreKey(use, problem, routing([0, 1, 2, 3], [0.5, 0.5, 0.25, 0.75]), 'up_gemm:up:0,1'), // a weight changed
      referenceStoreKey(use, problem, base, 'up_gemm:up:0,2'),
      referenceStoreKey(use, problem, base, 'down_gemm:down:0,1'),
    ];
    expect(new Set([key, ...others]).size).toBe(others.length + 1);
  });
});
