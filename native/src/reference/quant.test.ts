import { describe, expect, it } from 'vitest';
import { quantizeTokenGroups, scaleForAmax } from './quant';

describe('fp8 quantisation', () => {
  it('scale = amax / 448, as float32', () => {
    expect(scaleForAmax(448)).toBe(1);
    expect(scaleForAmax(224)).toBe(0.5);
  });
  it('quantises per token group with each group its own scale', () => {
    // Row [1, -2 | 0.5, 0.25], groups of 2: scales 2/448 and 0.5/448.
    // Group 0: 1/(2/448) = 224 -> 0x76 (1.75 * 2^7); -2 -> -448 -> 0xfe.
    // Group 1: 0.5 -> 448 -> 0x7e; 0.25 -> 224 -> 0x76.
    const q = quantizeTokenGroups(Float64Array.from([1, -2, 0.5, 0.25]), 1, 4, 2);
    expect([...q.scales]).toEqual([Math.fround(2 / 448), Math.fround(0.5 / 448)]);
    expect([...q.codes]).toEqual([0x76, 0xfe, 0x7e, 0x76]);
  });
});
