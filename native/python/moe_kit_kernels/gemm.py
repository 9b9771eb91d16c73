"""The fused-MoE grouped GEMM (the kernel whose launch configs MoE Kit tunes).

For every row block of `sorted_token_ids` (the (token, slot) pairs of one expert, padded to
BLOCK_SIZE_M with the sentinel num_valid_tokens), one program computes a BLOCK_SIZE_M x
BLOCK_SIZE_N tile of

    C[pair, :] = A[pair // top_k, :] @ B[expert, :, :]^T   (times topk_weights[pair])

with an fp32 accumulator. The tiling parameters and their meaning are those of the engines'
kernels, so a config measured here is the config an engine wants. Written from
../shared/design/KERNEL.md.
"""

import triton
import triton.language as tl


@triton.jit
def _store_rows(c_ptr, tile, rows, cols, live, N, stride_cm, stride_cn):
    # The output pointers are built here, after the K loop, so they hold no registers during it.
    ptrs = c_ptr + rows[:, None] * stride_cm + cols[None, :] * stride_cn
    tl.store(ptrs, tile, mask=live[:, None] & (cols[None, :] < N))


@triton.jit
def fused_moe_gemm(
    a_ptr,
    b_ptr,
    c_ptr,
    a_scale_ptr,
    b_scale_ptr,
    topk_weights_ptr,
    sorted_token_ids_ptr,
    expert_ids_ptr,
    num_tokens_post_padded_ptr,
    N,
    K,
    EM,
    num_valid_tokens,
    stride_am,
    stride_ak,
    stride_be,
    stride_bk,
    stride_bn,
    stride_cm,
    stride_cn,
    stride_asm,
    stride_ask,
    stride_bse,
    stride_bsk,
    stride_bsn,
    GROUP_N: tl.constexpr,
    GROUP_K: tl.constexpr,
    BLOCK_SIZE_M: tl.constexpr,
    BLOCK_SIZE_N: tl.constexpr,
    BLOCK_SIZE_K: tl.constexpr,
    GROUP_SIZE_M: tl.constexpr,
    MUL_ROUTED_WEIGHT: tl.constexpr,
    top_k: tl.constexpr,
    QUANT: tl.constexpr,
    EVEN_K: tl.constexpr,
):
    # QUANT: 0 = bf16/fp16, 1 = fp8 w8a8 per-tensor, 2 = fp8 w8a8 block-wise [GROUP_N, GROUP_K].
    if QUANT == 2:
        tl.static_assert(GROUP_K % BLOCK_SIZE_K == 0, "block-wise fp8 needs GROUP_K % BLOCK_SIZE_K == 0")

    # Program -> (row block, column block), GROUP_SIZE_M row blocks per band so that the
    # programs running together share the same weight columns in L2.
    pid = tl.program_id(0)
    blocks_m = tl.cdiv(EM, BLOCK_SIZE_M)
    blocks_n = tl.cdiv(N, BLOCK_SIZE_N)
    per_band = GROUP_SIZE_M * blocks_n
    band = pid // per_band
    band_first_m = band * GROUP_SIZE_M
    band_rows = tl.minimum(blocks_m - band_first_m, GROUP_SIZE_M)
    in_band = pid % per_band
    pid_m = band_first_m + in_band % band_rows
    pid_n = in_band // band_rows

    # The grid covers the worst case; blocks past the padded total have nothing to do.
    padded_total = tl.load(num_tokens_post_padded_ptr)
    if pid_m * BLOCK_SIZE_M >= padded_total:
        return

    # padded_total is a multiple of BLOCK_SIZE_M and <= EM, so this block lies inside EM.
    rows = pid_m * BLOCK_SIZE_M + tl.arange(0, BLOCK_SIZE_M)
    pairs = tl.load(sorted_token_ids_ptr + rows)
    live = pairs < num_valid_tokens
    pairs64 = pairs.to(tl.int64)

    cols = pid_n * BLOCK_SIZE_N + tl.arange(0, BLOCK_SIZE_N)

    expert = tl.load(expert_ids_ptr + pid_m)
    if expert == -1:
        # An expert that lives on another rank: its rows contribute nothing to the sum.
        zeros = tl.zeros((BLOCK_SIZE_M, BLOCK_SIZE_N), dtype=c_ptr.dtype.element_ty)
        _store_rows(c_ptr, zeros, pairs64, cols, live, N, stride_cm, stride_cn)
        return
    expert64 = expert.to(tl.int64)

    offs_k = tl.arange(0, BLOCK_SIZE_K)
    a_rows = pairs64 // top_k
    a_ptrs = a_ptr + (a_rows[:, None] * stride_am + offs_k[None, :] * stride_ak)
    # Columns past N wrap onto valid weight rows; their results are never stored.
    b_cols = cols % N
    b_ptrs = b_ptr + expert64 * stride_be + (offs_k[:, None] * stride_bk + b_cols[None, :] * stride_bn)

    if QUANT == 1:
        a_scale = tl.load(a_scale_ptr)
        b_scale = tl.load(b_scale_ptr + expert64)
    if QUANT == 2:
        a_scale_ptrs = a_scale_ptr + a_rows * stride_asm
        b_scale_ptrs = b_scale_ptr + expert64 * stride_bse + (b_cols // GROUP_N) * stride_bsn

    acc = tl.zeros((BLOCK_SIZE_M, BLOCK_SIZE_N), dtype=tl.float32)
    for kb in range(0, tl.cdiv(K, BLOCK_SIZE_K)):
        if EVEN_K:
            a = tl.load(a_ptrs, mask=live[:, None], other=0.0)
            b = tl.load(b_ptrs)
        else:
            k_left = K - kb * BLOCK_SIZE_K
            a = tl.load(a_ptrs, mask=live[:, None] & (offs_k[None, :] < k_left), other=0.0)
            b = tl.load(b_ptrs, mask=offs_k[:, None] < k_left, other=0.0)
        if QUANT == 2:
            group = (kb * BLOCK_SIZE_K) // GROUP_K
            a_s = tl.load(a_scale_ptrs + group * stride_ask, mask=live, other=0.0)
            b_s = tl.load(b_scale_ptrs + group * stride_bsk)
            acc += tl.dot(a, b) * a_s[:, None] * b_s[None, :]
        else:
            acc = tl.dot(a, b, acc)
        a_ptrs += BLOCK_SIZE_K * stride_ak
        b_ptrs += BLOCK_SIZE_K * stride_bk

    if MUL_ROUTED_WEIGHT:
        weight = tl.load(topk_weights_ptr + pairs64, mask=live, other=0.0)
        acc = acc * weight[:, None]
    if QUANT == 1:
        acc = acc * (a_scale * b_scale)
    _store_rows(c_ptr, acc.to(c_ptr.dtype.element_ty), pairs64, cols, live, N, stride_cm, stride_cn)
