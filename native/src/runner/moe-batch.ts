import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import type { DeviceBuffer, Stream } from '../addon/types';
import { checkAlign, type AlignResult } from '../reference/align';
import { decodeElements, ELEMENT_BYTES, roundToElement, type ElementType } from '../reference/element-type';
import { outputType, paddedLength, type MoeProblem } from '../reference/moe-problem';
import { referenceDownGemm, referenceLayer, referenceUpGemm, sampleRows, silu, type ReferenceRows } from '../reference/moe-reference';
import { nonFiniteRows, POISON_BYTE } from '../reference/poison';
import { scaleForAmax } from '../reference/quant';
import { makeRandomActivations, type MoeInputs } from '../reference/random-inputs';
import { expertCounts, type Routing } from '../reference/routing';
import { compareRows, TOLERANCE, type Comparison } from '../reference/tolerance';
import { RunnerArgumentError } from './errors/runner-argument-error';
import {
  alignCompileRequests,
  alignPlan,
  fp8QuantRequest,
  gemmCompileRequest,
  gemmGrid,
  moeSumRequest,
  siluAndMulRequest,
  type AlignLaunch,
  type AlignPlan,
  type GemmInts,
} from '../compile/requests';
import type { ArgValue, LoadedKernel } from './loaded-kernel';
import type { MoeLayer, WeightReplica } from './moe-layer';
import { uploadTensor } from './upload-tensor';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bf16FromFloat } from '../reference/bf16';
import { dequantRow, matrixDims } from '../reference/dequant';
import type { HostTensor } from '../reference/random-inputs';
import { compareEngineLaunch, type EngineLaunchRecord } from '../engine/engine-check';
import { EngineLaunchMismatchError } from '../engine/errors/engine-launch-mismatch-error';
import { bindEngineLaunch, engineSortedLength, type EngineBufferRole, type EngineLaunchPlan } from '../engine/engine-binding';
import { inputSetCount, summarize, type Timing, type TimingOptions } from './timing';

/** Device buffers of the alignment for one BLOCK_SIZE_M. */
interface AlignState {
  readonly blockM: number;
  readonly plan: AlignPlan;
  readonly launches: { count: AlignLaunch; scan: AlignLaunch; scatter: AlignLaunch };
  readonly EM: number;
  readonly numBlocks: number;
  readonly sorted: DeviceBuffer;
  readonly expertIds: DeviceBuffer;
  readonly ntpp: DeviceBuffer;
  readonly hist: DeviceBuffer;
  readonly bounds: DeviceBuffer;
  readonly count: LoadedKernel;
  readonly scan: LoadedKernel;
  readonly scatter: LoadedKernel;
  /** vLLM's naive block assignment: one int32 holding numel * BLOCK_SIZE_M. */
  readonly naiveNtpp: DeviceBuffer | null;
}

/** One rotated input set: activations, a weight replica and the outputs. */
interface InputSet {
  readonly a: DeviceBuffer;
  readonly aScale: DeviceBuffer | null;
  readonly w: WeightReplica;
  readonly c1: DeviceBuffer;
  act?: DeviceBuffer;
  actQ?: DeviceBuffer;
  actScale?: DeviceBuffer;
  c2?: DeviceBuffer;
  out?: DeviceBuffer;
}

/** What a correctness check found. */
export interface CheckReport {
  readonly ok: boolean;
  readonly stage: 'up_gemm' | 'down_gemm' | 'layer';
  readonly config: string;
  /** Problems in the alignment's outputs (empty when right). */
  readonly alignProblems: readonly string[];
  /** Output rows holding NaN/inf after the run (poisoned and never written), first 20. */
  readonly unwrittenRows: readonly number[];
  readonly unwrittenCount: number;
  readonly comparison: Comparison;
  /** Rows compared with the reference, and whether they were a sample. */
  readonly rowsChecked: number;
  readonly sampled: boolean;
}

/** What one engine self-check found (MoeBatch.engineCheck). */
export interface EngineCheckReport {
  /** The engine's launch equals MoE Kit's binding and the outputs are bit-identical. */
  readonly ok: boolean;
  readonly gemm: 'up' | 'down';
  readonly config: string;
  readonly M: number;
  readonly mode: string;
  readonly engine: string;
  /** Every way the engine's recorded launch differs from MoE Kit's binding (empty when equal). */
  readonly differences: readonly string[];
  readonly bitIdentical: boolean;
  readonly differingBytes: number;
  readonly outputBytes: number;
  /** Whether the cubin MoE Kit compiled is one Triton's JIT built for the engine's launch. */
  readonly binary: 'same' | 'different' | 'unknown';
  readonly naive: boolean;
  readonly EM: number;
  readonly record: EngineLaunchRecord;
}

/** bf16 bytes of a tensor's values as the kernel means them (fp8 times its scales). */
function dequantizedBf16(t: HostTensor): Uint8Array {
  const { rows, cols } = matrixDims(t);
  const mats = t.dims.length === 3 ? t.dims[0]! : 1;
  const out = new Uint16Array(mats * rows * cols);
  const row = new Float64Array(cols);
  for (let e = 0; e < mats; e++) {
    for (let r = 0; r < rows; r++) {
      dequantRow(t, e, r, row);
      for (let c = 0; c < cols; c++) out[(e * rows + r) * cols + c] = bf16FromFloat(row[c]!);
    }
  }
  return new Uint8Array(out.buffer);
}

/** A prepared launch sequence: compiled and loaded kernels bound to their arguments. */
export interface PreparedRun {
  /** Queues the sequence on `stream` (null: the default stream) with input set `set`. */
  enqueue(stream: Stream | null, set: number): void;
  readonly needsLayerBuffers: boolean;
}

