import type { Context, DeviceBuffer } from '../addon/types';
import type { CompileRequest, CompileResult, CompileTarget } from '../compile/types';
import type { EngineKernelInfo } from '../engine/engine-info';
import type { MoeWeights } from '../reference/random-inputs';
import type { KernelCompiler } from './kernel-compiler';
import type { MoeLayerShape } from './layer-shape';
import type { KernelLoader } from './loaded-kernel';

/** One device copy of the weights (the first is the upload; others are device copies for rotation). */
export interface WeightReplica {
  readonly w1: DeviceBuffer;
  readonly w1Scale: DeviceBuffer | null;
  readonly w2: DeviceBuffer | null;
  readonly w2Scale: DeviceBuffer | null;
}

/**
 * What a batch uses of its layer: the device, the compile service and kernel loader, the shape,
 * the weights and their replicas. MoeLayer implements it; MoeBatch depends on this interface, not
 * on MoeLayer, so that the layer can make batches without the two modules importing each other.
 */
export interface BatchLayer {
  readonly ctx: Context;
  readonly compiler: KernelCompiler;
  readonly shape: MoeLayerShape;
  readonly seed: number;
  readonly hostWeights: MoeWeights;
  readonly target: CompileTarget;
  readonly loader: KernelLoader;
  /** Device bytes the batch may spend on rotated input replicas. */
  readonly replicaBudgetBytes: number;
  /** The installed engine's kernel when the GEMMs run on it, else null (MoE Kit's kernel). */
  readonly engine: EngineKernelInfo | null;
  readonly hasDown: boolean;
  /** Bytes of one expert's W1 (and W2) as stored. */
  expertBytes(which: 'w1' | 'w2'): number;
  /** Weight replica i (0 is the upload; later ones are device copies made on first use). */
  replica(i: number): WeightReplica;
  /** Bytes of one whole weight replica. */
  replicaBytes(): number;
  /** Compiles through the service, once per distinct request for this layer. */
  compile(request: CompileRequest): Promise<CompileResult>;
  /** @internal A batch of this layer was disposed: the layer stops tracking it. */
  forget(batch: object): void;
}
