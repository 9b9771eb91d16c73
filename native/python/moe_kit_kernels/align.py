"""Alignment: group the (token, slot) pairs by expert, each group padded to BLOCK_SIZE_M.

Outputs, as the GEMM reads them:
  sorted_token_ids [EM]   pair indices grouped by expert, padding = the sentinel numel;
  expert_ids [cdiv(EM, BLOCK_SIZE_M)]   expert of each row block (-1: not on this rank, or
                          past the padded total);
  num_tokens_post_padded [1]   the padded total (a multiple of BLOCK_SIZE_M, <= EM).
EM = numel + E * (BLOCK_SIZE_M - 1) is the worst case, so every buffer and grid size depends
only on M, top_k, E and BLOCK_SIZE_M: the three launches can be captured in a CUDA graph.

Three launches, P = cdiv(numel, CHUNK) programs for the first and the last:
  moe_align_count    per chunk of topk ids: counts per expert -> hist[chunk, e]; also writes
                     the sentinel into every slot of sorted_token_ids (its share of EM);
  moe_align_scan     one program: hist -> exclusive prefix over chunks (in place), padded
                     counts -> bounds (start[e], end[e]) and num_tokens_post_padded;
  moe_align_scatter  per chunk: each pair's slot = start[e] + hist[chunk, e] + its rank among
                     the equal ids earlier in the chunk (stable: pairs keep their order); also
                     writes expert_ids for its share of the row blocks.
No atomics: the result is deterministic.
"""

import triton
import triton.language as tl


@triton.jit
def moe_align_count(
    topk_ids_ptr,
    hist_ptr,
    sorted_token_ids_ptr,
    numel,
    num_experts,
    EM,
    CHUNK: tl.constexpr,
    E_PAD: tl.constexpr,
    FILL_BLOCK: tl.constexpr,
    E_BLOCK: tl.constexpr,
):
    pid = tl.program_id(0)
    programs = tl.cdiv(numel, CHUNK)  # the grid (P,)
    offs = pid * CHUNK + tl.arange(0, CHUNK)
    ids = tl.load(topk_ids_ptr + offs, mask=offs < numel, other=-1)
    # Counted E_BLOCK experts at a time to keep the one-hot tile small.
    for e0 in range(0, E_PAD, E_BLOCK):
        experts = e0 + tl.arange(0, E_BLOCK)
        hits = (ids[:, None] == experts[None, :]).to(tl.int32)
        tl.store(hist_ptr + pid * E_PAD + experts, tl.sum(hits, axis=0))

    share = tl.cdiv(EM, programs)
    first = pid * share
    sentinel = tl.zeros((FILL_BLOCK,), dtype=tl.int32) + numel
    for i in range(0, share, FILL_BLOCK):
        slots = first + i + tl.arange(0, FILL_BLOCK)
        tl.store(sorted_token_ids_ptr + slots, sentinel, mask=(slots < EM) & (slots < first + share))


@triton.jit
def moe_align_scan(
    hist_ptr,
    bounds_ptr,
    num_tokens_post_padded_ptr,
    num_chunks,
    num_experts,
    BLOCK_SIZE_M: tl.constexpr,
    E_PAD: tl.constexpr,
    SCAN_ROWS: tl.constexpr,
):
    experts = tl.arange(0, E_PAD)
    running = tl.zeros((E_PAD,), dtype=tl.int32)
    for r0 in range(0, num_chunks, SCAN_ROWS):
        r = r0 + tl.arange(0, SCAN_ROWS)
        inside = (r < num_chunks)[:, None]
        ptrs = hist_ptr + r[:, None] * E_PAD + experts[None, :]
        h = tl.load(ptrs, mask=inside, other=0)
        before = tl.cumsum(h, axis=0) - h + running[None, :]
        tl.store(ptrs, before, mask=inside)
        running += tl.sum(h, axis=0)
    counts = tl.where(experts < num_experts, running, 0)
    padded = (counts + (BLOCK_SIZE_M - 1)) // BLOCK_SIZE_M * BLOCK_SIZE_M
    ends = tl.cumsum(padded, axis=0)
    tl.store(bounds_ptr + experts, ends - padded)
    tl.store(bounds_ptr + E_PAD + experts, ends)
    tl.store(num_tokens_post_padded_ptr, tl.sum(padded, axis=0))


@triton.jit
def moe_align_scatter(
    topk_ids_ptr,
    hist_ptr,
    bounds_ptr,
    expert_map_ptr,
    sorted_token_ids_ptr,
    expert_ids_ptr,
    numel,
    num_experts,
    num_blocks,
    CHUNK: tl.constexpr,
    E_PAD: tl.constexpr,
    BLOCK_SIZE_M: tl.constexpr,
    HAS_EXPERT_MAP: tl.constexpr,
    BLOCK_ROWS: tl.constexpr,
):
    pid = tl.program_id(0)
    programs = tl.cdiv(numel, CHUNK)  # the grid (P,)
    lane = tl.arange(0, CHUNK)
    offs = pid * CHUNK + lane
    ids = tl.load(topk_ids_ptr + offs, mask=offs < numel, other=-1)
    valid = (ids >= 0) & (ids < num_experts)
    earlier_same = (ids[:, None] == ids[None, :]) & (lane[None, :] < lane[:, None])
    rank = tl.sum(earlier_same.to(tl.int32), axis=1)
    e = tl.where(valid, ids, 0)
    before = tl.load(hist_ptr + pid * E_PAD + e, mask=valid, other=0)
    start = tl.load(bounds_ptr + e, mask=valid, other=0)
    tl.store(sorted_token_ids_ptr + start + before + rank, offs, mask=valid)

    # Expert of each row block: the number of experts whose padded range ends at or before
    # the block's first row. Experts >= num_experts have empty ranges ending at the total.
    ends = tl.load(bounds_ptr + E_PAD + tl.arange(0, E_PAD))
    total = tl.max(ends, axis=0)
    share = tl.cdiv(num_blocks, programs)
    first = pid * share
    for j in range(0, share, BLOCK_ROWS):
        blocks = first + j + tl.arange(0, BLOCK_ROWS)
        row0 = blocks * BLOCK_SIZE_M
        used = row0 < total
        owner = tl.sum((ends[None, :] <= row0[:, None]).to(tl.int32), axis=1)
        if HAS_EXPERT_MAP:
            owner = tl.load(expert_map_ptr + owner, mask=used, other=-1)
        owner = tl.where(used, owner, -1)
        tl.store(expert_ids_ptr + blocks, owner, mask=(blocks < num_blocks) & (blocks < first + share))