/** Decodes only rows `rows` of a row-major [*, width] output of type `type`. */
function decodeRows(bytes: Uint8Array, type: ElementType, width: number, rows: readonly number[]): Float64Array {
  const size = ELEMENT_BYTES[type];
  const out = new Float64Array(rows.length * width);
  rows.forEach((r, i) => out.set(decodeElements(bytes.subarray(r * width * size, (r + 1) * width * size), type), i * width));
  return out;
}

function stripScaleStrides(ints: GemmInts): GemmInts {
  const { stride_asm: _a, stride_ask: _b, stride_bse: _c, stride_bsk: _d, stride_bsn: _e, ...rest } = ints;
  return rest;
}

/** Multiply-adds above which checks use sampled rows instead of the whole output. */
const FULL_CHECK_MACS = 3e8;
const SAMPLE_ROWS = 96;

/**
 * A runner for one batch size M: routing and activations on the device, alignment per
 * BLOCK_SIZE_M, and per config: compile, launch, check against the CPU reference, time by
 * CUDA-graph replay.
 */
export class MoeBatch {
  readonly layer: MoeLayer;
  readonly problem: MoeProblem;
  readonly routing: Routing;
  readonly inputs: MoeInputs;
  /** fp8_w8a8 whole layer: the static scale of the intermediate activation. */
  readonly a2Scale: number | null;
  readonly paddedLengthRule: 'worst_case' | 'tight';
  private readonly ids: DeviceBuffer;
  private readonly weights: DeviceBuffer;
  private readonly a2ScaleBuf: DeviceBuffer | null;
  private readonly sets: InputSet[] = [];
  private readonly aligns = new Map<number, Promise<AlignState>>();
  private readonly owned: DeviceBuffer[] = [];
  /** Reference rows do not depend on the config: computed once per batch and row set. */
  private readonly refCache = new Map<string, ReferenceRows>();
  private disposed = false;
  /** The down GEMM's own input when it runs alone: a random intermediate and its scales. */
  private downIn: { host: HostTensor; a: DeviceBuffer; aScale: DeviceBuffer | null } | null = null;

  constructor(layer: MoeLayer, M: number, routing: Routing, seed: number, paddedLengthRule: 'worst_case' | 'tight') {
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
    const ctx = layer.ctx;
    this.ids = this.own(ctx.alloc(Math.max(routing.ids.byteLength, 16)));
    this.ids.upload(routing.ids);
    this.weights = this.own(ctx.alloc(Math.max(routing.weights.byteLength, 16)));
    this.weights.upload(routing.weights);
    this.a2Scale = s.mode === 'fp8_w8a8' && layer.hasDown ? this.estimateA2Scale() : null;
    this.a2ScaleBuf = null;
    if (this.a2Scale !== null) {
      this.a2ScaleBuf = this.own(ctx.alloc(16));
      this.a2ScaleBuf.upload(Float32Array.from([this.a2Scale]));
    }
  }

  private int32Buffer(value: number): DeviceBuffer {
    const b = this.layer.ctx.alloc(16);
    b.upload(Int32Array.from([value, 0, 0, 0]));
    return b;
  }

  private own(b: DeviceBuffer): DeviceBuffer {
    this.owned.push(b);
    return b;
  }

  /** A static activation scale for the down GEMM's input: amax over sampled pairs, 25% headroom. */
  private estimateA2Scale(): number {
    const { M, topk, N } = this.problem;
    const pairs = sampleRows(M * topk, 32);
    const c1 = referenceUpGemm(this.inputs, { pairs });
    let amax = 0;
    for (let i = 0; i < pairs.length; i++) {
      for (let n = 0; n < N; n++) {
        const g = roundToElement(c1.values[i * 2 * N + n]!, 'bf16');
        const u = roundToElement(c1.values[i * 2 * N + N + n]!, 'bf16');
        amax = Math.max(amax, Math.abs(silu(g) * u));
      }
    }
    return scaleForAmax(amax * 1.25);
  }

  private cachedRef(key: string, make: () => ReferenceRows): ReferenceRows {
    let r = this.refCache.get(key);
    if (!r) {
      r = make();
      this.refCache.set(key, r);
    }
    return r;
  }

  /** Experts with at least one pair. */
  hitExperts(): number {
    return [...expertCounts(this.routing)].filter((c) => c > 0).length;
  }

  /** Bytes one launch must touch at least (hit experts' weights, activations in and out). */
  setBytes(stage: 'up_gemm' | 'down_gemm' | 'layer'): number {
    const { M, topk, N, K, mode } = this.problem;
    const eb = mode === 'bf16' || mode === 'fp16' ? 2 : 1;
    const hit = this.hitExperts();
    if (stage === 'down_gemm') return hit * this.layer.expertBytes('w2') + M * topk * (N * eb + K * 2);
    const up = hit * this.layer.expertBytes('w1') + M * K * eb + M * topk * 2 * N * 2;
    if (stage === 'up_gemm') return up;
    return up + hit * this.layer.expertBytes('w2') + M * topk * (N * 2 + N + K * 2) + M * K * 2;
  }

  private ensureSets(n: number, layerBuffers: boolean): void {
    const ctx = this.layer.ctx;
    const { M, topk, N, K, mode, blockShape } = this.problem;
    const pairs = M * topk;
    const ob = 2;
    while (this.sets.length < n) {
      const i = this.sets.length;
      let a: DeviceBuffer;
      let aScale: DeviceBuffer | null;
      if (i === 0) {
        const up = uploadTensor(ctx, this.inputs.a);
        a = up.data;
        aScale = up.scale;
      } else {
        a = ctx.alloc(this.sets[0]!.a.bytes);
        a.copyFrom(this.sets[0]!.a);
        aScale = this.sets[0]!.aScale ? ctx.alloc(this.sets[0]!.aScale.bytes) : null;
        if (aScale) aScale.copyFrom(this.sets[0]!.aScale!);
      }
      this.own(a);
      if (aScale) this.own(aScale);
      const c1 = this.own(ctx.alloc(pairs * 2 * N * ob));
      this.sets.push({ a, aScale, w: this.layer.replica(i), c1 });
    }
    if (!layerBuffers) return;
    for (const s of this.sets.slice(0, n)) {
      if (s.out) continue;
      s.act = this.own(ctx.alloc(pairs * N * ob));
      if (mode === 'fp8_w8a8' || mode === 'fp8_w8a8_block') {
        s.actQ = this.own(ctx.alloc(Math.max(pairs * N, 16)));
        if (mode === 'fp8_w8a8_block') s.actScale = this.own(ctx.alloc(Math.max(pairs * Math.ceil(N / blockShape![1]) * 4, 16)));
      }
      s.c2 = this.own(ctx.alloc(pairs * K * ob));
      s.out = this.own(ctx.alloc(M * K * ob));
    }
  }

