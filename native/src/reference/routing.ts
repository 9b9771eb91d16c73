import { InvalidRoutingError } from './errors/invalid-routing-error';
import { createRng, type Rng } from './prng';

/**
 * A routing of M tokens to top-k distinct experts each: ids [M, topk] (int32, row-major) and
 * weights [M, topk] (fp32, each row positive and summing to 1, as after softmax and top-k
 * renormalisation).
 */
export interface Routing {
  readonly M: number;
  readonly topk: number;
  readonly E: number;
  readonly ids: Int32Array;
  readonly weights: Float32Array;
}

export type RoutingSpec =
  | { readonly kind: 'uniform'; readonly seed: number }
  /** Expert e is picked with probability proportional to 1/(rank(e)+1)^s; ranks are a seeded shuffle of the experts. */
  | { readonly kind: 'zipf'; readonly s: number; readonly seed: number }
  /** Recorded top-k ids [M', topk] (rows reused cyclically when M > M'); weights seeded. */
  | { readonly kind: 'recorded'; readonly ids: readonly (readonly number[])[]; readonly seed: number; readonly source?: string };

function checkArgs(M: number, topk: number, E: number): void {
  if (!Number.isInteger(M) || M < 1) throw new InvalidRoutingError(`M=${M}: the token count must be an integer >= 1`);
  if (!Number.isInteger(E) || E < 1) throw new InvalidRoutingError(`E=${E}: the expert count must be an integer >= 1`);
  if (!Number.isInteger(topk) || topk < 1 || topk > E) {
    throw new InvalidRoutingError(`topk=${topk} with E=${E}: top-k must be an integer in 1..E (distinct experts per token)`);
  }
}

function fillWeights(weights: Float32Array, M: number, topk: number, rng: Rng): void {
  for (let m = 0; m < M; m++) {
    // Softmax of uniform scores over the chosen experts: positive, sums to 1.
    let sum = 0;
    const row = new Float64Array(topk);
    for (let j = 0; j < topk; j++) {
      row[j] = Math.exp(rng.next());
      sum += row[j]!;
    }
    for (let j = 0; j < topk; j++) weights[m * topk + j] = row[j]! / sum;
  }
}

/** Draws `topk` distinct experts from the categorical distribution `probs` (unnormalised), without replacement. */
function drawDistinct(probs: Float64Array, topk: number, rng: Rng, out: Int32Array, at: number): void {
  const taken = new Uint8Array(probs.length);
  let remaining = 0;
  for (const p of probs) remaining += p;
  for (let j = 0; j < topk; j++) {
    let r = rng.next() * remaining;
    let pick = -1;
    for (let e = 0; e < probs.length; e++) {
      if (taken[e]) continue;
      pick = e;
      r -= probs[e]!;
      if (r < 0) break;
    }
    taken[pick] = 1;
    remaining -= probs[pick]!;
    out[at + j] = pick;
  }
}

export function makeRouting(spec: RoutingSpec, M: number, topk: number, E: number): Routing {
  checkArgs(M, topk, E);
  const rng = createRng(spec.seed);
  const ids = new Int32Array(M * topk);
  const weights = new Float32Array(M * topk);
  switch (spec.kind) {
    case 'uniform': {
      // Partial Fisher-Yates: topk distinct experts, each subset equally likely.
      const perm = new Int32Array(E);
      for (let m = 0; m < M; m++) {
        for (let e = 0; e < E; e++) perm[e] = e;
        for (let j = 0; j < topk; j++) {
          const k = j + rng.int(E - j);
          const t = perm[j]!;
          perm[j] = perm[k]!;
          perm[k] = t;
          ids[m * topk + j] = perm[j]!;
        }
      }
      break;
    }
    case 'zipf': {
      if (!(spec.s >= 0) || !Number.isFinite(spec.s)) {
        throw new InvalidRoutingError(`zipf s=${spec.s}: the skew must be a finite number >= 0 (0 is uniform; 1.0-1.5 is a typical hot-expert skew)`);
      }
      const rank = new Int32Array(E);
      for (let e = 0; e < E; e++) rank[e] = e;
      for (let e = E - 1; e > 0; e--) {
        const k = rng.int(e + 1);
        const t = rank[e]!;
        rank[e] = rank[k]!;
        rank[k] = t;
      }
      const probs = new Float64Array(E);
      for (let e = 0; e < E; e++) probs[e] = 1 / (rank[e]! + 1) ** spec.s;
      for (let m = 0; m < M; m++) drawDistinct(probs, topk, rng, ids, m * topk);
      break;
    }
    case 'recorded': {
      const rows = spec.ids;
      const where = spec.source ?? 'the recorded routing';
      if (rows.length === 0) throw new InvalidRoutingError(`${where}: no rows; record at least one token's top-k ids`);
      rows.forEach((row, r) => {
        if (row.length !== topk) {
          throw new InvalidRoutingError(`${where}: row ${r} has ${row.length} ids, expected topk=${topk}; record the same top-k as the shape`);
        }
        const seen = new Set<number>();
        for (const id of row) {
          if (!Number.isInteger(id) || id < 0 || id >= E) {
            throw new InvalidRoutingError(`${where}: row ${r} has expert id ${id}, outside 0..${E - 1}; record ids of this shape's E=${E}`);
          }
          if (seen.has(id)) throw new InvalidRoutingError(`${where}: row ${r} repeats expert ${id}; each token's top-k experts must be distinct`);
          seen.add(id);
        }
      });
      for (let m = 0; m < M; m++) {
        const row = rows[m % rows.length]!;
        for (let j = 0; j < topk; j++) ids[m * topk + j] = row[j]!;
      }
      break;
    }
  }
  fillWeights(weights, M, topk, rng);
  return { M, topk, E, ids, weights };
}

/** Tokens routed to each expert. */
export function expertCounts(routing: Routing): Int32Array {
  const counts = new Int32Array(routing.E);
  for (const id of routing.ids) counts[id]! += 1;
  return counts;
}
