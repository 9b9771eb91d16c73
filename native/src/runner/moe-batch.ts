import type { TileConfig } from '@moe/engine-facts';
import type { EngineLaunchPlan } from '../engine/engine-binding';
import type { MoeProblem } from '../reference/moe-problem';
import { makeRandomActivations, type MoeInputs } from '../reference/random-inputs';
import type { Routing } from '../reference/routing';
import { Alignments } from './align-state';
import { BatchBuffers, estimateA2Scale } from './batch-buffers';
import { checkDownGemm, checkLayer, checkUpGemm, type CheckReport } from './batch-checks';
import type { BatchLayer } from './batch-layer';
import type { BatchParts } from './batch-parts';
import { hitExperts, setBytes, timeDownGemm, timeLayer, timeUpGemm } from './batch-timing';
import { engineGemmPlan } from './engine-args';
import { engineCheck, engineOwnTimes, type EngineCheckReport } from './engine-self-check';
import { RunnerArgumentError } from './errors/runner-argument-error';
import { compileGemm, loadGemm } from './gemm-kernel';
import { prepareDownGemm, prepareLayer, prepareUpGemm, type PreparedRun } from './prepared-run';
import type { BatchReferenceStore } from './reference-store';
import type { Timing, TimingOptions } from './timing';

/**
 * A runner for one batch size M: routing and activations on the device, alignment per
 * BLOCK_SIZE_M, and per config: compile, launch, check against the CPU reference, time by
 * CUDA-graph replay. Each job lives in its own module, working on the batch's parts
 * (batch-parts.ts): buffers and input sets (batch-buffers.ts), the alignment (align-state.ts),
 * the GEMM on either kernel (gemm-kernel.ts, moe-kit-args.ts, engine-args.ts), launch sequences
 * (prepared-run.ts), checks (batch-checks.ts), timing (batch-timing.ts) and the engine's
 * self-check and own timing (engine-self-check.ts).
 */
export class MoeBatch {
  /** The batch's layer (a MoeLayer): what the batch uses of it. */
  readonly layer: BatchLayer;
  readonly problem: MoeProblem;
  readonly routing: Routing;
  readonly inputs: MoeInputs;
  /** fp8_w8a8 whole layer: the static scale of the intermediate activation. */
  readonly a2Scale: number | null;
  readonly paddedLengthRule: 'worst_case' | 'tight';
  private readonly parts: BatchParts;
  private disposed = false;

  constructor(layer: BatchLayer, M: number, routing: Routing, seed: number, paddedLengthRule: 'worst_case' | 'tight', referenceStore: BatchReferenceStore | null = null) {
    this.layer = layer;
    this.paddedLengthRule = paddedLengthRule;
    const s = layer.shape;
    this.problem = { M, E: s.E, N: s.N, K: s.K, topk: s.topk, mode: s.mode, blockShape: s.blockShape ?? null };
    if (routing.M !== M || routing.topk !== s.topk || routing.E !== s.E) {
      throw new RunnerArgumentError(
        `routing of M=${routing.M}, topk=${routing.topk}, E=${routing.E} does not fit the batch M=${M}, topk=${s.topk}, E=${s.E}; make the routing for this batch`,
      );
    }
    this.routing = routing;
    const a = makeRandomActivations(this.problem, seed);
    this.inputs = { problem: this.problem, routing, a, ...layer.hostWeights };
    this.a2Scale = s.mode === 'fp8_w8a8' && layer.hasDown ? estimateA2Scale(this.inputs) : null;
    const buffers = new BatchBuffers(layer, this.inputs, this.a2Scale);
    this.parts = {
      layer,
      problem: this.problem,
      routing,
      inputs: this.inputs,
      a2Scale: this.a2Scale,
      buffers,
      aligns: new Alignments(layer, this.problem, paddedLengthRule, buffers),
      references: new Map(),
      referenceStore,
    };
  }

  /** Experts with at least one pair. */
  hitExperts(): number {
    return hitExperts(this.routing);
  }

  /** Bytes one launch must touch at least (hit experts' weights, activations in and out). */
  setBytes(stage: 'up_gemm' | 'down_gemm' | 'layer'): number {
    return setBytes(this.parts, stage);
  }

  /** The engine's launch of one GEMM for a config, bound by parameter name (engine-binding.ts). */
  enginePlan(which: 'up' | 'down', config: TileConfig): EngineLaunchPlan {
    const engine = this.layer.engine;
    if (!engine) throw new RunnerArgumentError("enginePlan: this layer runs MoE Kit's kernel; create it with kernel: 'engine'");
    return engineGemmPlan(engine, this.problem, which, config, this.layer.target);
  }

  /** Compiles and loads the up GEMM (with the alignment before it) for a config. */
  prepareUpGemm(config: TileConfig, options: { withAlign?: boolean } = {}): Promise<PreparedRun> {
    return prepareUpGemm(this.parts, config, options);
  }

