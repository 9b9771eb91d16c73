import { describe, expect, it } from 'vitest';
import { compareRows, selectRows, TOLERANCE } from './tolerance';

describe('compareRows', () => {
  it('gives the relative norm error', () => {
    // ||[0, -0.02]|| / ||[1, 2.02]|| = 0.02 / sqrt(5.0804) = 0.0088733
    const c = compareRows(Float64Array.from([1, 2]), Float64Array.from([1, 2.02]), 2, [7], TOLERANCE.bf16.gemm);
    expect(c.relError).toBeCloseTo(0.0088733, 6);
    expect(c.ok).toBe(true);
    expect(c.maxAbsError).toBeCloseTo(0.02, 12);
  });
  it('fails any NaN and names its row', () => {
    const c = compareRows(Float64Array.from([1, 2, NaN, 4]), Float64Array.from([1, 2, 3, 4]), 2, [10, 11], 1);
    expect(c.ok).toBe(false);
    expect(c.badRows).toEqual([11]);
  });
  it('selectRows picks rows in order', () => {
    expect([...selectRows(Float64Array.from([0, 1, 2, 3, 4, 5]), 2, [2, 0])]).toEqual([4, 5, 0, 1]);
  });
});
