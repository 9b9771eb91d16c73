// The GPU side of a bench run, through @moe/native: one context on one device, a compile pool
// (on the engine environment's Python when the kernel is the engine's), one MoeLayer for the
// shape. As a BenchDevice it gives one MoeBatch per batch size (routing drawn, seeded); as a
// PeakDevice it times device-to-device copies with events and dense GEMMs through the
// fused-MoE kernel with one expert.
import {
  CompilePool,
  MoeLayer,
  describeKernelSource,
  engineKernelSource,
  openContext,
  readRecordedIds,
  type CheckReport,
  type Context,
  type MoeBatch,
  type RoutingSpec,
} from '@moe/native';
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import type { BenchRecord, BenchRouting } from './bench-record';
import type { BenchShape } from './bench-shape';
import { BenchDeviceError } from './errors/bench-device-error';
import type { DenseDims, DenseTiming, PeakDevice } from './peaks';
import type { BenchBatch, BenchDevice, CheckOutcome } from './run-bench';
import type { BenchStage } from './traffic';

export interface NativeBenchOptions {
  shape: BenchShape;
  /** GPU index (devices()); default 0. */
  device?: number;
  /** The engine environment's interpreter for the compile workers (default: $MOE_PYTHON, else python3). */
  python?: string;
  /** 'engine' (default): the installed engine's own kernel; 'moe-kit': MoE Kit's stand-in. */
  kernel?: 'engine' | 'moe-kit';
  routing: BenchRouting;
  /** Seed of the weights and activations. */
  seed: number;
  /** Extra environment for the compile workers (PYTHONPATH of an engine stand-in, ...). */
  env?: Record<string, string>;
  compileWorkers?: number;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function checkSummary(r: CheckReport): CheckOutcome {
  const c = r.comparison;
  const parts = [`rel error ${c.relError.toExponential(2)} (tolerance ${c.tolerance})`, `${r.rowsChecked} rows${r.sampled ? ' sampled' : ''}`];
  if (r.unwrittenCount > 0) parts.push(`${r.unwrittenCount} rows unwritten`);
  if (r.alignProblems.length > 0) parts.push(`alignment: ${r.alignProblems[0]}`);
  return { ok: r.ok, summary: parts.join(', ') };
}

/** An open bench device; `close()` frees the GPU and stops the compile workers. */
export class NativeBench implements BenchDevice, PeakDevice {
  readonly name: string;
  readonly gemmKernel = "MoE Kit's fused-MoE Triton GEMM with one expert (E=1, top-1)";
  private readonly denseLayers = new Map<string, MoeLayer>();
  private readonly denseBatches = new Map<string, MoeBatch>();
  private recorded: number[][] | null = null;

  private constructor(
    readonly ctx: Context,
    readonly pool: CompilePool,
    readonly layer: MoeLayer,
    private readonly o: NativeBenchOptions,
  ) {
    this.name = ctx.device.name;
  }

  /** Opens the device, starts the compile pool and uploads the layer's weights. */
  static async open(o: NativeBenchOptions): Promise<NativeBench> {
    let ctx: Context;
    try {
      ctx = openContext(o.device ?? 0);
    } catch (err) {
      throw new BenchDeviceError(`GPU ${o.device ?? 0}: ${message(err)}`, { cause: err });
    }
    let pool: CompilePool | null = null;
    try {
      pool = await CompilePool.start({
        ...(o.python ? { python: o.python } : {}),
        ...(o.env ? { env: o.env } : {}),
        ...(o.compileWorkers ? { workers: o.compileWorkers } : {}),
        maxSharedBytes: ctx.device.sharedMemoryPerBlockOptin,
        ...((o.kernel ?? 'engine') === 'engine' ? { engine: o.shape.engine } : {}),
      });
      const s = o.shape;
      const layer = MoeLayer.create({
        ctx,
        compiler: pool,
        kernel: o.kernel ?? 'engine',
        shape: { E: s.E, N: s.N, K: s.K, topk: s.topk, mode: s.mode, blockShape: s.blockShape },
        seed: o.seed,
        down: true,
      });
      return new NativeBench(ctx, pool, layer, o);
    } catch (err) {
      await pool?.close();
      ctx.close();
      throw err;
    }
  }

  /** The record's card, kernel and Triton fields. */
  describe(): Pick<BenchRecord, 'card' | 'kernel' | 'triton'> {
    const d = this.ctx.device;
    const source = this.layer.engine ? engineKernelSource(this.layer.engine) : ({ kind: 'moe-kit', sourceSha256: this.pool.sourceHash } as const);
    return {
      card: { name: d.name, arch: d.arch, driver: d.driverVersion },
      kernel: { kind: this.layer.engine ? 'engine' : 'moe-kit', description: describeKernelSource(source), sourceSha256: source.sourceSha256 },
      triton: this.pool.hello.triton,
    };
  }

  private async routing(): Promise<RoutingSpec> {
    const r = this.o.routing;
    if (r.kind === 'trace') {
      this.recorded ??= await readRecordedIds(r.file);
      return { kind: 'recorded', ids: this.recorded, seed: r.seed, source: r.file };
    }
    return r;
  }

