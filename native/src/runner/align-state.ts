import type { DeviceBuffer, Stream } from '../addon/types';
import { alignCompileRequests, alignPlan, type AlignLaunch, type AlignPlan } from '../compile/requests';
import { engineSortedLength } from '../engine/engine-binding';
import type { AlignResult } from '../reference/align';
import { paddedLength, type MoeProblem } from '../reference/moe-problem';
import type { BatchBuffers } from './batch-buffers';
import type { BatchLayer } from './batch-layer';
import type { LoadedKernel } from './loaded-kernel';

/** Device buffers of the alignment for one BLOCK_SIZE_M. */
export interface AlignState {
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

/**
 * The alignment of one batch's routing (moe_align_count, _scan, _scatter), one per BLOCK_SIZE_M:
 * compiled, loaded and given its buffers on first use. Its length EM is the engine's when the
 * GEMMs run on the engine's kernel, else the batch's padded-length rule.
 */
export class Alignments {
  private readonly byBlockM = new Map<number, Promise<AlignState>>();

  constructor(
    private readonly layer: BatchLayer,
    private readonly problem: MoeProblem,
    private readonly paddedLengthRule: 'worst_case' | 'tight',
    private readonly buffers: BatchBuffers,
  ) {}

  /** Compiles and loads the alignment kernels for BLOCK_SIZE_M and allocates their buffers (once). */
  get(blockM: number): Promise<AlignState> {
    let p = this.byBlockM.get(blockM);
    if (!p) {
      p = this.make(blockM);
      this.byBlockM.set(blockM, p);
    }
    return p;
  }

  private async make(blockM: number): Promise<AlignState> {
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
    const own = (b: DeviceBuffer) => this.buffers.own(b);
    return {
      blockM,
      plan,
      launches,
      EM,
      numBlocks: plan.numBlocks,
      sorted: own(ctx.alloc(EM * 4)),
      expertIds: own(ctx.alloc(Math.max(plan.numBlocks * 4, 16))),
      ntpp: own(ctx.alloc(16)),
      hist: own(ctx.alloc(plan.histInts * 4)),
      bounds: own(ctx.alloc(plan.boundsInts * 4)),
      count: L.load('moe_align_count', count!),
      scan: L.load('moe_align_scan', scan!),
      scatter: L.load('moe_align_scatter', scatter!),
      naiveNtpp: engine?.engine === 'vllm' ? this.buffers.int32(numel * blockM) : null,
    };
  }

  /** Queues the three alignment launches on `stream` (null: the default stream). */
  enqueue(al: AlignState, stream: Stream | null): void {
    const { count, scan, scatter } = al.launches;
    const bufs = {
      topk_ids_ptr: this.buffers.ids,
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

  /** The alignment's outputs as the CPU check reads them. */
  async download(al: AlignState): Promise<AlignResult> {
    const [sorted, expertIds, ntpp] = await Promise.all([al.sorted.download(), al.expertIds.download(), al.ntpp.download({ bytes: 4 })]);
    const i32 = (b: Uint8Array) => new Int32Array(b.slice().buffer);
    return { blockM: al.blockM, sortedIds: i32(sorted), expertIds: i32(expertIds).subarray(0, al.numBlocks), numPostPadded: i32(ntpp)[0]! };
  }
}
