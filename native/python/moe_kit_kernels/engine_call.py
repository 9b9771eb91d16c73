"""Runs the installed engine's own launch function on given inputs, recording the kernel launch.

Used by the self-check (`engine_check`): the engine's Python decides every argument, constexpr
and grid of its fused_moe_kernel; this module records them (by the kernel's parameter names),
lets the launch go ahead through Triton's JIT, and returns the output and every tensor the
kernel got that was not one of the inputs (for example activations the engine quantised
itself). @moe/native then launches its own binding of the same config on the same inputs and
compares both the recorded launch and the output bytes. Needs PyTorch and a GPU (the engine's
environment has both).

The call site, what MoE Kit passes to the launch function, follows what each engine's fused
experts path passes for one GEMM without expert parallelism (the engine stand-ins' README):
the up GEMM with top_k = the layer's top-k and no routing weights, the down GEMM with top_k = 1
over the pairs and the routing weights.
"""

import base64
import contextlib
import hashlib
import os

DTYPES = ("bf16", "fp16", "fp32", "i32", "fp8e4nv")


def _torch_dtype(torch, name):
    table = {
        "bf16": torch.bfloat16,
        "fp16": torch.float16,
        "fp32": torch.float32,
        "i32": torch.int32,
        "fp8e4nv": torch.float8_e4m3fn,
    }
    if name not in table:
        raise ValueError("tensor dtype %r is not one of %s" % (name, ", ".join(DTYPES)))
    return table[name]


def _dtype_name(torch, dtype):
    for name in DTYPES:
        if _torch_dtype(torch, name) == dtype:
            return name
    return str(dtype)


def load_tensors(torch, specs):
    """{name: {path, dtype, shape}} -> {name: cuda tensor} (raw little-endian bytes files)."""
    out = {}
    for name, spec in specs.items():
        with open(spec["path"], "rb") as f:
            raw = f.read()
        dtype = _torch_dtype(torch, spec["dtype"])
        t = torch.frombuffer(bytearray(raw), dtype=torch.uint8)
        count = 1
        for d in spec["shape"]:
            count *= int(d)
        t = t[: count * torch.empty((), dtype=dtype).element_size()].view(dtype).reshape(spec["shape"])
        out[name] = t.cuda()
    return out


class _Recorder(object):
    """Stands in for JITFunction.run on one kernel object: records each launch, then runs it or not."""

    def __init__(self, fn, launch):
        self.fn = fn
        self.launch = launch
        self.calls = []

    def __call__(self, *args, **kwargs):
        grid = kwargs.pop("grid")
        warmup = kwargs.pop("warmup", False)
        self.calls.append((args, dict(kwargs), grid))
        if self.launch:
            return type(self.fn).run(self.fn, *args, grid=grid, warmup=warmup, **kwargs)
        return None


@contextlib.contextmanager
def recording(fn, launch):
    rec = _Recorder(fn, launch)
    fn.run = rec  # the instance attribute shadows JITFunction.run for `fn[grid](...)`
    try:
        yield rec
    finally:
        try:
            del fn.run
        except AttributeError:
            pass


@contextlib.contextmanager
def patched(module, name, value):
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


def describe(torch, value, inputs):
    """A JSON description of one kernel argument; tensors are named by the input they view."""
    if value is None:
        return {"kind": "none"}
    if isinstance(value, bool):
        return {"kind": "bool", "value": value}
    if isinstance(value, int):
        return {"kind": "int", "value": value}
    if isinstance(value, float):
        return {"kind": "float", "value": value}
    if isinstance(value, torch.Tensor):
        match = None
        for name, t in inputs.items():
            if t.data_ptr() == value.data_ptr() and t.dtype == value.dtype and t.numel() == value.numel():
                match = name
                break
        return {
            "kind": "tensor",
            "input": match,
            "dtype": _dtype_name(torch, value.dtype),
            "shape": list(value.shape),
            "stride": list(value.stride()),
            "aligned16": value.data_ptr() % 16 == 0,
        }
    text = str(value)
    try:
        import triton.language as tl

        if isinstance(value, tl.dtype):
            return {"kind": "dtype", "value": text}
    except Exception:
        pass
    return {"kind": "other", "type": type(value).__name__, "repr": text[:200]}


