// The protocol between `moe tune`'s scheduler and its GPU measure workers: one child process per
// GPU, JSON lines over stdio (host -> worker on stdin, worker -> host on stdout, one object per
// line; stderr is a log). A worker answers requests one at a time, in order, each answer
// repeating the request's `id`. The real worker (gpu/measure-worker-main.ts) runs @moe/native on
// one device; tests run a fake worker that speaks the same protocol without a GPU.
import type { TileConfig } from '@moe/engine-facts';

export const MEASURE_PROTOCOL_VERSION = 1;

/** The layer shape the worker measures (E local experts, N per-rank intermediate, K hidden). */
export interface WorkerShape {
  readonly E: number;
  readonly N: number;
  readonly K: number;
  readonly topk: number;
  readonly mode: 'bf16' | 'fp16' | 'fp8_w8a8' | 'fp8_w8a8_block';
  readonly blockShape: readonly [number, number] | null;
}

/** Routing of a batch: uniform random (seeded), Zipf-skewed, or recorded top-k ids from a file. */
export type WorkerRouting =
  | { readonly kind: 'uniform'; readonly seed: number }
  | { readonly kind: 'zipf'; readonly s: number; readonly seed: number }
  | { readonly kind: 'trace'; readonly file: string };

/** Which GEMM: the up (gate+up, top_k = top-k) or the down (top_k 1 over the pairs, routing weights). */
export type Gemm = 'up' | 'down';

/** Host -> worker, the first message: what to measure with. Answered by `ready`. */
export interface SetupMessage {
  readonly type: 'setup';
  readonly id: string;
  readonly shape: WorkerShape;
  readonly routing: WorkerRouting;
  /** 'engine': the installed engine's kernel (python's environment); 'moe-kit': MoE Kit's own. */
  readonly kernel: 'engine' | 'moe-kit';
  /** The engine environment's interpreter (compile workers and the engine self-check run on it). */
  readonly python: string | null;
  /** Compile workers this GPU worker may run (the host splits the CPU cores between GPUs). */
  readonly compileWorkers: number;
  /** Seed of the random weights and activations. */
  readonly seed: number;
  /**
   * (Optional.) The folder whose checks/ remembers passed checks across runs (check-cache.ts);
   * default the compile cache's (MOE_CACHE_DIR, else ~/.cache/moe-kit); null: none.
   */
  readonly checkCache?: string | null;
}

/** Compile a config for a GEMM at batch size M (M decides Triton's integer specialisation). */
export interface CompileMessage {
  readonly type: 'compile';
  readonly id: string;
  readonly gemm: Gemm;
  readonly M: number;
  readonly config: TileConfig;
  /**
   * (Optional, added for `moe tune`'s pipeline.) Compile in the background on the compile pool
   * and answer when done, before or after later requests: the host matches answers by `id`, and
   * meanwhile sends measurements of other configs, so compiling overlaps GPU timing. A worker
   * that ignores it answers in order: the same results, only slower. The host never measures a
   * config before its compile was answered.
   */
  readonly background?: boolean;
  /** (Optional.) Compile only, do not load it on the GPU yet (a compile ahead of need). */
  readonly compileOnly?: boolean;
}

/**
 * Time a config: CUDA graph of `launchesPerGraph` launches, `warmup` replays, then `repeats`
 * timed replays; the answer carries every replay's µs per launch.
 */
export interface MeasureMessage {
  readonly type: 'measure';
  readonly id: string;
  readonly gemm: Gemm;
  readonly M: number;
  readonly config: TileConfig;
  readonly repeats: number;
  /**
   * (Optional.) The repeats of this (gemm, config, M) the run took before this request: a fake
   * worker's noise is a function of (seed, config, M, repeat index), so a resumed run gets the
   * numbers an uninterrupted one got. A GPU worker ignores it.
   */
  readonly repeatOffset?: number;
  /** (Optional.) Launches captured in the graph; default 10. */
  readonly launchesPerGraph?: number;
  /** (Optional.) Untimed replays before the timed ones; default 5. */
  readonly warmup?: number;
}

/** Check a config's output against the float64 reference (and, on the engine kernel, the engine's own launch). */
export interface CheckMessage {
  readonly type: 'check';
  readonly id: string;
  readonly gemm: Gemm;
  readonly M: number;
  readonly config: TileConfig;
  /** Also run the engine self-check (recorded launch = binding, bit-identical output). */
  readonly engineSelfCheck: boolean;
  /** (Optional.) Compare with the float64 reference; default true. */
  readonly reference?: boolean;
}

export interface ShutdownMessage {
  readonly type: 'shutdown';
}

export type HostMessage = SetupMessage | CompileMessage | MeasureMessage | CheckMessage | ShutdownMessage;

/** Worker -> host, unsolicited first line. */
export interface WorkerHelloMessage {
  readonly type: 'hello';
  readonly protocol: number;
  readonly pid: number;
  /** The device this worker owns, or null with `error` when it has none. */
  readonly device: { readonly index: number; readonly name: string; readonly arch: string; readonly driver: string } | null;
  readonly error: string | null;
}

/** Answer to setup: the kernel source every result of this worker was measured on. */
export interface ReadyAnswer {
  readonly type: 'ready';
  readonly id: string;
  readonly ok: boolean;
  readonly message?: string;
  /** One line naming the kernel (engine name, version, path, source sha256; or MoE Kit's stand-in). */
  readonly kernelSource?: string;
  readonly kernelSourceSha256?: string;
  readonly engine?: { readonly engine: string; readonly version: string; readonly path: string } | null;
  readonly triton?: string;
}

/**
 * Answers to compile, measure and check may carry `ms` (optional): the milliseconds the worker spent on
 * the request, from taking it up to answering. The host journals it (where a run's time went).
 */
export type CompileAnswer =
  | { readonly type: 'compiled'; readonly id: string; readonly ok: true; readonly fromCache: boolean; readonly seconds: number; readonly ms?: number }
  | {
      readonly type: 'compiled';
      readonly id: string;
      readonly ok: false;
      readonly ms?: number;
      /** out_of_resources / compile_error / bad_request / worker_crash / timeout (a result, never fatal). */
      readonly kind: string;
      readonly message: string;
    };

export type MeasureAnswer =
  | {
      readonly type: 'measured';
      readonly id: string;
      readonly ok: true;
      readonly us: readonly number[];
      readonly medianUs: number;
      readonly ms?: number;
      /** (Optional.) Host ms of the measurement's phases: prepare (compile, load), setup, eager pass, capture, replays. */
      readonly phases?: readonly number[];
      /** (Optional.) The binary measured was not produced by a compile request: the host's specialisation model missed it. */
      readonly unplanned?: boolean;
    }
  | { readonly type: 'measured'; readonly id: string; readonly ok: false; readonly kind: string; readonly message: string; readonly ms?: number };

export interface CheckAnswer {
  readonly type: 'checked';
  readonly id: string;
  readonly ok: boolean;
  /** One line saying what was compared and what was found. */
  readonly summary: string;
  readonly ms?: number;
}

export type WorkerMessage = WorkerHelloMessage | ReadyAnswer | CompileAnswer | MeasureAnswer | CheckAnswer;
