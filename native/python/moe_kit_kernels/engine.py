"""The fused-MoE Triton kernel of the engine installed in this interpreter (SGLang or vLLM).

Nothing of the engine is copied into MoE Kit: its kernel module is imported here, at run time,
from the environment the worker runs in (`--python`), so this environment's Triton compiles
it. `find_engine()` says which engine, version, module file and source hash; the compile
worker registers the kernel under ENGINE_KERNEL; `engine_call` runs the engine's own launch
function for the self-check.
"""

import hashlib
import importlib
import importlib.metadata
import importlib.util

ENGINE_KERNEL = "engine_fused_moe"
KERNEL_NAME = "fused_moe_kernel"

# Where each engine keeps its fused-MoE kernel module and launch function, newest layout first.
# A layout that is not here is reported with what was tried (never guessed).
LAYOUTS = {
    "sglang": (
        ("sglang.kernels.ops.moe.fused_moe_triton_kernels", "invoke_fused_moe_kernel"),
        ("sglang.srt.layers.moe.fused_moe_triton.fused_moe_triton_kernels", "invoke_fused_moe_kernel"),
    ),
    "vllm": (("vllm.model_executor.layers.fused_moe.fused_moe", "invoke_fused_moe_triton_kernel"),),
}


class EngineNotFound(Exception):
    pass


class Engine(object):
    def __init__(self, engine, version, module, launch_name):
        self.engine = engine
        self.version = version
        self.module = module
        self.module_name = module.__name__
        self.launch_name = launch_name
        self.kernel = getattr(module, KERNEL_NAME)
        self.launch = getattr(module, launch_name)
        self.path = module.__file__
        with open(self.path, "rb") as f:
            self.source_sha256 = hashlib.sha256(f.read()).hexdigest()

    def info(self):
        return {
            "engine": self.engine,
            "version": self.version,
            "module": self.module_name,
            "path": self.path,
            "source_sha256": self.source_sha256,
            "kernel": KERNEL_NAME,
            "launch_function": self.launch_name,
            "params": [{"name": p.name, "constexpr": bool(p.is_constexpr)} for p in self.kernel.params],
        }


def _installed_version(engine):
    try:
        return importlib.metadata.version(engine)
    except importlib.metadata.PackageNotFoundError:
        return None


def find_engine(which="auto"):
    """-> Engine for 'sglang', 'vllm' or 'auto' (SGLang first); raises EngineNotFound saying what was tried."""
    if which not in ("auto", "sglang", "vllm"):
        raise EngineNotFound("engine %r is not one of auto, sglang, vllm" % (which,))
    order = ("sglang", "vllm") if which == "auto" else (which,)
    tried = []
    for engine in order:
        version = _installed_version(engine)
        if version is None:
            tried.append("%s: no installed distribution (importlib.metadata)" % engine)
            continue
        for module_name, launch_name in LAYOUTS[engine]:
            try:
                spec = importlib.util.find_spec(module_name)
            except Exception as e:  # a parent package that fails to import
                tried.append("%s %s: %s: %s: %s" % (engine, version, module_name, type(e).__name__, e))
                continue
            if spec is None:
                tried.append("%s %s: no module %s" % (engine, version, module_name))
                continue
            try:
                module = importlib.import_module(module_name)
            except Exception as e:
                raise EngineNotFound(
                    "%s %s: importing %s failed: %s: %s; fix that environment or pass another --python"
                    % (engine, version, module_name, type(e).__name__, e)
                )
            missing = [n for n in (KERNEL_NAME, launch_name) if not hasattr(module, n)]
            if missing:
                raise EngineNotFound(
                    "%s %s: %s (%s) has no %s; this engine version's kernel layout is not known to MoE Kit"
                    % (engine, version, module_name, getattr(module, "__file__", "?"), ", ".join(missing))
                )
            return Engine(engine, version, module, launch_name)
    raise EngineNotFound("no fused-MoE engine kernel found: " + "; ".join(tried))


def main(argv=None):
    """`python -m moe_kit_kernels.engine [auto|sglang|vllm]`: one JSON line, the engine kernel's info
    or {"error": ...}. Imports the engine (and so PyTorch and Triton); needs no GPU."""
    import json
    import sys

    args = sys.argv[1:] if argv is None else argv
    which = args[0] if args else "auto"
    try:
        out = find_engine(which).info()
    except Exception as e:  # EngineNotFound, or an engine module that fails to import
        out = {"error": "%s (python %s)" % (e, sys.executable)}
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
