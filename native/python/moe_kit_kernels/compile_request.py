"""Turn one protocol compile request into triton.compile(ASTSource(...)) and its result.

See native/PROTOCOL.md. Kept apart from the worker's I/O so that the self-test can compile
through exactly the same path.
"""

import base64
import re
import time
import traceback

SPECIALIZATIONS = ("div16", "one", "none")
PARAM_KIND = {"i32": "i32", "i64": "i64", "u64": "u64", "fp32": "f32"}


class BadRequest(Exception):
    pass


# Failures of the machine rather than of the config (a full disk or an unwritable Triton cache,
# a missing ptxas, no memory): the same request may compile once that is fixed.
ENVIRONMENT_ERRORS = (OSError, MemoryError)


def parse_target(target):
    from triton.backends.compiler import GPUTarget

    if not isinstance(target, dict):
        raise BadRequest("target must be an object {backend, arch, warpSize}")
    backend = target.get("backend")
    arch = target.get("arch")
    warp = target.get("warpSize", 32 if backend == "cuda" else 64)
    if backend == "cuda":
        m = re.match(r"^sm_(\d+)[a-z]?$", str(arch))
        if not m:
            raise BadRequest("target.arch %r is not an NVIDIA arch like 'sm_90'" % (arch,))
        return GPUTarget("cuda", int(m.group(1)), int(warp))
    if backend == "hip":
        if not re.match(r"^gfx[0-9a-f]+$", str(arch)):
            raise BadRequest("target.arch %r is not an AMD arch like 'gfx942'" % (arch,))
        return GPUTarget("hip", str(arch), int(warp))
    raise BadRequest("target.backend %r must be 'cuda' or 'hip'" % (backend,))


def divisibility_attr(target):
    """The attribute Triton's JIT attaches to a value known to be a multiple of 16."""
    try:
        from triton.compiler.compiler import make_backend

        return make_backend(target).parse_attr("D")
    except Exception:
        return [["tt.divisibility", 16]]


def constexpr_value(value):
    """A request's constexpr as Triton takes it: 'tl.bfloat16' -> triton.language.bfloat16."""
    if isinstance(value, str):
        import triton.language as tl

        if value.startswith("tl.") and isinstance(getattr(tl, value[3:], None), tl.dtype):
            return getattr(tl, value[3:])
        raise BadRequest("constexpr value %r is not a Triton dtype like 'tl.bfloat16'" % (value,))
    return value


def build(req, kernels):
    """-> (fn, signature, constexprs, attrs, params, specialization) or raises BadRequest."""
    name = req.get("kernel")
    if name not in kernels:
        raise BadRequest("unknown kernel %r; known: %s" % (name, ", ".join(sorted(kernels))))
    entry = kernels[name]
    fn = entry.fn
    arg_names = [p.name for p in fn.params]
    given = req.get("constexprs") or {}
    types = dict(entry.default_types)
    req_types = req.get("types") or {}
    spec_req = req.get("specialization") or {}
    for field, names in (("constexprs", given), ("types", req_types), ("specialization", spec_req)):
        unknown = [k for k in names if k not in arg_names]
        if unknown:
            raise BadRequest("%s names unknown params of %s: %s; params are %s" % (field, name, unknown, arg_names))
    for k, v in req_types.items():
        if k not in entry.runtime:
            raise BadRequest("types.%s: %s is a constexpr of %s, it has no runtime type" % (k, k, name))
        if not isinstance(v, str) or not v:
            raise BadRequest("types.%s must be a Triton type string like '*bf16'" % k)
        types[k] = v
    for k, v in spec_req.items():
        if v not in SPECIALIZATIONS:
            raise BadRequest("specialization.%s is %r; use one of %s" % (k, v, SPECIALIZATIONS))

    signature = {}
    constexprs = {}
    attrs = {}
    params = []
    spec_out = {}
    div16 = None
    for i, p in enumerate(fn.params):
        pname = p.name
        if p.is_constexpr:
            if pname in given:
                constexprs[pname] = constexpr_value(given[pname])
            elif p.has_default:
                constexprs[pname] = p.default
            else:
                raise BadRequest("constexprs.%s is missing (a tl.constexpr of %s)" % (pname, name))
            signature[pname] = "constexpr"
            continue
        if pname in given:
            signature[pname] = "constexpr"
            constexprs[pname] = constexpr_value(given[pname])
            continue
        ty = types.get(pname)
        if ty is None:
            raise BadRequest("types.%s is missing: %s has no default type for it; name the Triton type of every runtime param" % (pname, name))
        is_ptr = ty.startswith("*")
        sp = spec_req.get(pname, "div16" if is_ptr else "none")
        if sp == "one":
            if is_ptr:
                raise BadRequest("specialization.%s: a pointer cannot be 'one'" % pname)
            signature[pname] = "constexpr"
            constexprs[pname] = 1
            spec_out[pname] = "one"
            continue
        signature[pname] = ty
        spec_out[pname] = sp
        if sp == "div16":
            if div16 is None:
                div16 = divisibility_attr(req["_target"])
            attrs[(i,)] = div16
        kind = "ptr" if is_ptr else PARAM_KIND.get(ty)
        if kind is None:
            raise BadRequest("types.%s: %r is not a supported runtime type" % (pname, ty))
        params.append({"name": pname, "type": kind, "triton_type": ty, "specialization": sp})
    return fn, signature, constexprs, attrs, params, spec_out


