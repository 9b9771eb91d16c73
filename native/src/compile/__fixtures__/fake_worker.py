"""A stand-in compile worker that speaks native/PROTOCOL.md without Triton, for the pool tests.

Whole-worker behaviour from FAKE_WORKER_MODE: "" (normal), "no-triton" (hello with an error),
"die-before-hello" (exit 5 at once), "garbage" (a non-JSON first line), "protocol-2" (a hello
of another protocol version).
Per request, from the constexprs of kernel moe_sum: TOP_K = action (0 ok, 1 crash with exit 3,
2 compile_error, 3 out_of_resources, 4 hang, 5 an ok result without params: a
protocol violation, 6 a compile_error of the machine, marked "cacheable": false), BLOCK_K = milliseconds to sleep first; the
runtime param K, when given as a constexpr, is reported as metadata.shared.
Each request is appended to FAKE_WORKER_LOG as "pid seq start end tag".
"""

import base64
import json
import os
import sys
import time

mode = os.environ.get("FAKE_WORKER_MODE", "")
log_path = os.environ.get("FAKE_WORKER_LOG")

if mode == "die-before-hello":
    sys.stderr.write("fake worker: dying before hello\n")
    sys.stderr.flush()
    sys.exit(5)
if mode == "garbage":
    sys.stdout.write("this is not the protocol\n")
    sys.stdout.flush()
    time.sleep(30)
    sys.exit(0)

out = sys.stdout


def send(obj):
    out.write(json.dumps(obj) + "\n")
    out.flush()


send({
    "type": "hello",
    "protocol": 2 if mode == "protocol-2" else 1,
    "python": "3.x-fake",
    "python_executable": sys.executable,
    "triton": None if mode == "no-triton" else "3.6.0-fake",
    "error": "triton not importable: fake; install triton in the interpreter given by MOE_PYTHON or --python" if mode == "no-triton" else None,
    "pid": os.getpid(),
    "kernels": ["moe_sum"],
})

seq = 0
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("type") == "shutdown":
        break
    seq += 1
    c = msg.get("constexprs", {})
    action = c.get("TOP_K", 0)
    started = time.time()
    time.sleep(c.get("BLOCK_K", 0) / 1000.0)
    if action == 1:
        sys.stderr.write("fake worker: crashing on purpose\n")
        sys.stderr.flush()
        os._exit(3)
    if action == 4:
        time.sleep(3600)
    ended = time.time()
    if log_path:
        with open(log_path, "a") as f:
            f.write("%d %d %.6f %.6f %s\n" % (os.getpid(), seq, started, ended, msg.get("id")))
    rid = msg.get("id")
    if action == 2:
        send({"type": "result", "id": rid, "ok": False, "kind": "compile_error", "message": "fake: MLIR pass failed"})
    elif action == 6:
        send({"type": "result", "id": rid, "ok": False, "kind": "compile_error", "cacheable": False,
              "message": "fake: OSError: [Errno 28] No space left on device"})
    elif action == 5:
        send({"type": "result", "id": rid, "ok": True, "binary_format": "cubin", "binary_b64": "eA==", "metadata": {"name": "moe_sum", "shared": 0}})
    elif action == 3:
        send({"type": "result", "id": rid, "ok": False, "kind": "out_of_resources", "message": "fake: out of resource: shared memory",
              "resource": "shared memory", "required": 294912, "limit": 232448})
    else:
        binary = ("cubin for %s" % json.dumps(c, sort_keys=True)).encode()
        send({
            "type": "result", "id": rid, "ok": True, "binary_format": "cubin",
            "binary_b64": base64.b64encode(binary).decode(),
            "metadata": {"name": "moe_sum", "shared": c.get("K", 0), "num_warps": msg["num_warps"], "num_ctas": 1,
                         "num_stages": msg["num_stages"], "global_scratch_size": 0, "global_scratch_align": 1,
                         "profile_scratch_size": 0, "profile_scratch_align": 1, "launch_cooperative_grid": False,
                         "launch_pdl": False, "triton_version": "3.6.0-fake",
                         "target": {"backend": "cuda", "arch": 90, "warp_size": 32}, "pid": os.getpid(), "seq": seq},
            "params": [{"name": n, "type": "ptr" if t.startswith("*") else "i32", "triton_type": t,
                        "specialization": msg["specialization"][n]} for n, t in msg["types"].items()
                       if msg["specialization"][n] != "one"],
            "specialization": msg["specialization"],
            "seconds": ended - started,
        })