  /** Compiles and loads the alignment kernels for BLOCK_SIZE_M and allocates their buffers. */
  private align(blockM: number): Promise<AlignState> {
    let p = this.aligns.get(blockM);
    if (!p) {
      p = (async () => {
        const { M, topk, E } = this.problem;
        const numel = M * topk;
        const worst = alignPlan(numel, E, blockM);
        // 'tight': with fewer pairs than experts, at most numel experts are hit, each padded to
        // <= BLOCK_SIZE_M, so EM = min(worst case, numel * BLOCK_SIZE_M) is enough (fewer idle programs).
        const engine = this.layer.engine;
        const EM = engine
          ? engineSortedLength(engine.engine, numel, E, blockM)
          : this.paddedLengthRule === 'tight'
            ? paddedLength(M, topk, E, blockM)
            : worst.EM;
        const plan: AlignPlan = { ...worst, EM, numBlocks: Math.ceil(EM / blockM) };
        const launches = alignCompileRequests(plan, this.layer.target);
        const [count, scan, scatter] = await Promise.all(
          [launches.count, launches.scan, launches.scatter].map((l) => this.layer.compile(l.request)),
        );
        const L = this.layer.loader;
        const ctx = this.layer.ctx;
        return {
          blockM,
          plan,
          launches,
          EM,
          numBlocks: plan.numBlocks,
          sorted: this.own(ctx.alloc(EM * 4)),
          expertIds: this.own(ctx.alloc(Math.max(plan.numBlocks * 4, 16))),
          ntpp: this.own(ctx.alloc(16)),
          hist: this.own(ctx.alloc(plan.histInts * 4)),
          bounds: this.own(ctx.alloc(plan.boundsInts * 4)),
          count: L.load('moe_align_count', count!),
          scan: L.load('moe_align_scan', scan!),
          scatter: L.load('moe_align_scatter', scatter!),
          naiveNtpp: engine?.engine === 'vllm' ? this.own(this.int32Buffer(numel * blockM)) : null,
        };
      })();
      this.aligns.set(blockM, p);
    }
    return p;
  }

  private enqueueAlign(al: AlignState, stream: Stream | null): void {
    const { count, scan, scatter } = al.launches;
    const bufs = {
      topk_ids_ptr: this.ids,
      hist_ptr: al.hist,
      bounds_ptr: al.bounds,
      sorted_token_ids_ptr: al.sorted,
      num_tokens_post_padded_ptr: al.ntpp,
      expert_ids_ptr: al.expertIds,
      expert_map_ptr: null,
    };
    al.count.launch(count.grid, { ...bufs, ...count.ints }, stream);
    al.scan.launch(scan.grid, { ...bufs, ...scan.ints }, stream);
    al.scatter.launch(scatter.grid, { ...bufs, ...scatter.ints }, stream);
  }

  private gemmInts(which: 'up' | 'down', EM: number): GemmInts {
    const { M, topk, N, K, blockShape } = this.problem;
    const outN = which === 'up' ? 2 * N : K;
    const inK = which === 'up' ? K : N;
    const [bn, bk] = blockShape ?? [128, 128];
    const tk = Math.ceil(inK / bk);
    return {
      N: outN,
      K: inK,
      EM,
      num_valid_tokens: M * topk,
      stride_am: inK,
      stride_ak: 1,
      stride_be: outN * inK,
      stride_bk: 1,
      stride_bn: inK,
      stride_cm: outN,
      stride_cn: 1,
      stride_asm: tk,
      stride_ask: 1,
      stride_bse: Math.ceil(outN / bn) * tk,
      stride_bsk: 1,
      stride_bsn: tk,
    };
  }