  /**
   * Compiles and loads the down GEMM alone for a config (as the engines run it: top_k 1 over the
   * pairs, with the routing weights), on a random [M*topk, N] intermediate of its own.
   */
  prepareDownGemm(config: TileConfig, options: { withAlign?: boolean } = {}): Promise<PreparedRun> {
    return prepareDownGemm(this.parts, config, options);
  }

  /** Compiles and loads the whole layer: align, up GEMM, silu_and_mul, (fp8 quant), down GEMM, sum. */
  prepareLayer(up: TileConfig, down: TileConfig = up): Promise<PreparedRun> {
    return prepareLayer(this.parts, up, down);
  }

  /**
   * Compiles GEMM `which` for a config (through the layer's compiler and its cache) without
   * loading it on the GPU: a compile ahead of need. Resolves to the binary's cache key; a
   * compile error rejects with KernelCompileError, as in prepare.
   */
  async compileGemm(which: 'up' | 'down', config: TileConfig): Promise<string> {
    const al = await this.parts.aligns.get(config.BLOCK_SIZE_M);
    return compileGemm(this.layer, this.problem, which, config, al.EM);
  }

  /** The compiled up GEMM's resources for a config: dynamic shared memory, registers, spills. */
  async upGemmInfo(config: TileConfig): Promise<{ sharedBytes: number; numRegs: number; localSizeBytes: number; cacheKey: string }> {
    return this.gemmInfo('up', config);
  }

  /** Shared memory, registers, local memory and compile-cache key of GEMM `which` for a config. */
  async gemmInfo(which: 'up' | 'down', config: TileConfig): Promise<{ sharedBytes: number; numRegs: number; localSizeBytes: number; cacheKey: string }> {
    const al = await this.parts.aligns.get(config.BLOCK_SIZE_M);
    const g = await loadGemm(this.layer, this.problem, which, config, al.EM);
    const a = g.kernel.fn.attributes;
    return { sharedBytes: g.kernel.result.metadata.shared, numRegs: a.numRegs, localSizeBytes: a.localSizeBytes, cacheKey: g.kernel.result.cacheKey };
  }

  /** Times the up GEMM alone (alignment done once, outside the graph). */
  timeUpGemm(config: TileConfig, options: TimingOptions = {}): Promise<Timing> {
    return timeUpGemm(this.parts, config, options);
  }

  /** Times the down GEMM alone (alignment done once, outside the graph). */
  timeDownGemm(config: TileConfig, options: TimingOptions = {}): Promise<Timing> {
    return timeDownGemm(this.parts, config, options);
  }

  /** Times the whole layer (align, up GEMM, activation, down GEMM, sum) per launch. */
  timeLayer(up: TileConfig, down: TileConfig = up, options: TimingOptions = {}): Promise<Timing> {
    return timeLayer(this.parts, up, down, options);
  }

  /**
   * Runs the alignment and the up GEMM once on poisoned outputs and checks them: the
   * alignment by meaning, every output row written, values against the float64 reference
   * (all rows, or a spread sample of rows for large shapes) within the dtype's tolerance.
   */
  checkUpGemm(config: TileConfig): Promise<CheckReport> {
    return checkUpGemm(this.parts, config);
  }

  /** Runs the alignment and the down GEMM alone once on poisoned outputs and checks them against the float64 reference. */
  checkDownGemm(config: TileConfig): Promise<CheckReport> {
    return checkDownGemm(this.parts, config);
  }

  /** Runs the whole layer once on poisoned outputs and checks the [M, K] output against the reference. */
  checkLayer(up: TileConfig, down: TileConfig = up): Promise<CheckReport> {
    return checkLayer(this.parts, up, down);
  }

  /**
   * The self-check of the engine's kernel for one GEMM and config (KERNEL.md's rule: never
   * measure a kernel MoE Kit launches differently from the engine). Runs the alignment, writes
   * the inputs, has the engine's own launch function run in the engine's Python (recorded), then
   * launches MoE Kit's binding on the same inputs: the recorded launch must equal the binding
   * (every argument, constexpr, option and the grid) and the two outputs must be bit-identical.
   */
  engineCheck(which: 'up' | 'down', config: TileConfig): Promise<EngineCheckReport> {
    return engineCheck(this.parts, which, config);
  }

  /**
   * The engine's own timing of its launches (engine_time, in the engine's Python): per config,
   * the engine's launch function runs once through Triton's JIT, then that kernel launch is
   * replayed from a CUDA graph (the same protocol as timeUpGemm with rotateInputs false).
   * Configs must share one BLOCK_SIZE_M (they share the alignment).
   */
  engineOwnTimes(
    which: 'up' | 'down',
    configs: readonly TileConfig[],
    options: { launchesPerGraph?: number; warmup?: number; repeats?: number } = {},
  ): Promise<({ ok: true; medianUs: number } | { ok: false; message: string })[]> {
    return engineOwnTimes(this.parts, which, configs, options);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.parts.buffers.free();
    this.layer.forget(this);
  }
}
