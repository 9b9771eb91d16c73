"""Launch helpers (Triton JIT + PyTorch) and float64 references for the self-test and the bench.

Not part of the moe_kit_kernels package (so it does not change the kernels' cache keys).
"""

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from moe_kit_kernels import align as align_k  # noqa: E402
from moe_kit_kernels import elementwise as elem_k  # noqa: E402
from moe_kit_kernels import gemm as gemm_k  # noqa: E402

FP8_MAX = 448.0
QUANT = {"bf16": 0, "fp16": 0, "fp8_w8a8": 1, "fp8_w8a8_block": 2}
CHUNK = 128


def cdiv(a, b):
    return (a + b - 1) // b


def next_pow2(n):
    p = 1
    while p < n:
        p *= 2
    return p


def align(topk_ids, num_experts, block_m, expert_map=None, chunk=CHUNK):
    """-> sorted_ids [EM], expert_ids [cdiv(EM, BM)], num_tokens_post_padded [1], EM."""
    dev = topk_ids.device
    numel = topk_ids.numel()
    em = numel + num_experts * (block_m - 1)
    blocks = cdiv(em, block_m)
    programs = cdiv(numel, chunk)
    e_pad = next_pow2(num_experts)
    sorted_ids = torch.full((em,), -7, dtype=torch.int32, device=dev)
    expert_ids = torch.full((blocks,), -7, dtype=torch.int32, device=dev)
    nttp = torch.full((1,), -7, dtype=torch.int32, device=dev)
    hist = torch.empty(programs * e_pad, dtype=torch.int32, device=dev)
    bounds = torch.empty(2 * e_pad, dtype=torch.int32, device=dev)
    align_k.moe_align_count[(programs,)](
        topk_ids, hist, sorted_ids, numel, num_experts, em,
        CHUNK=chunk, E_PAD=e_pad, FILL_BLOCK=1024, E_BLOCK=min(64, e_pad),
    )
    align_k.moe_align_scan[(1,)](hist, bounds, nttp, programs, num_experts, BLOCK_SIZE_M=block_m, E_PAD=e_pad, SCAN_ROWS=16)
    align_k.moe_align_scatter[(programs,)](
        topk_ids, hist, bounds, expert_map, sorted_ids, expert_ids, numel, num_experts, blocks,
        CHUNK=chunk, E_PAD=e_pad, BLOCK_SIZE_M=block_m, HAS_EXPERT_MAP=expert_map is not None, BLOCK_ROWS=16,
    )
    return sorted_ids, expert_ids, nttp, em