def _compute_type(tl, name):
    return {"bf16": tl.bfloat16, "fp16": tl.float16}[name]


def call_launch(engine, call, t):
    """Calls this engine version's launch function for one GEMM with tensors `t`."""
    import triton.language as tl

    cfg = dict(call["config"])
    mode = call["mode"]
    fp8 = mode in ("fp8_w8a8", "fp8_w8a8_block")
    block_shape = list(call["block_shape"]) if mode == "fp8_w8a8_block" else None
    compute_type = _compute_type(tl, call.get("out_dtype", "bf16"))
    top_k = int(call["top_k"])
    mul = bool(call["mul_routed_weight"])
    if engine.engine == "sglang":
        engine.launch(
            t["A"], t["B"], None, t["C"], t.get("A_scale"), t.get("B_scale"), None,
            t["topk_weights"], t["topk_ids"], t["sorted_token_ids"], t["expert_ids"], t["num_tokens_post_padded"],
            mul, top_k, cfg, compute_type, fp8, False, False, False, False, block_shape,
            filter_expert=False,
        )
        return
    # vLLM: the choice between the aligned and the naive block assignment is the engine's own
    # (_prepare_expert_assignment, where this version has it), fed MoE Kit's alignment.
    sorted_ids, expert_ids, ntpp = t["sorted_token_ids"], t["expert_ids"], t["num_tokens_post_padded"]
    prep = getattr(engine.module, "_prepare_expert_assignment", None)
    if prep is not None:
        aligned = (t["sorted_token_ids"], t["expert_ids"], t["num_tokens_post_padded"])
        with patched(engine.module, "moe_align_block_size", lambda *a, **k: aligned):
            sorted_ids, expert_ids, ntpp = prep(
                t["topk_ids"], cfg, int(call["tokens"]), int(call["layer_topk"]), int(call["E"]), None,
                block_shape=block_shape,
            )
    rows = t["A"].shape[0]
    engine.launch(
        t["A"], t["B"], t["C"].view(rows, top_k, t["C"].shape[-1]), t.get("A_scale"), t.get("B_scale"),
        t["topk_weights"], sorted_ids, expert_ids, ntpp, mul, top_k, cfg, compute_type,
        fp8, False, False, False, False, block_shape,  # use_fp8, int8_w8a8, int8_w8a16, int4_w4a16, per_channel_quant
    )


def record_call(engine, rec, inputs):
    import torch

    if len(rec.calls) != 1:
        raise RuntimeError(
            "%s %s: %s launched %s %d times for one GEMM; MoE Kit expects exactly one launch"
            % (engine.engine, engine.version, engine.launch_name, engine.kernel.__name__ if hasattr(engine.kernel, "__name__") else "fused_moe_kernel", len(rec.calls))
        )
    args, kwargs, grid = rec.calls[0]
    names = [p.name for p in engine.kernel.params]
    if len(args) > len(names):
        raise RuntimeError("%s passed %d positional args to a kernel of %d params" % (engine.launch_name, len(args), len(names)))
    bound = dict(zip(names, args))
    options = {}
    for k, v in kwargs.items():
        if k in names:
            bound[k] = v
        else:
            options[k] = v
    meta = dict(bound)
    meta.update(options)
    grid_value = grid(meta) if callable(grid) else grid
    grid_value = [int(g) for g in (grid_value if isinstance(grid_value, (tuple, list)) else (grid_value,))]
    while len(grid_value) < 3:
        grid_value.append(1)
    params = {name: describe(torch, bound[name], inputs) for name in names if name in bound}
    missing = [name for name in names if name not in bound]
    return {
        "params": params,
        "missing": missing,
        "options": {k: (v if isinstance(v, (bool, int, float, str)) or v is None else str(v)) for k, v in options.items()},
        "grid": grid_value,
    }, bound


