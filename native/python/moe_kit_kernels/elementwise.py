"""The small kernels around the two GEMMs of a MoE layer: activation, top-k sum, fp8 quantisation."""

import triton
import triton.language as tl


@triton.jit
def silu_and_mul(x_ptr, out_ptr, N, stride_x_row, stride_out_row, BLOCK_N: tl.constexpr):
    """out[r, :] = silu(x[r, :N]) * x[r, N:2N], computed in fp32."""
    row = tl.program_id(0).to(tl.int64)
    offs = tl.program_id(1) * BLOCK_N + tl.arange(0, BLOCK_N)
    inside = offs < N
    base = x_ptr + row * stride_x_row
    gate = tl.load(base + offs, mask=inside, other=0.0).to(tl.float32)
    up = tl.load(base + N + offs, mask=inside, other=0.0).to(tl.float32)
    y = gate / (1.0 + tl.exp(-gate)) * up
    tl.store(out_ptr + row * stride_out_row + offs, y.to(out_ptr.dtype.element_ty), mask=inside)


@triton.jit
def moe_sum(x_ptr, out_ptr, K, stride_x_row, stride_out_row, TOP_K: tl.constexpr, BLOCK_K: tl.constexpr):
    """out[m, :] = sum over j < TOP_K of x[m * TOP_K + j, :], accumulated in fp32."""
    m = tl.program_id(0).to(tl.int64)
    offs = tl.program_id(1) * BLOCK_K + tl.arange(0, BLOCK_K)
    inside = offs < K
    acc = tl.zeros((BLOCK_K,), dtype=tl.float32)
    for j in tl.static_range(TOP_K):
        acc += tl.load(x_ptr + (m * TOP_K + j) * stride_x_row + offs, mask=inside, other=0.0).to(tl.float32)
    tl.store(out_ptr + m * stride_out_row + offs, acc.to(out_ptr.dtype.element_ty), mask=inside)


@triton.jit
def fp8_quant_per_tensor(
    x_ptr, q_ptr, scale_ptr, K, stride_x_row, stride_q_row, BLOCK_K: tl.constexpr, FP8_MAX: tl.constexpr
):
    """q = clamp(x / scale) with one given (static) scale for the whole tensor."""
    row = tl.program_id(0).to(tl.int64)
    offs = tl.program_id(1) * BLOCK_K + tl.arange(0, BLOCK_K)
    inside = offs < K
    x = tl.load(x_ptr + row * stride_x_row + offs, mask=inside, other=0.0).to(tl.float32)
    q = x / tl.load(scale_ptr)
    q = tl.minimum(tl.maximum(q, -FP8_MAX), FP8_MAX)
    tl.store(q_ptr + row * stride_q_row + offs, q.to(q_ptr.dtype.element_ty), mask=inside)


@triton.jit
def fp8_quant_per_token_group(
    x_ptr,
    q_ptr,
    scale_ptr,
    K,
    stride_x_row,
    stride_q_row,
    stride_s_row,
    GROUP: tl.constexpr,
    FP8_MAX: tl.constexpr,
):
    """Per row and per GROUP columns: scale = max|x| / FP8_MAX, q = x / scale."""
    row = tl.program_id(0).to(tl.int64)
    group = tl.program_id(1)
    offs = group * GROUP + tl.arange(0, GROUP)
    inside = offs < K
    x = tl.load(x_ptr + row * stride_x_row + offs, mask=inside, other=0.0).to(tl.float32)
    scale = tl.maximum(tl.max(tl.abs(x), axis=0), 1e-10) / FP8_MAX
    q = tl.minimum(tl.maximum(x / scale, -FP8_MAX), FP8_MAX)
    tl.store(q_ptr + row * stride_q_row + offs, q.to(q_ptr.dtype.element_ty), mask=inside)
    tl.store(scale_ptr + row * stride_s_row + group, scale)
