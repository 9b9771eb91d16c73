import { describe, expect, it } from 'vitest';
import { decodeElements } from './element-type';
import { nonFiniteRows, POISON_BYTE } from './poison';

describe('poison', () => {
  it('0xff bytes decode as NaN in every float type the kernels write', () => {
    const bytes = new Uint8Array(8).fill(POISON_BYTE);
    for (const t of ['bf16', 'fp16', 'fp32', 'fp8e4m3'] as const) {
      for (const v of decodeElements(bytes, t)) expect(Number.isNaN(v)).toBe(true);
    }
  });
  it('finds the rows a kernel left poisoned', () => {
    // 3 rows of 2 bf16: row 1 still holds 0xffff in its second element; 0x7f80 (inf) in row 2.
    const v = Uint16Array.from([0x3f80, 0x4000, 0x3f80, 0xffff, 0x7f80, 0x3f80]);
    expect(nonFiniteRows(new Uint8Array(v.buffer), 'bf16', 2)).toEqual([1, 2]);
    const h = Uint16Array.from([0x3c00, 0x7c00]);
    expect(nonFiniteRows(new Uint8Array(h.buffer), 'fp16', 1)).toEqual([1]);
    expect(nonFiniteRows(new Uint8Array(Float32Array.from([1, NaN, 2]).buffer), 'fp32', 1)).toEqual([1]);
  });
});