def _jit_binary_sha(engine):
    """sha256 of each cubin Triton's JIT holds for the kernel (3.x device_caches), or [] when not visible."""
    out = []
    try:
        for caches in engine.kernel.device_caches.values():
            for compiled in caches[0].values():
                asm = getattr(compiled, "asm", {})
                b = asm.get("cubin") or asm.get("hsaco")
                if b is not None:
                    if isinstance(b, str):
                        b = b.encode("latin-1")
                    out.append(hashlib.sha256(b).hexdigest())
    except Exception:
        return []
    return out


def engine_check(engine, req):
    """Runs the engine's launch for real; returns the record, the output file and derived tensors."""
    import torch

    out_dir = req["out_dir"]
    inputs = load_tensors(torch, req["tensors"])
    c_spec = req["output"]
    inputs["C"] = torch.full(c_spec["shape"], float("nan"), dtype=_torch_dtype(torch, c_spec["dtype"]), device="cuda")
    before = set(_jit_binary_sha(engine))
    with recording(engine.kernel, launch=True) as rec:
        call_launch(engine, req["call"], inputs)
    torch.cuda.synchronize()
    record, bound = record_call(engine, rec, inputs)
    c_path = os.path.join(out_dir, "engine-C.bin")
    with open(c_path, "wb") as f:
        f.write(inputs["C"].contiguous().view(torch.uint8).cpu().numpy().tobytes())
    derived = {}
    for name, desc in record["params"].items():
        if desc["kind"] == "tensor" and desc["input"] is None:
            t = bound[name]
            path = os.path.join(out_dir, "engine-%s.bin" % name)
            with open(path, "wb") as f:
                f.write(t.contiguous().view(torch.uint8).cpu().numpy().tobytes())
            derived[name] = {"path": path, "dtype": desc["dtype"], "shape": desc["shape"]}
    new = [s for s in _jit_binary_sha(engine) if s not in before]
    return {"record": record, "output_path": c_path, "derived": derived, "jit_binaries": new or _jit_binary_sha(engine)}


def engine_time(engine, req):
    """CUDA-graph timing of the engine's own launches: per config, the engine's launch function is
    run once (recorded, through Triton's JIT), then that exact kernel launch is replayed from a
    graph of `launches` launches: `warmup` replays, then the median of `repeats` timed replays."""
    import torch

    inputs = load_tensors(torch, req["tensors"])
    c_spec = req["output"]
    inputs["C"] = torch.zeros(c_spec["shape"], dtype=_torch_dtype(torch, c_spec["dtype"]), device="cuda")
    launches = int(req.get("launches", 10))
    warmup = int(req.get("warmup", 5))
    repeats = int(req.get("repeats", 20))
    results = []
    for config in req["configs"]:
        call = dict(req["call"])
        call["config"] = config
        try:
            with recording(engine.kernel, launch=True) as rec:
                call_launch(engine, call, inputs)
            torch.cuda.synchronize()
            args, kwargs, grid = rec.calls[0]
            stream = torch.cuda.Stream()
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.stream(stream):
                engine.kernel[grid](*args, **kwargs)  # warm the launcher on this stream
                torch.cuda.synchronize()
                with torch.cuda.graph(graph, stream=stream):
                    for _ in range(launches):
                        engine.kernel[grid](*args, **kwargs)
            for _ in range(warmup):
                graph.replay()
            torch.cuda.synchronize()
            times = []
            for _ in range(repeats):
                start = torch.cuda.Event(enable_timing=True)
                end = torch.cuda.Event(enable_timing=True)
                start.record()
                graph.replay()
                end.record()
                end.synchronize()
                times.append(start.elapsed_time(end) * 1000.0 / launches)
            times.sort()
            mid = len(times) // 2
            median = times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2
            results.append({"ok": True, "median_us": median, "min_us": times[0], "max_us": times[-1]})
            del graph
        except Exception as e:  # a config that fails to compile or launch is a result
            results.append({"ok": False, "message": "%s: %s" % (type(e).__name__, str(e)[:500])})
    return {"results": results}


def encode_bytes(b):
    return base64.b64encode(b).decode("ascii")