def _jsonable(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "_asdict"):
        return _jsonable(value._asdict())
    if hasattr(value, "__dataclass_fields__"):
        return {k: _jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    return str(value)


def metadata_dict(kernel):
    md = kernel.metadata
    raw = md._asdict() if hasattr(md, "_asdict") else dict(vars(md))
    out = _jsonable(raw)
    target = raw.get("target")
    if target is not None and hasattr(target, "backend"):
        out["target"] = {"backend": target.backend, "arch": target.arch, "warp_size": target.warp_size}
    out.setdefault("name", getattr(kernel, "name", None))
    return out


def _tail(text, limit=4000):
    return text if len(text) <= limit else "...\n" + text[-limit:]


def prepare(req, kernels):
    """-> (ASTSource, target, options, params, specialization); raises BadRequest."""
    from triton.compiler import ASTSource

    req = dict(req)
    req["_target"] = parse_target(req.get("target"))
    fn, signature, constexprs, attrs, params, spec = build(req, kernels)
    options = dict(req.get("options") or {})
    for key in ("num_warps", "num_stages"):
        v = req.get(key)
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise BadRequest("%s must be a positive integer, got %r" % (key, v))
        options[key] = v
    return ASTSource(fn, signature, constexprs, attrs), req["_target"], options, params, spec


def compile_one(req, kernels):
    """A protocol result dict (without type/id) for one compile request. Never raises."""
    import triton

    kernel_name = req.get("kernel")
    try:
        src, target, options, params, spec = prepare(req, kernels)
    except BadRequest as e:
        return {"ok": False, "kind": "bad_request", "message": str(e), "kernel": kernel_name}

    started = time.time()
    try:
        compiled = triton.compile(src, target=target, options=options)
        metadata = metadata_dict(compiled)
        fmt = "cubin" if "cubin" in compiled.asm else "hsaco"
        binary = compiled.asm[fmt]
        if isinstance(binary, str):
            binary = binary.encode("latin-1")
    except Exception as e:  # every compiler failure is a result
        seconds = time.time() - started
        out_of_resources = None
        try:
            from triton.runtime.errors import OutOfResources

            if isinstance(e, OutOfResources):
                out_of_resources = e
        except Exception:
            pass
        if out_of_resources is not None:
            return {
                "ok": False,
                "kind": "out_of_resources",
                "message": str(e),
                "resource": getattr(e, "name", None),
                "required": getattr(e, "required", None),
                "limit": getattr(e, "limit", None),
                "kernel": kernel_name,
                "seconds": seconds,
            }
        text = "%s: %s" % (type(e).__name__, e)
        tb = traceback.format_exc()
        result = {
            "ok": False,
            "kind": "compile_error",
            "message": _tail(text + "\n" + tb),
            "kernel": kernel_name,
            "seconds": seconds,
        }
        if isinstance(e, ENVIRONMENT_ERRORS):
            result["cacheable"] = False  # the machine failed, not the config: retry next time
        return result
    return {
        "ok": True,
        "kernel": kernel_name,
        "binary_format": fmt,
        "binary_b64": base64.b64encode(binary).decode("ascii"),
        "metadata": metadata,
        "params": params,
        "specialization": spec,
        "seconds": time.time() - started,
    }