def align_reference(topk_ids, num_experts, block_m, expert_map=None):
    """Plain-Python expected alignment: (sorted_ids list up to the padded total, expert_ids list, total)."""
    ids = topk_ids.flatten().tolist()
    numel = len(ids)
    sorted_ids, expert_ids = [], []
    for e in range(num_experts):
        pairs = [i for i, x in enumerate(ids) if x == e]
        if not pairs:
            continue
        padded = cdiv(len(pairs), block_m) * block_m
        sorted_ids += pairs + [numel] * (padded - len(pairs))
        owner = e if expert_map is None else int(expert_map[e])
        expert_ids += [owner] * (padded // block_m)
    return sorted_ids, expert_ids, len(sorted_ids)


def gemm(a, w, c, sorted_ids, expert_ids, nttp, em, num_valid, top_k, config, mode,
         topk_weights=None, a_scale=None, w_scale=None, block_shape=(128, 128)):
    """C[pair] = A[pair // top_k] @ W[e]^T (x topk_weights[pair]) through fused_moe_gemm (JIT)."""
    n, k = w.shape[1], w.shape[2]
    quant = QUANT[mode]
    grid = (cdiv(em, config["BLOCK_SIZE_M"]) * cdiv(n, config["BLOCK_SIZE_N"]),)
    if quant == 2:
        scale_strides = (a_scale.stride(0), a_scale.stride(1), w_scale.stride(0), w_scale.stride(2), w_scale.stride(1))
        group_n, group_k = block_shape
    else:
        scale_strides = (0, 0, 0, 0, 0)
        group_n, group_k = 0, 0
    gemm_k.fused_moe_gemm[grid](
        a, w, c, a_scale if quant else None, w_scale if quant else None, topk_weights,
        sorted_ids, expert_ids, nttp,
        n, k, em, num_valid,
        a.stride(0), a.stride(1), w.stride(0), w.stride(2), w.stride(1), c.stride(0), c.stride(1),
        *scale_strides,
        GROUP_N=group_n, GROUP_K=group_k,
        BLOCK_SIZE_M=config["BLOCK_SIZE_M"], BLOCK_SIZE_N=config["BLOCK_SIZE_N"],
        BLOCK_SIZE_K=config["BLOCK_SIZE_K"], GROUP_SIZE_M=config["GROUP_SIZE_M"],
        MUL_ROUTED_WEIGHT=topk_weights is not None, top_k=top_k, QUANT=quant,
        EVEN_K=k % config["BLOCK_SIZE_K"] == 0,
        num_warps=config["num_warps"], num_stages=config["num_stages"],
    )
    return grid


def silu_and_mul(x, out, block_n=1024):
    n = out.shape[1]
    elem_k.silu_and_mul[(x.shape[0], cdiv(n, block_n))](x, out, n, x.stride(0), out.stride(0), BLOCK_N=block_n)


def moe_sum(x, out, top_k, block_k=1024):
    m, k = out.shape
    elem_k.moe_sum[(m, cdiv(k, block_k))](x, out, k, x.stride(0), out.stride(0), TOP_K=top_k, BLOCK_K=block_k)


def quant_per_tensor(x, scale, fp8_dtype):
    q = torch.empty(x.shape, dtype=fp8_dtype, device=x.device)
    elem_k.fp8_quant_per_tensor[(x.shape[0], cdiv(x.shape[1], 1024))](
        x, q, scale, x.shape[1], x.stride(0), q.stride(0), BLOCK_K=1024, FP8_MAX=FP8_MAX
    )
    return q


def quant_per_token_group(x, group, fp8_dtype):
    rows, k = x.shape
    q = torch.empty(x.shape, dtype=fp8_dtype, device=x.device)
    s = torch.empty((rows, cdiv(k, group)), dtype=torch.float32, device=x.device)
    elem_k.fp8_quant_per_token_group[(rows, cdiv(k, group))](
        x, q, s, k, x.stride(0), q.stride(0), s.stride(0), GROUP=group, FP8_MAX=FP8_MAX
    )
    return q, s


# ---------------------------------------------------------------- float64 references

def ref_gemm(a64, w64, topk_ids, top_k, weights=None, expert_map=None):
    """[numel, N] float64: row pair = a64[pair // top_k] @ w64[local e]^T (x weight); 0 for experts mapped to -1."""
    ids = topk_ids.flatten().long()
    numel = ids.numel()
    out = torch.zeros((numel, w64.shape[1]), dtype=torch.float64, device=a64.device)
    pairs = torch.arange(numel, device=a64.device)
    for e in torch.unique(ids).tolist():
        sel = pairs[ids == e]
        # With an expert map, topk ids are global and the weights are this rank's experts.
        local = e if expert_map is None else int(expert_map[e])
        if local < 0:
            continue
        out[sel] = a64[sel // top_k] @ w64[local].T
    if weights is not None:
        out = out * weights.flatten().double()[:, None]
    return out


def dequant_block(q, s, group_rows, group_cols):
    """q [..., R, C] fp8 with scales s [..., cdiv(R, gr), cdiv(C, gc)] -> float64."""
    x = q.double()
    s64 = s.double()
    s64 = s64.repeat_interleave(group_rows, dim=-2)[..., : x.shape[-2], :]
    s64 = s64.repeat_interleave(group_cols, dim=-1)[..., : x.shape[-1]]
    return x * s64


def rel_err(out, ref):
    """max |out - ref| / max |ref| (0 when both are 0)."""
    ref = ref.double()
    diff = (out.double() - ref).abs().max().item()
    scale = ref.abs().max().item()
    return diff / scale if scale > 0 else diff
