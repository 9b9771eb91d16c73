import { describe, expect, it } from 'vitest';
import { engineGrid, tileConfig } from './engine-grid';
import { tileConfigKey } from './kernel-config';

describe('the engines tuning grid', () => {
  it('has 5 x 4 x 3 x 4 x 2 x 4 = 1,920 distinct configs, BLOCK_SIZE_M outermost and num_stages innermost', () => {
    const g = engineGrid();
    expect(g).toHaveLength(1920);
    expect(new Set(g.map(tileConfigKey)).size).toBe(1920);
    expect(tileConfigKey(g[0]!)).toBe('16/32/64/1/4/2');
    expect(tileConfigKey(g[1]!)).toBe('16/32/64/1/4/3');
    expect(tileConfigKey(g[1919]!)).toBe('256/256/256/64/8/5');
  });
  it('tileConfig takes the six numbers in file order', () => {
    expect(tileConfig(64, 128, 32, 8, 4, 3)).toEqual({ BLOCK_SIZE_M: 64, BLOCK_SIZE_N: 128, BLOCK_SIZE_K: 32, GROUP_SIZE_M: 8, num_warps: 4, num_stages: 3 });
  });
});
