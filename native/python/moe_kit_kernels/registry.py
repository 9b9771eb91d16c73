"""The kernels the compile worker knows, with the default Triton type of each runtime param.

Imports Triton (through the kernel modules): import it only after Triton is known to load.
"""

from . import align, elementwise, gemm


class KernelEntry(object):
    """A kernel and the default Triton type of each runtime param. `types_required`: an engine's
    kernel has no defaults here, so every request names the type of each runtime param."""

    def __init__(self, fn, default_types, types_required=False):
        self.fn = fn
        self.default_types = default_types
        self.types_required = types_required
        runtime = [p.name for p in fn.params if not p.is_constexpr]
        self.runtime = frozenset(runtime)
        if types_required:
            return
        missing = [name for name in runtime if name not in default_types]
        extra = [name for name in default_types if name not in runtime]
        if missing or extra:
            raise RuntimeError(
                "registry for %s out of date: missing %s, unknown %s" % (fn.__name__, missing, extra)
            )


def _ints(*names):
    return {name: "i32" for name in names}


def _ptrs(ty, *names):
    return {name: "*" + ty for name in names}


KERNELS = {
    "fused_moe_gemm": KernelEntry(
        gemm.fused_moe_gemm,
        dict(
            _ptrs("bf16", "a_ptr", "b_ptr", "c_ptr"),
            **_ptrs("fp32", "a_scale_ptr", "b_scale_ptr", "topk_weights_ptr"),
            **_ptrs("i32", "sorted_token_ids_ptr", "expert_ids_ptr", "num_tokens_post_padded_ptr"),
            **_ints(
                "N", "K", "EM", "num_valid_tokens",
                "stride_am", "stride_ak", "stride_be", "stride_bk", "stride_bn", "stride_cm", "stride_cn",
                "stride_asm", "stride_ask", "stride_bse", "stride_bsk", "stride_bsn",
            )
        ),
    ),
    "moe_align_count": KernelEntry(
        align.moe_align_count,
        dict(_ptrs("i32", "topk_ids_ptr", "hist_ptr", "sorted_token_ids_ptr"), **_ints("numel", "num_experts", "EM")),
    ),
    "moe_align_scan": KernelEntry(
        align.moe_align_scan,
        dict(
            _ptrs("i32", "hist_ptr", "bounds_ptr", "num_tokens_post_padded_ptr"),
            **_ints("num_chunks", "num_experts")
        ),
    ),
    "moe_align_scatter": KernelEntry(
        align.moe_align_scatter,
        dict(
            _ptrs(
                "i32", "topk_ids_ptr", "hist_ptr", "bounds_ptr", "expert_map_ptr",
                "sorted_token_ids_ptr", "expert_ids_ptr",
            ),
            **_ints("numel", "num_experts", "num_blocks")
        ),
    ),
    "silu_and_mul": KernelEntry(
        elementwise.silu_and_mul,
        dict(_ptrs("bf16", "x_ptr", "out_ptr"), **_ints("N", "stride_x_row", "stride_out_row")),
    ),
    "moe_sum": KernelEntry(
        elementwise.moe_sum,
        dict(_ptrs("bf16", "x_ptr", "out_ptr"), **_ints("K", "stride_x_row", "stride_out_row")),
    ),
    "fp8_quant_per_tensor": KernelEntry(
        elementwise.fp8_quant_per_tensor,
        dict(
            {"x_ptr": "*bf16", "q_ptr": "*fp8e4nv", "scale_ptr": "*fp32"},
            **_ints("K", "stride_x_row", "stride_q_row")
        ),
    ),
    "fp8_quant_per_token_group": KernelEntry(
        elementwise.fp8_quant_per_token_group,
        dict(
            {"x_ptr": "*bf16", "q_ptr": "*fp8e4nv", "scale_ptr": "*fp32"},
            **_ints("K", "stride_x_row", "stride_q_row", "stride_s_row")
        ),
    ),
}
