import type { EngineKernelInfo } from '../engine/engine-info';
// The compile service's typed contract. The wire format is in native/PROTOCOL.md; these types
// are what the TS pool hands to its callers (the layer runner, the tuner).

/** The kernels the Python package `moe_kit_kernels` registers (native/python/moe_kit_kernels). */
export type KernelName =
  | 'fused_moe_gemm'
  | 'moe_align_count'
  | 'moe_align_scan'
  | 'moe_align_scatter'
  | 'silu_and_mul'
  | 'moe_sum'
  | 'fp8_quant_per_tensor'
  | 'fp8_quant_per_token_group'
  /** The installed engine's fused_moe_kernel (a pool started with `engine`). */
  | 'engine_fused_moe';

/** What to compile for. `arch` is spelled as the addon's DeviceInfo.arch: 'sm_90', 'sm_100', 'gfx942'. */
export interface CompileTarget {
  backend: 'cuda' | 'hip';
  arch: string;
  /** 32 on NVIDIA, 64 on AMD CDNA. */
  warpSize: number;
}

/**
 * What Triton may assume about a runtime argument, decided at compile time and recorded with
 * the binary. The launcher must pass values that satisfy it.
 * - 'div16': an integer that is a multiple of 16, or a pointer aligned to 16 bytes;
 * - 'one':   an integer equal to 1 (Triton folds it into the binary: the param disappears
 *            from the launch params);
 * - 'none':  nothing known.
 * Triton's own JIT picks, per call, 'one' if value == 1, else 'div16' if value % 16 == 0,
 * else 'none' (pointers: 'div16' if the address is 16-byte aligned). Use specializationFor()
 * with the real values so a binary is the one the engine's JIT would have built.
 */
export type Specialization = 'div16' | 'one' | 'none';

/** Constexpr values: ints, bools, or null for an optional pointer that is absent. */
/** A constexpr: a number, a boolean, null (an absent pointer), or a Triton dtype spelled 'tl.bfloat16'. */
export type ConstexprValue = number | boolean | null | string;

/** Extra backend options passed to triton.compile (ROCm: waves_per_eu, matrix_instr_nonkdim, kpack). */
export type BackendOptionValue = number | boolean | string;

export interface CompileRequest {
  kernel: KernelName;
  /** Every tl.constexpr parameter of the kernel that has no default, by name; also null for absent optional pointers. */
  constexprs: Record<string, ConstexprValue>;
  /**
   * Triton signature types for runtime params whose type varies with the dtype mode, e.g.
   * { a_ptr: '*fp8e4nv', b_ptr: '*fp8e4nv', c_ptr: '*bf16' }. Others take the kernel's defaults
   * (listed in PROTOCOL.md).
   */
  types?: Record<string, string>;
  num_warps: number;
  num_stages: number;
  target: CompileTarget;
  /** Per runtime param. Missing: pointers 'div16', integers 'none'. */
  specialization?: Record<string, Specialization>;
  options?: Record<string, BackendOptionValue>;
}

/** A runtime parameter of a compiled binary, in launch order. */
export interface KernelParam {
  name: string;
  /** How to pack it for the addon's launch(). */
  type: 'ptr' | 'i32' | 'i64' | 'u64' | 'f32';
  /** The Triton signature type it was compiled with ('*bf16', 'i32', ...). */
  tritonType: string;
  /** What the binary assumes about the value (see Specialization); never 'one' here (those are folded). */
  specialization: Specialization;
}

/** Triton's metadata of a compiled kernel (JSON-safe copy; unknown extra fields are kept). */
export interface KernelMetadata {
  /** The function name inside the cubin/hsaco (module.getFunction(name)). */
  name: string;
  /** Dynamic shared memory in bytes to launch with. */
  shared: number;
  num_warps: number;
  num_ctas: number;
  num_stages: number;
  global_scratch_size: number;
  global_scratch_align: number;
  profile_scratch_size: number;
  profile_scratch_align: number;
  launch_cooperative_grid: boolean;
  launch_pdl: boolean;
  triton_version: string;
  target: { backend: string; arch: number | string; warp_size: number };
  [key: string]: unknown;
}

