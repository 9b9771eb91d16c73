import type { Context, DeviceBuffer } from '../addon/types';
import type { CompileRequest, CompileResult, CompileTarget } from '../compile/types';
import { ELEMENT_BYTES } from '../reference/element-type';
import { checkProblem, type DtypeMode } from '../reference/moe-problem';
import { makeRandomWeights, type MoeWeights } from '../reference/random-inputs';
import { makeRouting, type Routing, type RoutingSpec } from '../reference/routing';
import type { BatchLayer, WeightReplica } from './batch-layer';
import type { KernelCompiler } from './kernel-compiler';
import type { MoeLayerShape } from './layer-shape';
import { KernelLoader } from './loaded-kernel';
import { MoeBatch } from './moe-batch';
import { uploadTensor } from './upload-tensor';
import type { EngineKernelInfo } from '../engine/engine-info';
import { RunnerArgumentError } from './errors/runner-argument-error';
import type { BatchReferenceStore } from './reference-store';

export interface MoeLayerOptions {
  readonly ctx: Context;
  readonly compiler: KernelCompiler;
  readonly shape: MoeLayerShape;
  /** Seed of the random weights (and of batches' activations unless they give their own). Default 0. */
  readonly seed?: number;
  /** Make W2 too, so the whole layer can run. Default true. */
  readonly down?: boolean;
  /** Device bytes the runner may spend on rotated input replicas. Default: a quarter of free memory. */
  readonly replicaBudgetBytes?: number;
  /**
   * Length of the aligned pair list (EM): 'worst_case' = M*topk + E*(BLOCK_SIZE_M-1) (KERNEL.md);
   * 'tight' also caps it at M*topk*BLOCK_SIZE_M when fewer pairs than experts (fewer idle
   * programs at tiny M). Default 'worst_case'.
   */
  readonly paddedLengthRule?: 'worst_case' | 'tight';
  /**
   * Which fused-MoE GEMM kernel runs: 'engine', the installed engine's own (the compiler must
   * have been started with an engine: CompilePool.start({ engine: 'auto', python })), launched
   * as that engine version launches it; or 'moe-kit', MoE Kit's own kernel (a stand-in for the
   * engine's). Default: 'engine' when the compiler has an engine kernel, else 'moe-kit'.
   */
  readonly kernel?: 'engine' | 'moe-kit';
}

function copyBuffer(ctx: Context, src: DeviceBuffer | null): DeviceBuffer | null {
  if (!src) return null;
  const b = ctx.alloc(src.bytes);
  b.copyFrom(src);
  return b;
}

/**
 * A MoE layer's weights on one device, with the compile service and a kernel loader: the part
 * of a runner that does not depend on the batch size. `batch(M, routing)` gives a runner for M.
 */
export class MoeLayer implements BatchLayer {
  readonly ctx: Context;
  readonly compiler: KernelCompiler;
  readonly shape: MoeLayerShape;
  readonly seed: number;
  readonly hostWeights: MoeWeights;
  readonly target: CompileTarget;
  readonly loader: KernelLoader;
  readonly replicaBudgetBytes: number;
  readonly paddedLengthRule: 'worst_case' | 'tight';
  /** The installed engine's kernel when the GEMMs run on it, else null (MoE Kit's kernel). */
  readonly engine: EngineKernelInfo | null;
  private readonly replicas: WeightReplica[] = [];
  private readonly compiled = new Map<string, Promise<CompileResult>>();
  private readonly batches = new Set<MoeBatch>();

  private constructor(o: MoeLayerOptions, weights: MoeWeights) {
    this.ctx = o.ctx;
    this.compiler = o.compiler;
    this.shape = o.shape;
    this.seed = o.seed ?? 0;
    this.hostWeights = weights;
    const d = o.ctx.device;
    this.target = { backend: d.backend, arch: d.arch, warpSize: d.warpSize };
    this.loader = new KernelLoader(o.ctx);
    this.replicaBudgetBytes = o.replicaBudgetBytes ?? Math.floor(o.ctx.memoryInfo().freeBytes / 4);
    this.paddedLengthRule = o.paddedLengthRule ?? 'worst_case';
    const kernel = o.kernel ?? (o.compiler.engine ? 'engine' : 'moe-kit');
    if (kernel === 'engine' && !o.compiler.engine) {
      throw new RunnerArgumentError(
        "kernel 'engine' needs a compiler with the installed engine's kernel; start the pool with CompilePool.start({ engine: 'auto', python: <the engine environment's python> }), or use kernel 'moe-kit'",
      );
    }
    this.engine = kernel === 'engine' ? o.compiler.engine! : null;
    const w1 = uploadTensor(o.ctx, weights.w1);
    const w2 = weights.w2 ? uploadTensor(o.ctx, weights.w2) : null;
    this.replicas.push({ w1: w1.data, w1Scale: w1.scale, w2: w2?.data ?? null, w2Scale: w2?.scale ?? null });
  }

