import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TileConfig } from '@moe/engine-facts';
import { STANDIN_KERNELS } from './__fixtures__/engine-kernels';
import { bindEngineLaunch, engineSortedLength } from './engine-binding';
import { compareEngineLaunch, type EngineLaunchRecord } from './engine-check';
import type { EngineKernelInfo } from './engine-info';

/**
 * Launches recorded on an H200 (native/PERF.md "Engine kernels"): each engine stand-in's own
 * launch function run by the self-check, its fused_moe_kernel launch recorded argument by
 * argument, for bf16, fp8 per-tensor and fp8 block, M = 2 and 37, BLOCK_SIZE_M 16 and 128, up and
 * down (E=32, N=256, K=512, top-4). On that run every one of them also gave bit-identical output.
 */
interface Recorded {
  readonly infos: Record<string, EngineKernelInfo>;
  readonly launches: readonly {
    readonly standin: string;
    readonly mode: 'bf16' | 'fp8_w8a8' | 'fp8_w8a8_block';
    readonly M: number;
    readonly shape: { E: number; N: number; K: number; topk: number };
    readonly gemm: 'up' | 'down';
    readonly config: TileConfig;
    readonly naive: boolean;
    readonly EM: number;
    readonly record: EngineLaunchRecord;
  }[];
}

const recorded = JSON.parse(readFileSync(new URL('./__fixtures__/recorded-launches-h200.json', import.meta.url), 'utf8')) as Recorded;
const H200 = { backend: 'cuda', arch: 'sm_90', warpSize: 32 } as const;

function planFor(l: Recorded['launches'][number]) {
  const info = recorded.infos[l.standin]!;
  const { E, N, K, topk } = l.shape;
  return bindEngineLaunch(info, {
    gemm: l.gemm,
    mode: l.mode,
    blockShape: l.mode === 'fp8_w8a8_block' ? [128, 128] : null,
    tokens: l.M,
    layerTopk: topk,
    E,
    N: l.gemm === 'up' ? 2 * N : K,
    K: l.gemm === 'up' ? K : N,
    config: l.config,
    sortedLength: engineSortedLength(info.engine, l.M * topk, E, l.config.BLOCK_SIZE_M),
    target: H200,
    outType: 'bf16',
  });
}

describe('the recorded engine launches of the three stand-ins', () => {
  it('cover every stand-in, mode, batch and GEMM', () => {
    expect(Object.keys(recorded.infos).sort()).toEqual(['sglang-0.5.10-5cb4ea1', 'sglang-0.5.16-a358374', 'vllm-9aaf83e']);
    expect(recorded.launches.length).toBe(3 * 3 * 2 * 2 * 2);
  });

  it("the worker's parameter lists are the ones read from the kernel files", () => {
    const byVersion = Object.fromEntries(Object.values(STANDIN_KERNELS).map((k) => [k.version, k]));
    for (const info of Object.values(recorded.infos)) {
      expect(info.params).toEqual(byVersion[info.version]!.params);
      expect(info.sourceSha256).toBe(byVersion[info.version]!.sourceSha256);
    }
  });

  for (const l of recorded.launches) {
    it(`${l.standin} ${l.mode} M=${l.M} ${l.gemm} BLOCK_SIZE_M=${l.config.BLOCK_SIZE_M}: MoE Kit's binding equals the engine's launch`, () => {
      const plan = planFor(l);
      expect(compareEngineLaunch(plan, l.record)).toEqual([]);
      expect(plan.naive).toBe(l.naive);
      expect(plan.EM).toBe(l.EM);
    });
  }

  it('the vLLM launch at 8 pairs of 32 experts was the naive one; at 148 pairs the aligned one', () => {
    const v = recorded.launches.filter((l) => l.standin.startsWith('vllm'));
    expect(v.filter((l) => l.M === 2).every((l) => l.record.params.naive_block_assignment!.kind === 'bool' && l.naive)).toBe(true);
    expect(v.filter((l) => l.M === 37).every((l) => !l.naive)).toBe(true);
  });

  it('a launch that differs in one constexpr, one integer or the grid is reported', () => {
    const l = recorded.launches.find((x) => x.standin.startsWith('sglang-0.5.16') && x.mode === 'fp8_w8a8' && x.config.BLOCK_SIZE_M === 16)!;
    const plan = planFor(l);
    const swap = { ...l.record, params: { ...l.record.params, swap_ab: { kind: 'bool' as const, value: false } } };
    expect(compareEngineLaunch(plan, swap)).toEqual([expect.stringMatching(/^swap_ab: MoE Kit compiles it as true/)]);
    const em = { ...l.record, params: { ...l.record.params, EM: { kind: 'int' as const, value: 1 } } };
    expect(compareEngineLaunch(plan, em)).toEqual([expect.stringMatching(/^EM: MoE Kit passes \d+, the engine passed/)]);
    const grid = { ...l.record, grid: [1, 1, 1] };
    expect(compareEngineLaunch(plan, grid)).toEqual([expect.stringMatching(/^grid:/)]);
    const option = { ...l.record, options: { ...l.record.options, maxnreg: 128 } };
    expect(compareEngineLaunch(plan, option)).toEqual(['option maxnreg=128: the engine passes it, MoE Kit does not']);
  });
});
