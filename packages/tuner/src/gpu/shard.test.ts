import { describe, expect, it } from 'vitest';
import { parseShard, shardBatchSizes, shardFromEnv } from './shard';

const SIZES = [1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 1536, 2048, 3072, 4096];

describe('shards', () => {
  it('split the batch sizes into contiguous runs that cover each once', () => {
    // 18 over 4: floor(18 k / 4) = 0, 4, 9, 13, 18.
    expect([1, 2, 3, 4].map((i) => shardBatchSizes(SIZES, { index: i, count: 4 }))).toEqual([
      [1, 2, 4, 8],
      [16, 24, 32, 48, 64],
      [96, 128, 256, 512],
      [1024, 1536, 2048, 3072, 4096],
    ]);
    expect(shardBatchSizes(SIZES, { index: 1, count: 1 })).toEqual(SIZES);
  });

  it('--shard i/n is 1-based; bad forms name the fix', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4, from: 'flag' });
    for (const bad of ['0/4', '5/4', '1', 'a/b', '1/0']) expect(() => parseShard(bad)).toThrow(/pass e.g. --shard 1\/4/);
  });

  it('comes from a Slurm array or a Kubernetes Indexed Job', () => {
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '4' })).toEqual({ index: 1, count: 4, from: 'slurm' });
    // --array=1-4: ids 1..4, min 1.
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' })).toEqual({ index: 4, count: 4, from: 'slurm' });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '2', MOE_SHARD_COUNT: '3' })).toEqual({ index: 3, count: 3, from: 'kubernetes' });
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '2' })).toThrow(/set MOE_SHARD_COUNT/);
    expect(shardFromEnv({})).toBeNull();
  });
});
