import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The cluster examples in docs/cluster run the commands they show: the Slurm array script (with
// a stand-in sbatch that records the merge job it submits) and the Kubernetes Indexed Job's
// script (as the pod runs it, per completion index), each against the fake GPU worker, then the
// merge of their shards.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const FAKE = path.join(repoRoot, 'packages/tuner/src/gpu/__fixtures__/fake-measure-worker.mjs');
const MOE = `${process.execPath} --import ${path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')} ${path.join(repoRoot, 'packages/kit/src/cli.ts')}`;
const UP = 'E=32,N=1792,device_name=NVIDIA_H200.json';
const DOWN = 'E=32,N=1792,device_name=NVIDIA_H200_down.json';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function bash(script: string, env: Record<string, string>, args: string[] = []) {
  const r = spawnSync('bash', [...args.length ? [script, ...args] : ['-c', script]], { cwd: repoRoot, env: { ...process.env, MOE_TUNE_WORKER: FAKE, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const mergedKeys = (dir: string, file: string) => Object.keys(JSON.parse(readFileSync(path.join(dir, 'triton_3_6_0', file), 'utf8')));

describe('docs/cluster', { timeout: 180_000 }, () => {
  it('the Slurm array script tunes one shard per task and submits the merge', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'moe-slurm-'));
    dirs.push(root);
    const bin = path.join(root, 'bin');
    mkdirSync(bin);
    // A stand-in sbatch: records what would be submitted.
    writeFileSync(path.join(bin, 'sbatch'), `#!/usr/bin/env bash\nfor a in "$@"; do case "$a" in --wrap=*) printf '%s\\n' "\${a#--wrap=}" >> ${root}/submitted;; esac; done\n`);
    chmodSync(path.join(bin, 'sbatch'), 0o755);
    const out = path.join(root, 'out');
    const env = { PATH: `${bin}:${process.env.PATH}`, OUT: out, MOE, PYTHON: '/bin/false', EXTRA: '--batch-sizes 16,256,1024 --gpus 0', SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_JOB_ID: '42' };
    for (const id of ['0', '1']) {
      const r = bash(path.join(repoRoot, 'docs/cluster/moe-tune-slurm.sh'), { ...env, SLURM_ARRAY_TASK_ID: id }, []);
      expect(r.err, `task ${id}`).toBe('');
      expect(r.code, `task ${id}`).toBe(0);
    }
    expect(existsSync(path.join(out, 'shard-1-of-2/sglang/triton_3_6_0', UP))).toBe(true);
    const submitted = readFileSync(path.join(root, 'submitted'), 'utf8').trim().split('\n');
    expect(submitted).toHaveLength(1);
    const merge = bash(submitted[0]!, env);
    expect(merge.code).toBe(0);
    for (const f of [UP, DOWN]) expect(mergedKeys(path.join(out, 'merged'), f)).toEqual(['16', '256', '1024']);
  });

  it("the Kubernetes Indexed Job's script tunes shard index+1 of MOE_SHARD_COUNT; the merge Job joins them", () => {
    const root = mkdtempSync(path.join(tmpdir(), 'moe-k8s-'));
    dirs.push(root);
    const job = readFileSync(path.join(repoRoot, 'docs/cluster/moe-tune-indexed-job.yaml'), 'utf8');
    // The pod's script: the block under `args: - |`, as the container runs it.
    const block = /args:\n\s+- \|\n((?:\s{14}.*\n)+)/.exec(job)![1]!.replace(/^ {14}/gm, '');
    const local = (s: string) => s.replaceAll('npx --yes moe', MOE).replaceAll('/configs', root).replaceAll('/opt/engine/bin/python', '/bin/false');
    const count = /MOE_SHARD_COUNT\n\s+value: "(\d+)"/.exec(job)![1]!;
    expect(count).toBe(/completions: (\d+)/.exec(job)![1]);
    for (let index = 0; index < Number(count); index++) {
      // Fewer batch sizes, so that four shards still have one each.
      const r = bash(local(block).replace('--out "$out"', '--out "$out" --batch-sizes 16,64,256,1024 --gpus 0'), { JOB_COMPLETION_INDEX: String(index), MOE_SHARD_COUNT: count, MODEL: 'LiquidAI/LFM2-8B-A1B' });
      expect(r.err, `index ${index}`).toBe('');
      expect(r.code, `index ${index}`).toBe(0);
    }
    const mergeJob = readFileSync(path.join(repoRoot, 'docs/cluster/moe-tune-merge-job.yaml'), 'utf8');
    const mergeCmd = /args:\n\s+- (.*)\n/.exec(mergeJob)![1]!;
    const merged = bash(local(mergeCmd), {});
    expect(merged.err).toBe('');
    expect(merged.code).toBe(0);
    for (const f of [UP, DOWN]) expect(mergedKeys(path.join(root, 'merged'), f)).toEqual(['16', '64', '256', '1024']);
  });
});
