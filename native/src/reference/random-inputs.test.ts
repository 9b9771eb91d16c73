import { describe, expect, it } from 'vitest';
import { bf16FromFloat } from './bf16';
import { dequantRow } from './dequant';
import { float32FromBits } from './float-bits';
import { fp16FromFloat } from './fp16';
import type { MoeProblem } from './moe-problem';
import { createRng, type Rng } from './prng';
import { makeRandomActivations, makeRandomInputs, makeRandomWeights, roundFloat32Bits } from './random-inputs';
import { makeRouting } from './routing';

// The per-element definition the fast bf16/fp16 path must reproduce byte for byte.
function refDraw(rng: Rng, amp: number): number {
  const r = rng.u32();
  const mag = 0.0625 + (r & 0x7fffffff) * (0.9375 / 2147483648);
  return (r & 0x80000000 ? -mag : mag) * amp;
}

function refPlain(type: 'bf16' | 'fp16', count: number, amp: number, rng: Rng): Uint8Array {
  const enc = type === 'bf16' ? bf16FromFloat : fp16FromFloat;
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = enc(refDraw(rng, amp));
  return new Uint8Array(out.buffer);
}

function expectSameBytes(got: Uint8Array, want: Uint8Array): void {
  expect(got.length).toBe(want.length);
  const diff = got.findIndex((v, i) => v !== want[i]);
  expect(diff).toBe(-1);
}

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

describe('bf16/fp16 fast path', () => {
  const shapes = [
    { E: 3, N: 5, K: 7 }, // W2 has an odd element count
    { E: 2, N: 16, K: 64 },
    { E: 4, N: 96, K: 256 },
  ];

  for (const mode of ['bf16', 'fp16'] as const) {
    it(`${mode}: W1 and W2 equal draw + ${mode}FromFloat per element`, () => {
      for (const { E, N, K } of shapes) {
        for (const seed of [0, 1, 12345]) {
          const w = makeRandomWeights({ E, N, K, topk: 1, mode }, { seed });
          // One stream, derived as the library does: W1 first, then W2.
          const rng = createRng(seed ^ 0x5eed);
          expectSameBytes(w.w1.bytes, refPlain(mode, E * 2 * N * K, 1 / Math.sqrt(K), rng));
          expectSameBytes(w.w2!.bytes, refPlain(mode, E * K * N, 4 / Math.sqrt(N), rng));
        }
      }
    });

    it(`${mode}: activations (odd count) equal the per-element definition`, () => {
      const a = makeRandomActivations({ M: 3, E: 1, N: 1, K: 333, topk: 1, mode }, 9);
      expectSameBytes(a.bytes, refPlain(mode, 3 * 333, 1, createRng(9 ^ 0xac7)));
    });
  }

  it('fp16 with amp below 2^-10 (K > 2^20: some subnormals) takes the per-element path, same bytes', () => {
    const K = 2 ** 21;
    const w = makeRandomWeights({ E: 1, N: 1, K, topk: 1, mode: 'fp16' }, { seed: 5 });
    const rng = createRng(5 ^ 0x5eed);
    expectSameBytes(w.w1.bytes, refPlain('fp16', 2 * K, 1 / Math.sqrt(K), rng));
    expectSameBytes(w.w2!.bytes, refPlain('fp16', K, 4, rng));
  });

  it('roundFloat32Bits matches bf16FromFloat and fp16FromFloat on edge and random bits', () => {
    const bad: string[] = [];
    const check = (u: number, shift: number, rebias: number, enc: (x: number) => number): void => {
      const got = roundFloat32Bits(u, shift, rebias);
      const want = enc(float32FromBits(u));
      if (got !== want) bad.push(`${shift} 0x${(u >>> 0).toString(16)}: ${got} != ${want}`);
    };
    const bf16 = (u: number): void => check(u, 16, 0, bf16FromFloat);
    const fp16 = (u: number): void => check(u, 13, 112 << 23, fp16FromFloat);
    // Ties (even and odd), just above and below them, mantissa carries, largest values.
    for (const u of [0x3f808000, 0x3f818000, 0x3f808001, 0x3f807fff, 0x3fffffff, 0x7f7fffff, 0x7f800000, 0, 1]) {
      bf16(u);
      bf16((u | 0x80000000) >>> 0);
      bf16(u | 0x80000000); // the same bits as int32
    }
    for (const u of [0x38800000, 0x38801000, 0x38803000, 0x3f801000, 0x3f803000, 0x3f801001, 0x3f800fff, 0x3fffffff, 0x477fe000]) {
      fp16(u);
    }
    const rng = createRng(3);
    for (let i = 0; i < 200000; i++) {
      const u = rng.u32();
      if ((u & 0x7f800000) !== 0x7f800000 || (u & 0x7fffff) === 0) bf16(u); // not NaN
      fp16(0x38800000 + (u % (0x477fe000 - 0x38800000 + 1))); // [2^-14, 65504]
    }
    expect(bad).toEqual([]);
  });
});
