// The installed engine's fused_moe_kernel: its launch as that engine version launches it (bound
// by parameter name, engine-binding.ts), and the batch's buffer for each role the binding names.
import type { TileConfig } from '@moe/engine-facts';
import type { DeviceBuffer } from '../addon/types';
import type { CompileTarget } from '../compile/types';
import { bindEngineLaunch, engineSortedLength, type EngineBufferRole, type EngineLaunchPlan } from '../engine/engine-binding';
import type { EngineKernelInfo } from '../engine/engine-info';
import type { MoeProblem } from '../reference/moe-problem';
import type { AlignState } from './align-state';
import type { BatchBuffers, InputSet } from './batch-buffers';
import { RunnerArgumentError } from './errors/runner-argument-error';
import type { ArgValue } from './loaded-kernel';

export type EngineBuffers = Record<EngineBufferRole, DeviceBuffer | null>;

/** The engine's launch of GEMM `which` for a config on this problem. */
export function engineGemmPlan(engine: EngineKernelInfo, problem: MoeProblem, which: 'up' | 'down', config: TileConfig, target: CompileTarget): EngineLaunchPlan {
  const { M, topk, N, K, E, mode, blockShape } = problem;
  return bindEngineLaunch(engine, {
    gemm: which,
    mode,
    blockShape: blockShape ? [blockShape[0], blockShape[1]] : null,
    tokens: M,
    layerTopk: topk,
    E,
    N: which === 'up' ? 2 * N : K,
    K: which === 'up' ? K : N,
    config,
    sortedLength: engineSortedLength(engine.engine, M * topk, E, config.BLOCK_SIZE_M),
    target,
    outType: mode === 'fp16' ? 'fp16' : 'bf16',
  });
}

/** The buffer each engine role is for GEMM `which` on input set `set`. */
export function engineBuffers(problem: MoeProblem, which: 'up' | 'down', al: AlignState, set: InputSet, buffers: BatchBuffers): EngineBuffers {
  const { mode } = problem;
  const fp8 = mode === 'fp8_w8a8' || mode === 'fp8_w8a8_block';
  const common = {
    topk_weights: buffers.weights,
    topk_ids: buffers.ids,
    sorted_token_ids: al.sorted,
    expert_ids: al.expertIds,
    num_tokens_post_padded: al.ntpp,
    naive_ntpp: al.naiveNtpp,
  };
  if (which === 'up') return { ...common, a: set.a, a_scale: set.aScale, b: set.w.w1, b_scale: set.w.w1Scale, c: set.c1 };
  return {
    ...common,
    a: fp8 ? set.actQ! : set.act!,
    a_scale: mode === 'fp8_w8a8' ? buffers.a2ScaleBuf : mode === 'fp8_w8a8_block' ? set.actScale! : null,
    b: set.w.w2!,
    b_scale: set.w.w2Scale,
    c: set.c2!,
  };
}

/** The launch arguments of a plan: its integers, and the buffer of each role. */
export function engineArgs(plan: EngineLaunchPlan, buffers: Readonly<EngineBuffers>): Record<string, ArgValue> {
  const out: Record<string, ArgValue> = {};
  for (const { name, arg } of plan.args) {
    if ('none' in arg) continue;
    if ('int' in arg) out[name] = arg.int;
    else {
      const b = buffers[arg.role];
      if (!b) throw new RunnerArgumentError(`engine launch: no ${arg.role} buffer for ${name}; this is a bug in @moe/native's engine binding`);
      out[name] = b;
    }
  }
  return out;
}
