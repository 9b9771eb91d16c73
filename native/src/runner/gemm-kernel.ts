// One fused-MoE GEMM of a batch, on whichever kernel the layer runs: the installed engine's
// (engine-args.ts) or MoE Kit's own (moe-kit-args.ts). Compiled and loaded per config.
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import { gemmGrid, type GemmInts } from '../compile/requests';
import type { EngineLaunchPlan } from '../engine/engine-binding';
import type { MoeProblem } from '../reference/moe-problem';
import type { AlignState } from './align-state';
import type { BatchBuffers, InputSet } from './batch-buffers';
import type { BatchLayer } from './batch-layer';
import { engineArgs, engineBuffers, engineGemmPlan } from './engine-args';
import type { ArgValue, LoadedKernel } from './loaded-kernel';
import { gemmInts, moeKitGemmArgs, moeKitGemmRequest } from './moe-kit-args';
import { KernelCompileError } from './errors/kernel-compile-error';

/** A loaded GEMM: the kernel, MoE Kit's integer arguments, the grid, and the engine's plan (null on MoE Kit's kernel). */
export interface GemmKernel {
  readonly kernel: LoadedKernel;
  readonly ints: GemmInts;
  readonly grid: [number, number, number];
  readonly plan: EngineLaunchPlan | null;
}

/** Compiles and loads GEMM `which` for a config over EM aligned rows. */
export async function loadGemm(layer: BatchLayer, problem: MoeProblem, which: 'up' | 'down', config: TileConfig, EM: number): Promise<GemmKernel> {
  if (layer.engine) {
    const plan = engineGemmPlan(layer.engine, problem, which, config, layer.target);
    const result = await layer.compile(plan.request);
    const kernel = layer.loader.load(`${layer.engine.engine} ${layer.engine.version} fused_moe_kernel ${which} ${tileConfigKey(config)}`, result);
    return { kernel, ints: gemmInts(problem, which, EM), grid: plan.grid, plan };
  }
  const ints = gemmInts(problem, which, EM);
  const result = await layer.compile(moeKitGemmRequest(problem, which, config, ints, layer.target));
  const kernel = layer.loader.load(`fused_moe_gemm ${which} ${tileConfigKey(config)}`, result);
  return { kernel, ints, grid: gemmGrid(config, EM, ints.N), plan: null };
}

/** Compiles GEMM `which` for a config over EM aligned rows, without loading it (a compile ahead of need); the result's cache key. */
export async function compileGemm(layer: BatchLayer, problem: MoeProblem, which: 'up' | 'down', config: TileConfig, EM: number): Promise<string> {
  const request = layer.engine ? engineGemmPlan(layer.engine, problem, which, config, layer.target).request : moeKitGemmRequest(problem, which, config, gemmInts(problem, which, EM), layer.target);
  const result = await layer.compile(request);
  if (!result.ok) throw new KernelCompileError(`fused_moe ${which} ${tileConfigKey(config)}`, result);
  return result.cacheKey;
}

/** Launch args of GEMM `which` on input set `set`: the engine's binding by role, or MoE Kit's kernel's. */
export function gemmArgs(
  problem: MoeProblem,
  which: 'up' | 'down',
  g: Pick<GemmKernel, 'ints' | 'plan'>,
  al: AlignState,
  set: InputSet,
  buffers: BatchBuffers,
): Record<string, ArgValue> {
  if (g.plan) return engineArgs(g.plan, engineBuffers(problem, which, al, set, buffers));
  return moeKitGemmArgs(problem, which, g.ints, al, set, buffers);
}