  private guard(): void {
    if (this.ctx.dead) throw new BenchDeviceError(`GPU ${this.ctx.device.index}: the context died (${this.ctx.deadReason ?? 'a sticky driver error'}); run the bench again in a new process`);
  }

  async batch(M: number): Promise<BenchBatch> {
    this.guard();
    const b = this.layer.batch(M, await this.routing(), { seed: this.o.seed + M });
    const configs = (up: TileConfig | null, down: TileConfig | null, stage: BenchStage) => {
      if ((stage !== 'down' && !up) || (stage !== 'up' && !down)) throw new Error(`bench: stage ${stage} without its config; this is a bug in @moe/bench`);
      return { up: up!, down: down! };
    };
    const guarded = async <T>(f: () => Promise<T>): Promise<T> => {
      try {
        return await f();
      } finally {
        this.guard();
      }
    };
    return {
      hitExperts: b.hitExperts(),
      check: (stage, up, down) =>
        guarded(async () => {
          const c = configs(up, down, stage);
          return checkSummary(stage === 'up' ? await b.checkUpGemm(c.up) : stage === 'down' ? await b.checkDownGemm(c.down) : await b.checkLayer(c.up, c.down));
        }),
      engineCheck: (gemm, config) =>
        guarded(async () => {
          const e = await b.engineCheck(gemm, config);
          const what = `${gemm} ${tileConfigKey(config)}`;
          return e.ok
            ? { ok: true, summary: `${what}: the engine's launch equals MoE Kit's, output bit-identical (${e.outputBytes} bytes), binary ${e.binary}` }
            : { ok: false, summary: `${what}: ${[...e.differences, e.bitIdentical ? '' : `${e.differingBytes} of ${e.outputBytes} bytes differ`].filter(Boolean).join('; ')}` };
        }),
      time: (stage, up, down, replays) =>
        guarded(async () => {
          const c = configs(up, down, stage);
          const opts = { repeats: replays };
          const t = stage === 'up' ? await b.timeUpGemm(c.up, opts) : stage === 'down' ? await b.timeDownGemm(c.down, opts) : await b.timeLayer(c.up, c.down, opts);
          return t.medianUs;
        }),
      dispose: () => b.dispose(),
    };
  }

  // ---- PeakDevice ----

  async timeCopies(bytes: number, copies: number): Promise<number> {
    this.guard();
    const src = this.ctx.alloc(bytes);
    const dst = this.ctx.alloc(bytes);
    const start = this.ctx.createEvent();
    const end = this.ctx.createEvent();
    try {
      src.fill(0x5a, 1);
      dst.copyFrom(src); // warm-up
      start.record(null);
      for (let i = 0; i < copies; i++) dst.copyFrom(src);
      end.record(null);
      await end.synchronize();
      return end.elapsedMicrosSince(start);
    } finally {
      start.destroy();
      end.destroy();
      src.free();
      dst.free();
    }
  }

  private denseLayer(rate: 'bf16' | 'fp8', d: DenseDims): MoeLayer {
    const key = `${rate}|${d.N}|${d.K}`;
    let l = this.denseLayers.get(key);
    if (!l) {
      if (d.N % 2 !== 0) throw new BenchDeviceError(`peaks: the dense GEMM's N=${d.N} must be even (it runs as the up GEMM, 2 x ${d.N / 2} wide); pick an even N`);
      l = MoeLayer.create({
        ctx: this.ctx,
        compiler: this.pool,
        kernel: 'moe-kit',
        shape: { E: 1, N: d.N / 2, K: d.K, topk: 1, mode: rate === 'bf16' ? 'bf16' : 'fp8_w8a8', blockShape: null },
        seed: 1,
        down: false,
      });
      this.denseLayers.set(key, l);
    }
    return l;
  }

  /** Dense [M, K] x [K, N] as the up GEMM of one expert with top-1, each config checked against the reference first. */
  async timeDenseGemm(rate: 'bf16' | 'fp8', d: DenseDims, config: TileConfig): Promise<DenseTiming> {
    this.guard();
    // One batch per GEMM: its reference rows are computed once for every config.
    const key = `${rate}|${d.M}|${d.N}|${d.K}`;
    let b = this.denseBatches.get(key);
    if (!b) {
      b = this.denseLayer(rate, d).batch(d.M, { kind: 'uniform', seed: 0 });
      this.denseBatches.set(key, b);
    }
    try {
      const check = await b.checkUpGemm(config);
      if (!check.ok) return { ok: false, message: `wrong result: ${checkSummary(check).summary}` };
      const t = await b.timeUpGemm(config, { repeats: 10 });
      return { ok: true, us: t.medianUs };
    } catch (err) {
      this.guard();
      return { ok: false, message: message(err).split('\n')[0]! };
    }
  }

  async close(): Promise<void> {
    for (const b of this.denseBatches.values()) b.dispose();
    for (const l of this.denseLayers.values()) l.dispose();
    this.layer.dispose();
    await this.pool.close();
    this.ctx.close();
  }
}
