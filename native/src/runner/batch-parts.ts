import type { MoeProblem } from '../reference/moe-problem';
import type { ReferenceRows } from '../reference/moe-reference';
import type { MoeInputs } from '../reference/random-inputs';
import type { Routing } from '../reference/routing';
import type { Alignments } from './align-state';
import type { BatchBuffers } from './batch-buffers';
import type { BatchLayer } from './batch-layer';
import type { BatchReferenceStore } from './reference-store';

/**
 * One batch as its jobs see it (prepared runs, checks, timing, the engine self-check): the
 * layer, the problem at this M with its routing and host inputs, the device buffers and the
 * alignments. MoeBatch holds one and hands it to each job.
 */
export interface BatchParts {
  readonly layer: BatchLayer;
  readonly problem: MoeProblem;
  readonly routing: Routing;
  readonly inputs: MoeInputs;
  /** fp8_w8a8 whole layer: the static scale of the intermediate activation. */
  readonly a2Scale: number | null;
  readonly buffers: BatchBuffers;
  readonly aligns: Alignments;
  /** Reference rows do not depend on the config: computed once per batch and row set. */
  readonly references: Map<string, ReferenceRows>;
  /** Where reference rows are kept beyond this batch (across runs), or null. */
  readonly referenceStore: BatchReferenceStore | null;
}