  /**
   * Makes random weights for the shape (seeded) and uploads them; or uploads `weights` when
   * given: makeRandomWeights(shape, { seed, down }) made ahead (e.g. while a compile pool
   * starts), which must have the shape's dimensions.
   */
  static create(o: MoeLayerOptions, weights?: MoeWeights): MoeLayer {
    checkProblem({ ...o.shape, M: 1 });
    const { E, N, K } = o.shape;
    const down = o.down ?? true;
    if (weights) {
      const want = (t: { dims: readonly number[] } | undefined, dims: number[], name: string) => {
        if (!t || t.dims.join('x') !== dims.join('x')) {
          throw new RunnerArgumentError(`MoeLayer.create(weights): ${name} is ${t ? t.dims.join('x') : 'missing'}, the shape needs ${dims.join('x')}; make them with makeRandomWeights(shape, { seed, down }) for this shape`);
        }
      };
      want(weights.w1, [E, 2 * N, K], 'w1');
      if (down) want(weights.w2, [E, K, N], 'w2');
    }
    return new MoeLayer(o, weights ?? makeRandomWeights(o.shape, { seed: o.seed ?? 0, down }));
  }

  get hasDown(): boolean {
    return this.hostWeights.w2 !== undefined;
  }

  /** Bytes of one expert's W1 (and W2) as stored. */
  expertBytes(which: 'w1' | 'w2'): number {
    const { N, K, mode } = this.shape;
    const eb = mode === 'bf16' || mode === 'fp16' ? 2 : 1;
    return (which === 'w1' ? 2 * N * K : K * N) * eb;
  }

  /** Weight replica i (0 is the upload; later ones are device copies made on first use). */
  replica(i: number): WeightReplica {
    while (this.replicas.length <= i) {
      const r = this.replicas[0]!;
      this.replicas.push({
        w1: copyBuffer(this.ctx, r.w1)!,
        w1Scale: copyBuffer(this.ctx, r.w1Scale),
        w2: copyBuffer(this.ctx, r.w2),
        w2Scale: copyBuffer(this.ctx, r.w2Scale),
      });
    }
    return this.replicas[i]!;
  }

  /** Bytes of one whole weight replica. */
  replicaBytes(): number {
    const r = this.replicas[0]!;
    return r.w1.bytes + (r.w1Scale?.bytes ?? 0) + (r.w2?.bytes ?? 0) + (r.w2Scale?.bytes ?? 0);
  }

  /** Compiles through the service, once per distinct request for this layer. */
  compile(request: CompileRequest): Promise<CompileResult> {
    const key = JSON.stringify(request);
    let p = this.compiled.get(key);
    if (!p) {
      p = this.compiler.compile(request);
      this.compiled.set(key, p);
    }
    return p;
  }

  /**
   * A runner for M tokens with this routing (a spec is drawn now, seeded). `references`: a store
   * that keeps the checks' reference rows across runs, with the caller's name for how this
   * batch's inputs were made (reference-store.ts).
   */
  batch(M: number, routing: RoutingSpec | Routing, options: { seed?: number; paddedLengthRule?: 'worst_case' | 'tight'; references?: BatchReferenceStore } = {}): MoeBatch {
    const r = 'ids' in routing && routing.ids instanceof Int32Array ? (routing as Routing) : makeRouting(routing as RoutingSpec, M, this.shape.topk, this.shape.E);
    const b = new MoeBatch(this, M, r, options.seed ?? this.seed + M, options.paddedLengthRule ?? this.paddedLengthRule, options.references ?? null);
    this.batches.add(b);
    return b;
  }

  /** @internal */
  forget(b: MoeBatch): void {
    this.batches.delete(b);
  }

  dispose(): void {
    for (const b of [...this.batches]) b.dispose();
    for (const r of this.replicas) for (const buf of [r.w1, r.w1Scale, r.w2, r.w2Scale]) if (buf && !buf.freed) buf.free();
    this.replicas.length = 0;
    this.loader.dispose();
  }
}

export function elementBytesOfMode(mode: DtypeMode): number {
  return mode === 'bf16' || mode === 'fp16' ? ELEMENT_BYTES.bf16 : ELEMENT_BYTES.fp8e4m3;
}