export interface CompileSuccess {
  ok: true;
  cacheKey: string;
  /** True when the result came from the on-disk cache (no worker compiled it now). */
  fromCache: boolean;
  kernel: KernelName;
  binary: Uint8Array;
  /** The cache file holding the binary; null when the pool runs without a cache. */
  binaryPath: string | null;
  binaryFormat: 'cubin' | 'hsaco';
  metadata: KernelMetadata;
  /** The runtime params in launch order (then append Triton's two scratch pointers). */
  params: KernelParam[];
  /** The specialisation of every non-constexpr param as compiled, 'one' included. */
  specialization: Record<string, Specialization>;
  /** Seconds the worker spent in triton.compile when it was built (kept in the cache entry). */
  compileSeconds: number;
}

export type CompileFailureKind =
  | 'out_of_resources'
  | 'compile_error'
  | 'bad_request'
  | 'worker_crash'
  | 'timeout';

export interface CompileFailure {
  ok: false;
  /** Null when the request could not be keyed (bad_request before keying). */
  cacheKey: string | null;
  fromCache: boolean;
  kernel: KernelName;
  kind: CompileFailureKind;
  message: string;
  /** out_of_resources: what was needed and what the target allows, e.g. shared memory bytes. */
  required?: number;
  limit?: number;
  resource?: string;
  /**
   * The machine failed, not the config (a full disk, a missing ptxas, no memory, a worker bug):
   * not cached, so the same request compiles again once that is fixed.
   */
  transient?: true;
}

export type CompileResult = CompileSuccess | CompileFailure;

/** What a worker says when it starts (PROTOCOL.md "hello"). */
export interface WorkerHello {
  protocol: number;
  python: string;
  pythonExecutable: string;
  /** Triton's version, or null when it cannot be imported. */
  triton: string | null;
  /** Why triton could not be imported (null when it could). */
  error: string | null;
  pid: number;
  kernels: string[];
  /** The installed engine's kernel the worker loaded (MOE_ENGINE set), else null. */
  engine: EngineKernelInfo | null;
  /** Why no engine kernel was loaded although one was asked for (null otherwise). */
  engineError: string | null;
}

export interface CompilePoolOptions {
  /** The interpreter. Default: process.env.MOE_PYTHON ?? 'python3'. */
  python?: string;
  /** Persistent workers. Default: os.availableParallelism(). Spawned lazily after the first. */
  workers?: number;
  /** Per-request limit; a worker past it is killed and replaced. Default 180 000 ms. */
  timeoutMs?: number;
  /** Cache folder. Default: process.env.MOE_CACHE_DIR ?? ~/.cache/moe-kit. null: no cache. */
  cacheDir?: string | null;
  /** The folder holding the moe_kit_kernels package. Default: found next to this module. */
  kernelsDir?: string;
  /** Replaces `[python, '-u', '-m', 'moe_kit_kernels.worker']` (tests run a fake worker). */
  workerArgs?: string[];
  /** Extra environment for the workers. */
  env?: Record<string, string>;
  /** Fail a result as out_of_resources when metadata.shared exceeds this (the device's opt-in shared memory per block). */
  maxSharedBytes?: number;
  /**
   * Load the fused-MoE kernel of the engine installed in `python` ('auto': SGLang, else vLLM).
   * start() then rejects with EngineKernelNotFoundError when that interpreter has none.
   */
  engine?: 'auto' | 'sglang' | 'vllm';
}

export interface CompilePoolStats {
  workers: number;
  busy: number;
  queued: number;
  compiled: number;
  cacheHits: number;
  failures: number;
  crashes: number;
  timeouts: number;
}