  /** The engine's launch of one GEMM for a config, bound by parameter name (engine-binding.ts). */
  enginePlan(which: 'up' | 'down', config: TileConfig): EngineLaunchPlan {
    const engine = this.layer.engine;
    if (!engine) throw new RunnerArgumentError("enginePlan: this layer runs MoE Kit's kernel; create it with kernel: 'engine'");
    const { M, topk, N, K, E, mode, blockShape } = this.problem;
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
      target: this.layer.target,
      outType: mode === 'fp16' ? 'fp16' : 'bf16',
    });
  }

  private async gemm(
    which: 'up' | 'down',
    config: TileConfig,
    EM: number,
  ): Promise<{ kernel: LoadedKernel; ints: GemmInts; grid: [number, number, number]; plan: EngineLaunchPlan | null }> {
    if (this.layer.engine) {
      const plan = this.enginePlan(which, config);
      const result = await this.layer.compile(plan.request);
      const kernel = this.layer.loader.load(`${this.layer.engine.engine} ${this.layer.engine.version} fused_moe_kernel ${which} ${tileConfigKey(config)}`, result);
      return { kernel, ints: this.gemmInts(which, EM), grid: plan.grid, plan };
    }
    const ints = this.gemmInts(which, EM);
    const { mode, blockShape } = this.problem;
    const req = gemmCompileRequest({
      mode,
      config,
      mulRoutedWeight: which === 'down',
      topK: which === 'up' ? this.problem.topk : 1,
      ints: mode === 'fp8_w8a8_block' ? ints : stripScaleStrides(ints),
      target: this.layer.target,
      ...(blockShape ? { blockShape: [blockShape[0], blockShape[1]] as [number, number] } : {}),
    });
    const result = await this.layer.compile(req);
    const kernel = this.layer.loader.load(`fused_moe_gemm ${which} ${tileConfigKey(config)}`, result);
    return { kernel, ints, grid: gemmGrid(config, EM, ints.N), plan: null };
  }

  /** The buffer each engine role is for GEMM `which` on input set `set`. */
  private engineBuffers(which: 'up' | 'down', al: AlignState, set: InputSet): Record<EngineBufferRole, DeviceBuffer | null> {
    const { mode } = this.problem;
    const fp8 = mode === 'fp8_w8a8' || mode === 'fp8_w8a8_block';
    const common = {
      topk_weights: this.weights,
      topk_ids: this.ids,
      sorted_token_ids: al.sorted,
      expert_ids: al.expertIds,
      num_tokens_post_padded: al.ntpp,
      naive_ntpp: al.naiveNtpp,
    };
    if (which === 'up') return { ...common, a: set.a, a_scale: set.aScale, b: set.w.w1, b_scale: set.w.w1Scale, c: set.c1 };
    return {
      ...common,
      a: fp8 ? set.actQ! : set.act!,
      a_scale: mode === 'fp8_w8a8' ? this.a2ScaleBuf : mode === 'fp8_w8a8_block' ? set.actScale! : null,
      b: set.w.w2!,
      b_scale: set.w.w2Scale,
      c: set.c2!,
    };
  }

  private engineArgs(plan: EngineLaunchPlan, buffers: Readonly<Record<EngineBufferRole, DeviceBuffer | null>>): Record<string, ArgValue> {
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

  /** Launch args of GEMM `which`: the engine's binding by role, or MoE Kit's kernel's. */
  private argsFor(
    which: 'up' | 'down',
    g: { ints: GemmInts; plan: EngineLaunchPlan | null },
    al: AlignState,
    set: InputSet,
  ): Record<string, ArgValue> {
    if (g.plan) return this.engineArgs(g.plan, this.engineBuffers(which, al, set));
    return this.gemmArgs(which, g.ints, al, set);
  }

  private gemmArgs(
    which: 'up' | 'down',
    ints: GemmInts,
    al: AlignState,
    set: InputSet,
  ): Record<string, ArgValue> {
    const { mode } = this.problem;
    const fp8 = mode === 'fp8_w8a8' || mode === 'fp8_w8a8_block';
    const base: Record<string, ArgValue> = {
      topk_weights_ptr: this.weights,
      sorted_token_ids_ptr: al.sorted,
      expert_ids_ptr: al.expertIds,
      num_tokens_post_padded_ptr: al.ntpp,
      ...(ints as unknown as Record<string, number>),
    };
    if (which === 'up') {
      return { ...base, a_ptr: set.a, b_ptr: set.w.w1, c_ptr: set.c1, a_scale_ptr: set.aScale, b_scale_ptr: set.w.w1Scale };
    }
    return {
      ...base,
      a_ptr: fp8 ? set.actQ! : set.act!,
      b_ptr: set.w.w2!,
      c_ptr: set.c2!,
      a_scale_ptr: mode === 'fp8_w8a8' ? this.a2ScaleBuf : mode === 'fp8_w8a8_block' ? set.actScale! : null,
      b_scale_ptr: set.w.w2Scale,
    };
  }

  /** Compiles and loads the up GEMM (with the alignment before it) for a config. */
  async prepareUpGemm(config: TileConfig, options: { withAlign?: boolean } = {}): Promise<PreparedRun> {
    const al = await this.align(config.BLOCK_SIZE_M);
    const g = await this.gemm('up', config, al.EM);
    return {
      needsLayerBuffers: false,
      enqueue: (stream, set) => {
        if (options.withAlign) this.enqueueAlign(al, stream);
        g.kernel.launch(g.grid, this.argsFor('up', g, al, this.sets[set]!), stream);
      },
    };
  }

  private downInputBuffers(): { host: HostTensor; a: DeviceBuffer; aScale: DeviceBuffer | null } {
    if (!this.downIn) {
      const host = this.downInput();
      const up = uploadTensor(this.layer.ctx, host);
      this.own(up.data);
      if (up.scale) this.own(up.scale);
      this.downIn = { host, a: up.data, aScale: up.scale };
    }
    return this.downIn;
  }

  /**
   * Compiles and loads the down GEMM alone for a config (as the engines run it: top_k 1 over the
   * pairs, with the routing weights), on a random [M*topk, N] intermediate of its own.
   */
  async prepareDownGemm(config: TileConfig, options: { withAlign?: boolean } = {}): Promise<PreparedRun> {
    if (!this.layer.hasDown) throw new RunnerArgumentError('the layer was made with down: false; create it with down: true to run the down GEMM');
    const al = await this.align(config.BLOCK_SIZE_M);
    const g = await this.gemm('down', config, al.EM);
    const input = this.downInputBuffers();
    return {
      needsLayerBuffers: true,
      enqueue: (stream, set) => {
        if (options.withAlign) this.enqueueAlign(al, stream);
        const s = this.sets[set]!;
        let args: Record<string, ArgValue>;
        if (g.plan) args = this.engineArgs(g.plan, { ...this.engineBuffers('down', al, s), a: input.a, a_scale: input.aScale });
        else args = { ...this.gemmArgs('down', g.ints, al, s), a_ptr: input.a, a_scale_ptr: input.aScale };
        g.kernel.launch(g.grid, args, stream);
      },
    };
  }

  /** Times the down GEMM alone (alignment done once, outside the graph). */
  async timeDownGemm(config: TileConfig, options: TimingOptions = {}): Promise<Timing> {
    this.ensureSets(1, true);
    const run = await this.prepareDownGemm(config);
    return this.time('down_gemm', run, await this.align(config.BLOCK_SIZE_M), options);
  }

  /** Runs the alignment and the down GEMM alone once on poisoned outputs and checks them against the float64 reference. */
  async checkDownGemm(config: TileConfig): Promise<CheckReport> {
    this.ensureSets(1, true);
    const run = await this.prepareDownGemm(config, { withAlign: true });
    const al = await this.align(config.BLOCK_SIZE_M);
    const s = this.sets[0]!;
    for (const b of [al.sorted, al.expertIds, al.ntpp, s.c2!]) b.fill(POISON_BYTE, 1);
    run.enqueue(null, 0);
    await this.layer.ctx.synchronize();
    const alignProblems = checkAlign(this.routing, await this.downloadAlign(al));
    const { M, topk, N, K, mode } = this.problem;
    const bytes = await s.c2!.download();
    const bad = nonFiniteRows(bytes, outputType(mode) as 'bf16' | 'fp16', K);
    const total = M * topk;
    const sampled = total * K * N > FULL_CHECK_MACS;
    const rows = sampled ? sampleRows(total, SAMPLE_ROWS) : sampleRows(total, total);
    const host = this.downInputBuffers().host;
    const ref = this.cachedRef(`down:${rows.join(',')}`, () => referenceDownGemm(this.inputs, host, { pairs: rows }));
    const got = decodeRows(bytes, outputType(mode), K, rows);
    const comparison = compareRows(got, ref.values, K, rows, TOLERANCE[mode].gemm);
    return {
      ok: alignProblems.length === 0 && bad.length === 0 && comparison.ok,
      stage: 'down_gemm',
      config: tileConfigKey(config),
      alignProblems,
      unwrittenRows: bad.slice(0, 20),
      unwrittenCount: bad.length,
      comparison,
      rowsChecked: rows.length,
      sampled,
    };
  }

  /** The compiled up GEMM's resources for a config: dynamic shared memory, registers, spills. */
  async upGemmInfo(config: TileConfig): Promise<{ sharedBytes: number; numRegs: number; localSizeBytes: number; cacheKey: string }> {
    const al = await this.align(config.BLOCK_SIZE_M);
    const g = await this.gemm('up', config, al.EM);
    const a = g.kernel.fn.attributes;
    return { sharedBytes: g.kernel.result.metadata.shared, numRegs: a.numRegs, localSizeBytes: a.localSizeBytes, cacheKey: g.kernel.result.cacheKey };
  }

  /** Compiles and loads the whole layer: align, up GEMM, silu_and_mul, (fp8 quant), down GEMM, sum. */
  async prepareLayer(up: TileConfig, down: TileConfig = up): Promise<PreparedRun> {
    if (!this.layer.hasDown) throw new RunnerArgumentError('the layer was made with down: false; create it with down: true to run the whole layer');
    if (down.BLOCK_SIZE_M !== up.BLOCK_SIZE_M) {
      throw new RunnerArgumentError(
        `down config BLOCK_SIZE_M=${down.BLOCK_SIZE_M} differs from the up config's ${up.BLOCK_SIZE_M}; both GEMMs share one alignment: use the same BLOCK_SIZE_M`,
      );
    }
    const { M, topk, N, K, mode, blockShape } = this.problem;
    const t = this.layer.target;
    const al = await this.align(up.BLOCK_SIZE_M);
    const group = blockShape?.[1] ?? 128;
    const pairs = M * topk;
    const dtype = mode === 'fp16' ? 'fp16' : 'bf16';
    const siluL = siluAndMulRequest({ rows: pairs, N, strideXRow: 2 * N, strideOutRow: N, target: t, dtype });
    const sumL = moeSumRequest({ M, K, topK: topk, strideXRow: K, strideOutRow: K, target: t, dtype });
    const quantL =
      mode === 'fp8_w8a8' || mode === 'fp8_w8a8_block'
        ? fp8QuantRequest({
            kind: mode === 'fp8_w8a8' ? 'per_tensor' : 'per_token_group',
            rows: pairs,
            K: N,
            strideXRow: N,
            strideQRow: N,
            strideSRow: Math.ceil(N / group),
            group,
            target: t,
          })
        : null;
    const [g1, g2, siluR, sumR, quantR] = await Promise.all([
      this.gemm('up', up, al.EM),
      this.gemm('down', down, al.EM),
      this.layer.compile(siluL.request),
      this.layer.compile(sumL.request),
      quantL ? this.layer.compile(quantL.request) : Promise.resolve(null),
    ]);
    const L = this.layer.loader;
    const siluK = L.load('silu_and_mul', siluR);
    const sumK = L.load('moe_sum', sumR);
    const quantK = quantR && quantL ? L.load(quantL.request.kernel, quantR) : null;
    return {
      needsLayerBuffers: true,
      enqueue: (stream, i) => {
        const s = this.sets[i]!;
        this.enqueueAlign(al, stream);
        g1.kernel.launch(g1.grid, this.argsFor('up', g1, al, s), stream);
        siluK.launch(siluL.grid, { x_ptr: s.c1, out_ptr: s.act!, ...siluL.ints }, stream);
        if (quantK && quantL) {
          const scale = mode === 'fp8_w8a8' ? this.a2ScaleBuf : s.actScale!;
          quantK.launch(quantL.grid, { x_ptr: s.act!, q_ptr: s.actQ!, scale_ptr: scale, ...quantL.ints }, stream);
        }
        g2.kernel.launch(g2.grid, this.argsFor('down', g2, al, s), stream);
        sumK.launch(sumL.grid, { x_ptr: s.c2!, out_ptr: s.out!, ...sumL.ints }, stream);
      },
    };
  }

  /**
   * Writes the inputs of GEMM `which` for BLOCK_SIZE_M al.blockM into `dir` as the engine's
   * call site takes them (raw little-endian files), after running MoE Kit's alignment.
   */
  private async engineInputs(
    which: 'up' | 'down',
    al: AlignState,
    dir: string,
  ): Promise<{ tensors: Record<string, { path: string; dtype: string; shape: number[] }>; call: Record<string, unknown>; output: { dtype: string; shape: number[] } }> {
    const engine = this.layer.engine!;
    const ctx = this.layer.ctx;
    const { M, topk, N, K, E, mode, blockShape } = this.problem;
    const pairs = M * topk;
    const fp8 = mode === 'fp8_w8a8' || mode === 'fp8_w8a8_block';
    this.ensureSets(1, false);
    this.enqueueAlign(al, null);
    await ctx.synchronize();
    const [sorted, expertIds, ntpp] = await Promise.all([al.sorted.download(), al.expertIds.download({ bytes: al.numBlocks * 4 }), al.ntpp.download({ bytes: 4 })]);
    const aHost = which === 'up' ? this.inputs.a : this.downInput();
    const bHost = which === 'up' ? this.layer.hostWeights.w1 : this.layer.hostWeights.w2!;
    const rows = which === 'up' ? M : pairs;
    const nOut = which === 'up' ? 2 * N : K;
    const kIn = which === 'up' ? K : N;
    const outType = mode === 'fp16' ? 'fp16' : 'bf16';
    const tensors: Record<string, { path: string; dtype: string; shape: number[] }> = {};
    const put = (name: string, bytes: Uint8Array, dtype: string, shape: number[]) => {
      const file = path.join(dir, `${name}.bin`);
      writeFileSync(file, bytes);
      tensors[name] = { path: file, dtype, shape };
    };
    // SGLang quantises activations inside its launch function: it takes them in bf16.
    const engineQuantises = engine.engine === 'sglang' && fp8;
    if (engineQuantises) put('A', dequantizedBf16(aHost), 'bf16', [rows, kIn]);
    else put('A', aHost.bytes, fp8 ? 'fp8e4nv' : outType, [rows, kIn]);
    const scaleBytes = (t: HostTensor) => new Uint8Array(t.scales!.buffer, t.scales!.byteOffset, t.scales!.byteLength);
    if (fp8 && (mode === 'fp8_w8a8' || !engineQuantises)) {
      put('A_scale', scaleBytes(aHost), 'fp32', mode === 'fp8_w8a8' ? [1] : [rows, Math.ceil(kIn / blockShape![1])]);
    }
    put('B', bHost.bytes, fp8 ? 'fp8e4nv' : outType, [E, nOut, kIn]);
    if (fp8) put('B_scale', scaleBytes(bHost), 'fp32', mode === 'fp8_w8a8' ? [E] : [E, Math.ceil(nOut / blockShape![0]), Math.ceil(kIn / blockShape![1])]);
    const r = this.routing;
    put('topk_weights', new Uint8Array(r.weights.buffer, r.weights.byteOffset, r.weights.byteLength), 'fp32', [M, topk]);
    put('topk_ids', new Uint8Array(r.ids.buffer, r.ids.byteOffset, r.ids.byteLength), 'i32', [M, topk]);
    put('sorted_token_ids', sorted, 'i32', [al.EM]);
    put('expert_ids', expertIds, 'i32', [al.numBlocks]);
    put('num_tokens_post_padded', ntpp, 'i32', [1]);
    const call = {
      gemm: which,
      mode,
      block_shape: blockShape ?? null,
      tokens: M,
      layer_topk: topk,
      E,
      top_k: which === 'up' ? topk : 1,
      mul_routed_weight: which === 'down',
      out_dtype: outType,
    };
    return { tensors, call, output: { dtype: outType, shape: [pairs, nOut] } };
  }

  /** The down GEMM's input for checks: a random [M*topk, N] activation in the mode's encoding. */
  private downInput(): HostTensor {
    const { M, topk, N } = this.problem;
    return makeRandomActivations({ ...this.problem, M: M * topk, K: N }, this.layer.seed + 7919 * M + 1);
  }

  /**
   * The engine's own timing of its launches (engine_time, in the engine's Python): per config,
   * the engine's launch function runs once through Triton's JIT, then that kernel launch is
   * replayed from a CUDA graph (the same protocol as timeUpGemm with rotateInputs false).
   * Configs must share one BLOCK_SIZE_M (they share the alignment).
   */
  async engineOwnTimes(
    which: 'up' | 'down',
    configs: readonly TileConfig[],
    options: { launchesPerGraph?: number; warmup?: number; repeats?: number } = {},
  ): Promise<({ ok: true; medianUs: number } | { ok: false; message: string })[]> {
    const svc = this.layer.compiler;
    if (!this.layer.engine || !svc.engineRequest) throw new RunnerArgumentError("engineOwnTimes: this layer runs MoE Kit's kernel; create it with kernel: 'engine'");
    if (configs.length === 0) return [];
    const bm = configs[0]!.BLOCK_SIZE_M;
    if (configs.some((c) => c.BLOCK_SIZE_M !== bm)) throw new RunnerArgumentError('engineOwnTimes: the configs must share one BLOCK_SIZE_M (they share the alignment); group them by BLOCK_SIZE_M');
    const al = await this.align(bm);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'moe-engine-time-'));
    try {
      const { tensors, call, output } = await this.engineInputs(which, al, dir);
      const res = await svc.engineRequest('engine_time', {
        tensors,
        output,
        call,
        configs,
        launches: options.launchesPerGraph ?? 10,
        warmup: options.warmup ?? 5,
        repeats: options.repeats ?? 20,
      });
      if (!res.ok) throw new EngineLaunchMismatchError(`engine_time: the engine's own launch failed: ${String(res.message)}`);
      return (res.results as Array<Record<string, unknown>>).map((r) =>
        r.ok ? { ok: true as const, medianUs: Number(r.median_us) } : { ok: false as const, message: String(r.message) },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * The self-check of the engine's kernel for one GEMM and config (KERNEL.md's rule: never
   * measure a kernel MoE Kit launches differently from the engine). Runs the alignment, writes
   * the inputs, has the engine's own launch function run in the engine's Python (recorded), then
   * launches MoE Kit's binding on the same inputs: the recorded launch must equal the binding
   * (every argument, constexpr, option and the grid) and the two outputs must be bit-identical.
   */
  async engineCheck(which: 'up' | 'down', config: TileConfig): Promise<EngineCheckReport> {
    const engine = this.layer.engine;
    const svc = this.layer.compiler;
    if (!engine || !svc.engineRequest) throw new RunnerArgumentError("engineCheck: this layer runs MoE Kit's kernel; create it with kernel: 'engine' on a pool started with an engine");
    if (which === 'down' && !this.layer.hasDown) throw new RunnerArgumentError('engineCheck down: the layer was made with down: false; create it with down: true');
    const ctx = this.layer.ctx;
    const { M, topk, N, K, mode } = this.problem;
    const pairs = M * topk;
    const plan = this.enginePlan(which, config);
    const compiled = this.gemm(which, config, plan.EM);
    const al = await this.align(config.BLOCK_SIZE_M);
    const nOut = which === 'up' ? 2 * N : K;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'moe-engine-check-'));
    const temp: DeviceBuffer[] = [];
    try {
      const { tensors, call, output } = await this.engineInputs(which, al, dir);
      const res = await svc.engineRequest('engine_check', { out_dir: dir, tensors, output, call: { ...call, config } });
      const label = `${engine.engine} ${engine.version} ${which} GEMM, config ${tileConfigKey(config)}, M=${M}, ${mode}`;
      if (!res.ok) {
        throw new EngineLaunchMismatchError(`${label}: the engine's own launch (${engine.launchFunction} in ${engine.path}) failed: ${String(res.message)}; this engine version's launch is not understood by MoE Kit`);
      }
      const record = res.record as EngineLaunchRecord;
      const differences = compareEngineLaunch(plan, record);
      // MoE Kit's launch of its binding, on exactly the bytes the engine's kernel read.
      const upload = (bytes: Uint8Array) => {
        const b = ctx.alloc(Math.max(bytes.byteLength, 16));
        temp.push(b);
        b.upload(bytes);
        return b;
      };
      const derived = (res.derived ?? {}) as Record<string, { path: string }>;
      const fromFile = (name: string) => upload(new Uint8Array(readFileSync(tensors[name]!.path)));
      const aParam = plan.args.find((x) => 'role' in x.arg && x.arg.role === 'a')?.name;
      const sParam = plan.args.find((x) => 'role' in x.arg && x.arg.role === 'a_scale')?.name;
      const a = aParam && derived[aParam] ? upload(new Uint8Array(readFileSync(derived[aParam].path))) : fromFile('A');
      const aScale = sParam && derived[sParam] ? upload(new Uint8Array(readFileSync(derived[sParam].path))) : tensors.A_scale ? fromFile('A_scale') : null;
      const c = ctx.alloc(pairs * nOut * 2);
      temp.push(c);
      c.fill(POISON_BYTE, 1);
      const w = this.layer.replica(0);
      const g = await compiled;
      g.kernel.launch(
        plan.grid,
        this.engineArgs(plan, {
          a,
          a_scale: aScale,
          b: which === 'up' ? w.w1 : w.w2,
          b_scale: which === 'up' ? w.w1Scale : w.w2Scale,
          c,
          topk_weights: this.weights,
          topk_ids: this.ids,
          sorted_token_ids: al.sorted,
          expert_ids: al.expertIds,
          num_tokens_post_padded: al.ntpp,
          naive_ntpp: al.naiveNtpp,
        }),
      );
      await ctx.synchronize();
      const ours = await c.download();
      const theirs = new Uint8Array(readFileSync(String(res.output_path)));
      let differingBytes = ours.byteLength === theirs.byteLength ? 0 : Math.max(ours.byteLength, theirs.byteLength);
      if (differingBytes === 0) for (let i = 0; i < ours.byteLength; i++) if (ours[i] !== theirs[i]) differingBytes++;
      const sha = createHash('sha256').update(g.kernel.result.binary).digest('hex');
      const jit = Array.isArray(res.jit_binaries) ? (res.jit_binaries as string[]) : [];
      return {
        ok: differences.length === 0 && differingBytes === 0,
        gemm: which,
        config: tileConfigKey(config),
        M,
        mode,
        engine: `${engine.engine} ${engine.version}`,
        differences,
        bitIdentical: differingBytes === 0,
        differingBytes,
        outputBytes: ours.byteLength,
        binary: jit.length === 0 ? 'unknown' : jit.includes(sha) ? 'same' : 'different',
        naive: plan.naive,
        EM: plan.EM,
        record,
      };
    } finally {
      for (const b of temp) if (!b.freed) b.free();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private async downloadAlign(al: AlignState): Promise<AlignResult> {
    const [sorted, expertIds, ntpp] = await Promise.all([al.sorted.download(), al.expertIds.download(), al.ntpp.download({ bytes: 4 })]);
    const i32 = (b: Uint8Array) => new Int32Array(b.slice().buffer);
    return { blockM: al.blockM, sortedIds: i32(sorted), expertIds: i32(expertIds).subarray(0, al.numBlocks), numPostPadded: i32(ntpp)[0]! };
  }

  /**
   * Runs the alignment and the up GEMM once on poisoned outputs and checks them: the
   * alignment by meaning, every output row written, values against the float64 reference
   * (all rows, or a spread sample of rows for large shapes) within the dtype's tolerance.
   */
  async checkUpGemm(config: TileConfig): Promise<CheckReport> {
    this.ensureSets(1, false);
    const run = await this.prepareUpGemm(config, { withAlign: true });
    const al = await this.align(config.BLOCK_SIZE_M);
    const s = this.sets[0]!;
    for (const b of [al.sorted, al.expertIds, al.ntpp, s.c1]) b.fill(POISON_BYTE, 1);
    run.enqueue(null, 0);
    await this.layer.ctx.synchronize();
    const alignProblems = checkAlign(this.routing, await this.downloadAlign(al));
    const { M, topk, N, K, mode } = this.problem;
    const width = 2 * N;
    const bytes = await s.c1.download();
    const bad = nonFiniteRows(bytes, outputType(mode) as 'bf16' | 'fp16', width);
    const total = M * topk;
    const sampled = total * width * K > FULL_CHECK_MACS;
    const rows = sampled ? sampleRows(total, SAMPLE_ROWS) : sampleRows(total, total);
    const ref = this.cachedRef(`up:${rows.join(',')}`, () => referenceUpGemm(this.inputs, { pairs: rows }));
    const got = decodeRows(bytes, outputType(mode), width, rows);
    const comparison = compareRows(got, ref.values, width, rows, TOLERANCE[mode].gemm);
    return {
      ok: alignProblems.length === 0 && bad.length === 0 && comparison.ok,
      stage: 'up_gemm',
      config: tileConfigKey(config),
      alignProblems,
      unwrittenRows: bad.slice(0, 20),
      unwrittenCount: bad.length,
      comparison,
      rowsChecked: rows.length,
      sampled,
    };
  }

  /** Runs the whole layer once on poisoned outputs and checks the [M, K] output against the reference. */
  async checkLayer(up: TileConfig, down: TileConfig = up): Promise<CheckReport> {
    this.ensureSets(1, true);
    const run = await this.prepareLayer(up, down);
    const al = await this.align(up.BLOCK_SIZE_M);
    const s = this.sets[0]!;
    for (const b of [al.sorted, al.expertIds, al.ntpp, s.c1, s.act!, s.c2!, s.out!]) b.fill(POISON_BYTE, 1);
    run.enqueue(null, 0);
    await this.layer.ctx.synchronize();
    const alignProblems = checkAlign(this.routing, await this.downloadAlign(al));
    const { M, topk, N, K, mode } = this.problem;
    const bytes = await s.out!.download();
    const bad = nonFiniteRows(bytes, outputType(mode) as 'bf16' | 'fp16', K);
    const sampled = M * topk * 3 * N * K > FULL_CHECK_MACS;
    const tokens = sampled ? sampleRows(M, Math.max(1, Math.floor(SAMPLE_ROWS / topk))) : sampleRows(M, M);
    const ref = this.cachedRef(`layer:${tokens.join(',')}`, () =>
      referenceLayer(this.inputs, { tokens, ...(this.a2Scale !== null ? { a2Scale: this.a2Scale } : {}) }),
    );
    const got = decodeRows(bytes, outputType(mode), K, tokens);
    const comparison = compareRows(got, ref.values, K, tokens, TOLERANCE[mode].layer);
    return {
      ok: alignProblems.length === 0 && bad.length === 0 && comparison.ok,
      stage: 'layer',
      config: `${tileConfigKey(up)} | ${tileConfigKey(down)}`,
      alignProblems,
      unwrittenRows: bad.slice(0, 20),
      unwrittenCount: bad.length,
      comparison,
      rowsChecked: tokens.length,
      sampled,
    };
  }

  private async time(stage: 'up_gemm' | 'down_gemm' | 'layer', run: PreparedRun, al: AlignState, o: TimingOptions): Promise<Timing> {
    const opts = {
      launchesPerGraph: o.launchesPerGraph ?? 10,
      warmup: o.warmup ?? 5,
      repeats: o.repeats ?? 20,
      l2Flush: o.l2Flush ?? false,
    };
    const ctx = this.layer.ctx;
    const l2 = ctx.device.l2CacheBytes;
    let sets = o.rotateInputs === false ? 1 : inputSetCount(this.setBytes(stage), l2, Number.POSITIVE_INFINITY);
    if (sets > 1) sets = Math.min(sets, 1 + Math.floor(this.layer.replicaBudgetBytes / Math.max(1, this.layer.replicaBytes())));
    this.ensureSets(sets, run.needsLayerBuffers);
    // The alignment's outputs are shared by every set (same routing): compute them once.
    this.enqueueAlign(al, null);
    // One eager pass per set: loads modules, allocates scratch, catches launch errors outside capture.
    for (let i = 0; i < sets; i++) run.enqueue(null, i);
    await ctx.synchronize();
    const graph = ctx.captureGraph((stream) => {
      for (let i = 0; i < opts.launchesPerGraph; i++) run.enqueue(stream, i % sets);
    });
    try {
      const us = await ctx.replayTimes(graph, { warmup: opts.warmup, repeats: opts.repeats, l2Flush: opts.l2Flush });
      return summarize(us, opts, sets);
    } finally {
      graph.destroy();
    }
  }

  /** Times the up GEMM alone (alignment done once, outside the graph). */
  async timeUpGemm(config: TileConfig, options: TimingOptions = {}): Promise<Timing> {
    this.ensureSets(1, false);
    const run = await this.prepareUpGemm(config);
    return this.time('up_gemm', run, await this.align(config.BLOCK_SIZE_M), options);
  }

  /** Times the whole layer (align, up GEMM, activation, down GEMM, sum) per launch. */
  async timeLayer(up: TileConfig, down: TileConfig = up, options: TimingOptions = {}): Promise<Timing> {
    this.ensureSets(1, true);
    const run = await this.prepareLayer(up, down);
    return this.time('layer', run, await this.align(up.BLOCK_SIZE_M), options);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.owned) if (!b.freed) b.free();
    this.owned.length = 0;
    this.layer.forget(this);
  }
}
