// Reference rows kept across runs. The float64 CPU reference of a check depends only on the
// inputs (weights, activations, routing) and the rows compared, not on the config: a batch
// computes it once per row set (BatchParts.references). A ReferenceStore keeps it beyond the
// process, so that a second run on the same inputs (a warm `moe tune`) reads it instead of
// recomputing it (0.1-0.5 s of JS per batch size and GEMM at the LFM2 shape).
import { createHash } from 'node:crypto';
import type { MoeProblem } from '../reference/moe-problem';
import type { Routing } from '../reference/routing';

/**
 * Bumped whenever the reference's arithmetic or the inputs' generation changes: a stored
 * reference of another version is never read.
 */
export const REFERENCE_VERSION = 1;

/** Where reference values are kept, by key (a file store, or a Map in tests). */
export interface ReferenceStore {
  /** The values stored under `key`, or null (a damaged entry too: the reference is computed again). */
  get(key: string): Float64Array | null;
  /** Keeps the values (best effort: a store that cannot write only costs time). */
  put(key: string, values: Float64Array): void;
}

/**
 * A batch's use of a store. `inputs` names how the batch's host inputs were made (the caller
 * knows: the weights' and the activations' seeds, the routing spec): two batches with the same
 * `inputs`, problem and routing must hold the same bytes. The problem and a hash of the routing
 * are added to the key here, so a mismatch there can never be read as a hit.
 */
export interface BatchReferenceStore {
  readonly store: ReferenceStore;
  readonly inputs: string;
}

/** The store key of one reference: the batch's inputs, its problem and routing, the stage and its rows. */
export function referenceStoreKey(use: BatchReferenceStore, problem: MoeProblem, routing: Routing, what: string): string {
  const h = createHash('sha256');
  h.update(new Uint8Array(routing.ids.buffer, routing.ids.byteOffset, routing.ids.byteLength));
  h.update(new Uint8Array(routing.weights.buffer, routing.weights.byteOffset, routing.weights.byteLength));
  return JSON.stringify({ v: REFERENCE_VERSION, inputs: use.inputs, problem, routing: h.digest('hex'), what });
}
