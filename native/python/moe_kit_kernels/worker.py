"""The compile worker: a persistent process speaking JSON lines over stdio (native/PROTOCOL.md).

    python -u -m moe_kit_kernels.worker      (with native/python on PYTHONPATH)

stdout carries the protocol only: fd 1 is moved aside at start and pointed at stderr, so
whatever Triton, MLIR or ptxas print goes to stderr.
"""

import json
import os
import platform
import sys


def _protocol_stream():
    proto_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(proto_fd, "w", buffering=1, encoding="utf-8")


def _load():
    """-> (triton_version, kernels, error)."""
    try:
        import triton
    except Exception as e:  # ImportError, or a broken install raising anything else
        return None, None, (
            "triton not importable: %s: %s; install triton in the interpreter given by MOE_PYTHON "
            "or --python (%s)" % (type(e).__name__, e, sys.executable)
        )
    version = getattr(triton, "__version__", "unknown")
    try:
        from .registry import KERNELS
    except Exception as e:
        return version, None, (
            "moe_kit_kernels could not be loaded with triton %s: %s: %s; MoE Kit's kernels need "
            "triton >= 3.3" % (version, type(e).__name__, e)
        )
    return version, KERNELS, None


def _load_engine(kernels):
    """With MOE_ENGINE=auto|sglang|vllm: the installed engine's kernel, registered for compiles.
    -> (engine or None, info or None, error or None)."""
    which = os.environ.get("MOE_ENGINE")
    if not which or kernels is None:
        return None, None, None
    try:
        from .engine import ENGINE_KERNEL, find_engine
        from .registry import KernelEntry

        engine = find_engine(which)
        kernels[ENGINE_KERNEL] = KernelEntry(engine.kernel, {}, types_required=True)
        return engine, engine.info(), None
    except Exception as e:  # EngineNotFound, or an engine whose import fails
        return None, None, "%s (python %s)" % (e, sys.executable)


def _engine_request(engine, kind, msg):
    from . import engine_call

    if engine is None:
        return {"ok": False, "message": "no engine kernel is loaded in this worker; start it with MOE_ENGINE set"}
    try:
        fn = engine_call.engine_check if kind == "engine_check" else engine_call.engine_time
        out = fn(engine, msg)
        out["ok"] = True
        return out
    except Exception as e:
        import traceback

        return {"ok": False, "message": "%s: %s" % (type(e).__name__, e), "traceback": traceback.format_exc()[-4000:]}


def main():
    from . import PROTOCOL_VERSION

    out = _protocol_stream()

    def send(obj):
        out.write(json.dumps(obj, separators=(",", ":")) + "\n")
        out.flush()

    version, kernels, error = _load()
    if kernels is not None:
        kernels = dict(kernels)
    engine, engine_info, engine_error = _load_engine(kernels)
    send({
        "type": "hello",
        "protocol": PROTOCOL_VERSION,
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "triton": version if kernels is not None else None,
        "error": error,
        "pid": os.getpid(),
        "kernels": sorted(kernels) if kernels else [],
        "engine": engine_info,
        "engine_error": engine_error,
    })

    from .compile_request import compile_one

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            msg = json.loads(line)
        except ValueError as e:
            send({"type": "error", "message": "not JSON: %s" % e})
            continue
        kind = msg.get("type")
        if kind == "shutdown":
            break
        if kind == "compile":
            rid = msg.get("id")
            if kernels is None:
                result = {"ok": False, "kind": "compile_error", "message": error, "kernel": msg.get("kernel")}
            else:
                try:
                    result = compile_one(msg, kernels)
                except Exception as e:  # a bug here must not take the worker down
                    result = {"ok": False, "kind": "compile_error", "kernel": msg.get("kernel"),
                              "message": "worker error: %s: %s" % (type(e).__name__, e),
                              "cacheable": False}
            result.update({"type": "result", "id": rid})
            send(result)
            continue
        if kind in ("engine_check", "engine_time"):
            result = _engine_request(engine, kind, msg)
            result.update({"type": "result", "id": msg.get("id")})
            send(result)
            continue
        send({"type": "error", "id": msg.get("id"), "message": "unknown message type %r" % (kind,)})
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
