import type { DeviceBuffer } from '../addon/types';
import { roundToElement } from '../reference/element-type';
import type { MoeProblem } from '../reference/moe-problem';
import { referenceUpGemm, sampleRows, silu } from '../reference/moe-reference';
import { scaleForAmax } from '../reference/quant';
import { makeRandomActivations, type HostTensor, type MoeInputs } from '../reference/random-inputs';
import type { BatchLayer, WeightReplica } from './batch-layer';
import { uploadTensor } from './upload-tensor';

/** One rotated input set: activations, a weight replica and the outputs. */
export interface InputSet {
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

/** The down GEMM's own input when it runs alone: a random intermediate, on the host and the device. */
export interface DownInput {
  readonly host: HostTensor;
  readonly a: DeviceBuffer;
  readonly aScale: DeviceBuffer | null;
}

/** The down GEMM's input for checks: a random [M*topk, N] activation in the mode's encoding (seeded by the layer and M). */
export function downGemmInput(problem: MoeProblem, layerSeed: number): HostTensor {
  const { M, topk, N } = problem;
  return makeRandomActivations({ ...problem, M: M * topk, K: N }, layerSeed + 7919 * M + 1);
}

/** A static activation scale for the down GEMM's input (fp8_w8a8 layer): amax over sampled pairs, 25% headroom. */
export function estimateA2Scale(inputs: MoeInputs): number {
  const { M, topk, N } = inputs.problem;
  const pairs = sampleRows(M * topk, 32);
  const c1 = referenceUpGemm(inputs, { pairs });
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

/**
 * The device memory of one batch: the routing (topk ids and weights), the fp8 intermediate's
 * static scale, the rotated input sets with their outputs, and the down GEMM's own input. Every
 * buffer the batch allocates is owned here and freed by free().
 */
export class BatchBuffers {
  readonly ids: DeviceBuffer;
  readonly weights: DeviceBuffer;
  readonly a2ScaleBuf: DeviceBuffer | null;
  readonly sets: InputSet[] = [];
  private readonly owned: DeviceBuffer[] = [];
  private downIn: DownInput | null = null;

  constructor(
    private readonly layer: BatchLayer,
    private readonly inputs: MoeInputs,
    a2Scale: number | null,
  ) {
    const ctx = layer.ctx;
    const routing = inputs.routing;
    this.ids = this.own(ctx.alloc(Math.max(routing.ids.byteLength, 16)));
    this.ids.upload(routing.ids);
    this.weights = this.own(ctx.alloc(Math.max(routing.weights.byteLength, 16)));
    this.weights.upload(routing.weights);
    this.a2ScaleBuf = null;
    if (a2Scale !== null) {
      this.a2ScaleBuf = this.own(ctx.alloc(16));
      this.a2ScaleBuf.upload(Float32Array.from([a2Scale]));
    }
  }

  /** Keeps `b` with the batch: freed with it. */
  own(b: DeviceBuffer): DeviceBuffer {
    this.owned.push(b);
    return b;
  }

  /** A 16-byte buffer holding one int32 `value`, owned by the batch. */
  int32(value: number): DeviceBuffer {
    const b = this.layer.ctx.alloc(16);
    b.upload(Int32Array.from([value, 0, 0, 0]));
    return this.own(b);
  }

  /** At least `n` input sets; with `layerBuffers`, each of the first `n` has the whole layer's intermediates and output. */
  ensureSets(n: number, layerBuffers: boolean): void {
    const ctx = this.layer.ctx;
    const { M, topk, N, K, mode, blockShape } = this.inputs.problem;
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

  /** The down GEMM's own input, made and uploaded on first use. */
  downInput(): DownInput {
    if (!this.downIn) {
      const host = downGemmInput(this.inputs.problem, this.layer.seed);
      const up = uploadTensor(this.layer.ctx, host);
      this.own(up.data);
      if (up.scale) this.own(up.scale);
      this.downIn = { host, a: up.data, aScale: up.scale };
    }
    return this.downIn;
  }

  /** Frees every buffer the batch owns. */
  free(): void {
    for (const b of this.owned) if (!b.freed) b.free();
    this.owned.length = 0;
  }
}
