// A batch's launch sequences, compiled and bound to its buffers: the up GEMM, the down GEMM
// alone, and the whole layer (align, up GEMM, silu_and_mul, fp8 quantisation, down GEMM, sum).
import type { TileConfig } from '@moe/engine-facts';
import type { Stream } from '../addon/types';
import { fp8QuantRequest, moeSumRequest, siluAndMulRequest } from '../compile/requests';
import type { BatchParts } from './batch-parts';
import { engineArgs, engineBuffers } from './engine-args';
import { RunnerArgumentError } from './errors/runner-argument-error';
import { gemmArgs, loadGemm } from './gemm-kernel';
import type { ArgValue } from './loaded-kernel';
import { moeKitGemmArgs } from './moe-kit-args';

/** A prepared launch sequence: compiled and loaded kernels bound to their arguments. */
export interface PreparedRun {
  /** Queues the sequence on `stream` (null: the default stream) with input set `set`. */
  enqueue(stream: Stream | null, set: number): void;
  readonly needsLayerBuffers: boolean;
}

/** Compiles and loads the up GEMM (with the alignment before it) for a config. */
export async function prepareUpGemm(p: BatchParts, config: TileConfig, options: { withAlign?: boolean } = {}): Promise<PreparedRun> {
  const al = await p.aligns.get(config.BLOCK_SIZE_M);
  const g = await loadGemm(p.layer, p.problem, 'up', config, al.EM);
  return {
    needsLayerBuffers: false,
    enqueue: (stream, set) => {
      if (options.withAlign) p.aligns.enqueue(al, stream);
      g.kernel.launch(g.grid, gemmArgs(p.problem, 'up', g, al, p.buffers.sets[set]!, p.buffers), stream);
    },
  };
}

/**
 * Compiles and loads the down GEMM alone for a config (as the engines run it: top_k 1 over the
 * pairs, with the routing weights), on a random [M*topk, N] intermediate of its own.
 */
export async function prepareDownGemm(p: BatchParts, config: TileConfig, options: { withAlign?: boolean } = {}): Promise<PreparedRun> {
  if (!p.layer.hasDown) throw new RunnerArgumentError('the layer was made with down: false; create it with down: true to run the down GEMM');
  const al = await p.aligns.get(config.BLOCK_SIZE_M);
  const g = await loadGemm(p.layer, p.problem, 'down', config, al.EM);
  const input = p.buffers.downInput();
  return {
    needsLayerBuffers: true,
    enqueue: (stream, set) => {
      if (options.withAlign) p.aligns.enqueue(al, stream);
      const s = p.buffers.sets[set]!;
      let args: Record<string, ArgValue>;
      if (g.plan) args = engineArgs(g.plan, { ...engineBuffers(p.problem, 'down', al, s, p.buffers), a: input.a, a_scale: input.aScale });
      else args = { ...moeKitGemmArgs(p.problem, 'down', g.ints, al, s, p.buffers), a_ptr: input.a, a_scale_ptr: input.aScale };
      g.kernel.launch(g.grid, args, stream);
    },
  };
}

/** Compiles and loads the whole layer: align, up GEMM, silu_and_mul, (fp8 quant), down GEMM, sum. */
export async function prepareLayer(p: BatchParts, up: TileConfig, down: TileConfig = up): Promise<PreparedRun> {
  if (!p.layer.hasDown) throw new RunnerArgumentError('the layer was made with down: false; create it with down: true to run the whole layer');
  if (down.BLOCK_SIZE_M !== up.BLOCK_SIZE_M) {
    throw new RunnerArgumentError(
      `down config BLOCK_SIZE_M=${down.BLOCK_SIZE_M} differs from the up config's ${up.BLOCK_SIZE_M}; both GEMMs share one alignment: use the same BLOCK_SIZE_M`,
    );
  }
  const { M, topk, N, K, mode, blockShape } = p.problem;
  const t = p.layer.target;
  const al = await p.aligns.get(up.BLOCK_SIZE_M);
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
    loadGemm(p.layer, p.problem, 'up', up, al.EM),
    loadGemm(p.layer, p.problem, 'down', down, al.EM),
    p.layer.compile(siluL.request),
    p.layer.compile(sumL.request),
    quantL ? p.layer.compile(quantL.request) : Promise.resolve(null),
  ]);
  const L = p.layer.loader;
  const siluK = L.load('silu_and_mul', siluR);
  const sumK = L.load('moe_sum', sumR);
  const quantK = quantR && quantL ? L.load(quantL.request.kernel, quantR) : null;
  return {
    needsLayerBuffers: true,
    enqueue: (stream, i) => {
      const s = p.buffers.sets[i]!;
      p.aligns.enqueue(al, stream);
      g1.kernel.launch(g1.grid, gemmArgs(p.problem, 'up', g1, al, s, p.buffers), stream);
      siluK.launch(siluL.grid, { x_ptr: s.c1, out_ptr: s.act!, ...siluL.ints }, stream);
      if (quantK && quantL) {
        const scale = mode === 'fp8_w8a8' ? p.buffers.a2ScaleBuf : s.actScale!;
        quantK.launch(quantL.grid, { x_ptr: s.act!, q_ptr: s.actQ!, scale_ptr: scale, ...quantL.ints }, stream);
      }
      g2.kernel.launch(g2.grid, gemmArgs(p.problem, 'down', g2, al, s, p.buffers), stream);
      sumK.launch(sumL.grid, { x_ptr: s.c2!, out_ptr: s.out!, ...sumL.ints }, stream);
    },
  };
}
