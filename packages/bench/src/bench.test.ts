import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planBench } from './bench';
import { planJson, planText } from './report/plan-report';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const env = { HF_HUB_OFFLINE: '1', HF_HOME: path.join(repo, '.no-hf-home') };

describe('planBench: the dry run, no GPU', () => {
  it('resolves the model, every set per batch size, with the expected hit experts', async () => {
    const plan = await planBench({
      model: 'LiquidAI/LFM2-8B-A1B',
      engine: 'sglang',
      sets: 'shipped:reference/sglang-configs@NVIDIA H100 80GB HBM3',
      ms: [1, 2, 4096],
      stages: ['up', 'down'],
      deviceName: 'NVIDIA H200',
      tritonVersion: '3.6.0',
      env,
      cwd: repo,
    });
    expect(plan.shape).toMatchObject({ E: 32, N: 1792, K: 2048, topk: 4, mode: 'bf16', configFile: 'E=32,N=1792,device_name=NVIDIA_H200.json' });
    expect(plan.sets.map((s) => s.label)).toEqual(['default', 'shipped@NVIDIA_H100_80GB_HBM3']);
    expect(plan.notes).toEqual(['`sets` has no default: added it first, as the baseline of every speedup']);
    // 32 * (1 - (28/32)^M): 4 at M=1, 7.5 at M=2, 32 at M=4096.
    expect(plan.batches.map((b) => b.hitExperts)).toEqual([4, 7.5, 32]);
    // The default and the shipped file's "1" and "2" entries (read by hand) differ: two runs per stage.
    expect(plan.batches[0]!.runs.map((r) => [r.stage, r.sets])).toEqual([
      ['up', ['default']],
      ['down', ['default']],
      ['up', ['shipped@NVIDIA_H100_80GB_HBM3']],
      ['down', ['shipped@NVIDIA_H100_80GB_HBM3']],
    ]);
    expect(plan.batches[1]!.configs['shipped@NVIDIA_H100_80GB_HBM3']!.up.tile).toEqual({ BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 32, BLOCK_SIZE_K: 128, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 });
    const text = planText(plan);
    expect(text).toContain('stages: up, down; dry run: nothing is compiled or timed');
    expect(planJson(plan).batches).toHaveLength(3);
  });

  it('without a device name it says what to pass', async () => {
    await expect(planBench({ model: 'LiquidAI/LFM2-8B-A1B', engine: 'sglang', sets: 'default', deviceName: null, env })).rejects.toThrow(/^no `deviceName` and no GPU here/);
  });

  it('SGLang without a Triton version: the lookup searches the folders newest first, and says so', async () => {
    const plan = await planBench({ model: 'LiquidAI/LFM2-8B-A1B', engine: 'sglang', sets: 'default', ms: [1], deviceName: 'NVIDIA H200', env, cwd: repo });
    expect(plan.tritonVersion).toBeNull();
    expect(plan.notes.some((n) => /no `tritonVersion`/.test(n))).toBe(true);
  });
});
