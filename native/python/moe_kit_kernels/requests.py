"""Compile requests for every kernel and dtype mode, as the TS builders make them.

Used by the self-tests (tests/) so that the Python side exercises exactly the requests the
TS side sends. Mirrors native/src/compile/requests.ts.
"""

FP8_MAX = 448.0
TARGET_SM90 = {"backend": "cuda", "arch": "sm_90", "warpSize": 32}

GEMM_MODES = {
    # mode: (QUANT, a/b type, GROUP_N, GROUP_K)
    "bf16": (0, "*bf16", 0, 0),
    "fp16": (0, "*fp16", 0, 0),
    "fp8_w8a8": (1, "*fp8e4nv", 0, 0),
    "fp8_w8a8_block": (2, "*fp8e4nv", 128, 128),
}


def spec_of(value):
    """Triton's JIT choice for an integer argument."""
    if value == 1:
        return "one"
    return "div16" if value % 16 == 0 else "none"


def gemm_request(mode, config, top_k, mul_routed_weight, even_k, ints, out_type=None, target=TARGET_SM90):
    """ints: the integer runtime args by name (N, K, EM, num_valid_tokens and the strides)."""
    quant, ab_type, group_n, group_k = GEMM_MODES[mode]
    out = out_type or ("*fp16" if mode == "fp16" else "*bf16")
    constexprs = {
        "BLOCK_SIZE_M": config["BLOCK_SIZE_M"],
        "BLOCK_SIZE_N": config["BLOCK_SIZE_N"],
        "BLOCK_SIZE_K": config["BLOCK_SIZE_K"],
        "GROUP_SIZE_M": config["GROUP_SIZE_M"],
        "MUL_ROUTED_WEIGHT": bool(mul_routed_weight),
        "top_k": top_k,
        "QUANT": quant,
        "EVEN_K": bool(even_k),
        "GROUP_N": group_n,
        "GROUP_K": group_k,
    }
    if quant == 0:
        constexprs.update({"a_scale_ptr": None, "b_scale_ptr": None})
    if quant != 2:
        constexprs.update({k: 0 for k in ("stride_asm", "stride_ask", "stride_bse", "stride_bsk", "stride_bsn")})
    if not mul_routed_weight:
        constexprs["topk_weights_ptr"] = None
    spec = {k: spec_of(v) for k, v in ints.items() if k not in constexprs}
    return {
        "kernel": "fused_moe_gemm",
        "constexprs": constexprs,
        "types": {"a_ptr": ab_type, "b_ptr": ab_type, "c_ptr": out},
        "num_warps": config["num_warps"],
        "num_stages": config["num_stages"],
        "target": target,
        "specialization": spec,
    }
