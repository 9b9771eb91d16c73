import { paddedLength } from './moe-problem';
import type { Routing } from './routing';

/**
 * The alignment step's outputs: the M*topk (token, slot) pairs (pair = token * topk + slot)
 * grouped by expert, each expert's group padded to a multiple of BLOCK_SIZE_M with the
 * sentinel M*topk.
 */
export interface AlignResult {
  readonly blockM: number;
  /** [EM]: pair ids, then sentinels. */
  readonly sortedIds: Int32Array;
  /** [EM / blockM]: the expert of each row block (blocks past numPostPadded: unspecified). */
  readonly expertIds: Int32Array;
  readonly numPostPadded: number;
}

/** The reference alignment: experts in ascending order, pairs ascending within an expert. */
export function alignReference(routing: Routing, blockM: number): AlignResult {
  const { M, topk, E, ids } = routing;
  const pairs = M * topk;
  const EM = paddedLength(M, topk, E, blockM);
  const sortedIds = new Int32Array(EM).fill(pairs);
  const expertIds = new Int32Array(Math.ceil(EM / blockM)).fill(-1);
  const byExpert: number[][] = Array.from({ length: E }, () => []);
  for (let p = 0; p < pairs; p++) byExpert[ids[p]!]!.push(p);
  let at = 0;
  for (let e = 0; e < E; e++) {
    const list = byExpert[e]!;
    if (list.length === 0) continue;
    const padded = Math.ceil(list.length / blockM) * blockM;
    sortedIds.set(list, at);
    for (let b = at / blockM; b < (at + padded) / blockM; b++) expertIds[b] = e;
    at += padded;
  }
  return { blockM, sortedIds, expertIds, numPostPadded: at };
}

/**
 * Checks a device alignment by meaning, not by order (the order of pairs within an expert,
 * and of experts, is the kernel's choice): every pair appears exactly once, in a block of its
 * own expert; each expert has exactly ceil(count / blockM) blocks; padding is the sentinel;
 * numPostPadded is the sum of the padded counts. Returns the problems found (empty: correct).
 */
export function checkAlign(routing: Routing, got: AlignResult): string[] {
  const { M, topk, E, ids } = routing;
  const { blockM, sortedIds, expertIds, numPostPadded } = got;
  const pairs = M * topk;
  const problems: string[] = [];
  const want = alignReference(routing, blockM);
  if (numPostPadded !== want.numPostPadded) {
    problems.push(`num_tokens_post_padded is ${numPostPadded}, expected ${want.numPostPadded}`);
  }
  if (numPostPadded % blockM !== 0 || numPostPadded > sortedIds.length) {
    problems.push(`num_tokens_post_padded ${numPostPadded} is not a multiple of BLOCK_SIZE_M=${blockM} within EM=${sortedIds.length}`);
    return problems;
  }
  const seen = new Uint8Array(pairs);
  const blocksOf = new Int32Array(E);
  for (let b = 0; b < numPostPadded / blockM; b++) {
    const e = expertIds[b]!;
    if (!(e >= 0 && e < E)) {
      problems.push(`expert_ids[${b}] = ${e}, outside 0..${E - 1}`);
      continue;
    }
    blocksOf[e]! += 1;
    for (let i = b * blockM; i < (b + 1) * blockM; i++) {
      const p = sortedIds[i]!;
      if (p === pairs) continue;
      if (!(p >= 0 && p < pairs)) {
        problems.push(`sorted_ids[${i}] = ${p}: neither a pair (0..${pairs - 1}) nor the sentinel ${pairs}`);
      } else if (seen[p]) {
        problems.push(`pair ${p} appears twice (again at sorted_ids[${i}])`);
      } else {
        seen[p] = 1;
        if (ids[p] !== e) problems.push(`pair ${p} (expert ${ids[p]}) sits in block ${b} of expert ${e}`);
      }
      if (problems.length > 20) return problems;
    }
  }
  for (let p = 0; p < pairs; p++) {
    if (!seen[p]) {
      problems.push(`pair ${p} (expert ${ids[p]}) is missing from sorted_ids`);
      if (problems.length > 20) return problems;
    }
  }
  const wantBlocks = new Int32Array(E);
  for (let b = 0; b < want.numPostPadded / blockM; b++) wantBlocks[want.expertIds[b]!]! += 1;
  for (let e = 0; e < E; e++) {
    if (blocksOf[e] !== wantBlocks[e]) problems.push(`expert ${e} has ${blocksOf[e]} row blocks, expected ${wantBlocks[e]}`);
  }
  return problems;
}
