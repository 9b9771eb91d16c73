import { describe, expect, it } from 'vitest';
import { CandidateGrid, familyKey } from './candidate-grid';
import { gpuInfoForDriverName } from '@moe/config-store';
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import { engineGrid } from '@moe/engine-facts';
import { buildSearchSpace } from './search-space';

const grid = new CandidateGrid(engineGrid());
const c = (m: number, n: number, k: number, g: number, w: number, s: number): TileConfig => ({
  BLOCK_SIZE_M: m,
  BLOCK_SIZE_N: n,
  BLOCK_SIZE_K: k,
  GROUP_SIZE_M: g,
  num_warps: w,
  num_stages: s,
});

describe('CandidateGrid', () => {
  it('groups the grid into 60 tile families of 32 configs', () => {
    expect(grid.families.size).toBe(5 * 4 * 3);
    expect([...grid.families.values()].every((f) => f.length === 4 * 2 * 4)).toBe(true);
    expect(familyKey(c(64, 128, 64, 1, 4, 3))).toBe('64x128x64');
  });

  it('lists the configs one parameter away: 4 + 3 + 2 + 3 + 1 + 3 = 16 in the full grid', () => {
    const around = grid.neighbours(c(64, 128, 64, 1, 4, 3));
    expect(around).toHaveLength(16);
    expect(new Set(around.map(tileConfigKey)).size).toBe(16);
    expect(grid.neighbours(c(64, 128, 64, 1, 4, 3), ['num_warps']).map(tileConfigKey)).toEqual(['64/128/64/1/8/3']);
  });

  it('leaves out neighbours that are not candidates (pruned for shared memory)', () => {
    const pruned = new CandidateGrid(buildSearchSpace(engineGrid(), { gpu: gpuInfoForDriverName('NVIDIA H200') }).candidates);
    // 128x256x64 with 5 stages needs 5 x (128x64 + 64x256) x 2 B = 245,760 B > 232,448 B.
    const around = pruned.neighbours(c(128, 256, 64, 1, 8, 4), ['num_stages']).map((x) => x.num_stages);
    expect(around.sort()).toEqual([2, 3]);
  });

  it('adds the other warp count to tile moves whose accumulator leaves it open', () => {
    // 64x128 at 4 warps -> 64 fp32 registers per thread: open, so 8 warps is tried too.
    const around = grid.tileNeighbours(c(64, 64, 64, 1, 4, 3)).map(tileConfigKey);
    expect(around).toContain('64/128/64/1/8/3');
    // 16x64 -> 16x32 stays far below 64 registers: no extra warp variant.
    expect(grid.tileNeighbours(c(16, 64, 64, 1, 4, 3)).map(tileConfigKey)).not.toContain('16/32/64/1/8/3');
  });

  it('starts a family with warps that keep the accumulator at or under 128 registers per thread', () => {
    // 128x256 / (32 x 8) = 128 registers: 8 warps.
    expect(grid.familyStart('128x256x64')).toMatchObject({ num_warps: 8, num_stages: 3, GROUP_SIZE_M: 1 });
    // 16x32 / (32 x 4) = 4 registers: 4 warps.
    expect(grid.familyStart('16x32x64')).toMatchObject({ num_warps: 4, num_stages: 3 });
    // GROUP_SIZE_M and deep pipelines carry over from the best config known; 2 stages do not.
    expect(grid.familyStart('64x64x64', c(16, 32, 64, 32, 4, 5))).toMatchObject({ GROUP_SIZE_M: 32, num_stages: 5 });
    expect(grid.familyStart('64x64x64', c(16, 32, 64, 16, 4, 2))).toMatchObject({ GROUP_SIZE_M: 16, num_stages: 3 });
  });

  it('finds the tile families one step away', () => {
    expect(grid.adjacentFamilies('16x32x64').sort()).toEqual(['16x32x128', '16x64x64', '32x32x64']);
    expect(grid.adjacentFamilies('64x128x128')).toHaveLength(6);
  });
});
