import { InvalidSearchOptionError } from '../errors/invalid-search-option-error';

/** One of `count` parts of a run's work: shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
  /** Where it came from: --shard, a Slurm job array, a Kubernetes Indexed Job. */
  from: 'flag' | 'slurm' | 'kubernetes';
}

/** `--shard i/n`: i from 1 to n. */
export function parseShard(text: string, flag = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index >= 1 && index <= count)) {
    throw new InvalidSearchOptionError(`${flag} ${text}: not i/n with i from 1 to n; pass e.g. ${flag} 1/4 (the first of four shards)`);
  }
  return { index, count, from: 'flag' };
}

/**
 * The shard a cluster job array asks for, from its environment: Slurm's SLURM_ARRAY_TASK_ID
 * (less SLURM_ARRAY_TASK_MIN, default 0) of SLURM_ARRAY_TASK_COUNT; a Kubernetes Indexed Job's
 * JOB_COMPLETION_INDEX (0-based) of MOE_SHARD_COUNT (set it to the Job's `completions`). Null
 * when neither is set.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv): Shard | null {
  const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : null);
  const slurmId = int(env.SLURM_ARRAY_TASK_ID);
  const slurmCount = int(env.SLURM_ARRAY_TASK_COUNT);
  if (slurmId !== null && slurmCount !== null && slurmCount > 0) {
    const index = slurmId - (int(env.SLURM_ARRAY_TASK_MIN) ?? 0) + 1;
    if (index < 1 || index > slurmCount) {
      throw new InvalidSearchOptionError(`SLURM_ARRAY_TASK_ID ${slurmId}: outside the array of ${slurmCount} tasks from ${int(env.SLURM_ARRAY_TASK_MIN) ?? 0}; submit with --array=0-${slurmCount - 1}, or pass --shard i/n`);
    }
    return { index, count: slurmCount, from: 'slurm' };
  }
  const k8s = int(env.JOB_COMPLETION_INDEX);
  if (k8s !== null) {
    const count = int(env.MOE_SHARD_COUNT);
    if (count === null || count < 1) {
      throw new InvalidSearchOptionError(`JOB_COMPLETION_INDEX ${k8s} is set but MOE_SHARD_COUNT is not; set MOE_SHARD_COUNT to the Job's completions (or pass --shard i/n)`);
    }
    if (k8s >= count) throw new InvalidSearchOptionError(`JOB_COMPLETION_INDEX ${k8s}: not below MOE_SHARD_COUNT ${count}; set MOE_SHARD_COUNT to the Job's completions`);
    return { index: k8s + 1, count, from: 'kubernetes' };
  }
  return null;
}

/** The batch sizes of one shard: the `index`-th of `count` contiguous runs (so auto carries over inside each). */
export function shardBatchSizes(batchSizes: readonly number[], shard: Pick<Shard, 'index' | 'count'>): number[] {
  const n = batchSizes.length;
  const from = Math.floor(((shard.index - 1) * n) / shard.count);
  const to = Math.floor((shard.index * n) / shard.count);
  return batchSizes.slice(from, to);
}
