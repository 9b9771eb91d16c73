import os from 'node:os';
import path from 'node:path';
import { CACHED_FAILURE_KINDS } from './cache-entry';
import { CompileCache, defaultCacheDir } from './compile-cache';
import { cacheKey } from './cache-key';
import { CompilePoolClosedError } from './errors/compile-pool-closed-error';
import { InvalidCompileRequestError } from './errors/invalid-compile-request-error';
import { PythonNotFoundError } from './errors/python-not-found-error';
import { TritonUnavailableError } from './errors/triton-unavailable-error';
import { WorkerStartError } from './errors/worker-start-error';
import { findKernelsDir, kernelSourceHash, KERNELS_PACKAGE } from './kernels-dir';
import { resolveRequest, type ResolvedRequest } from './resolve-request';
import type {
  CompileFailure,
  CompilePoolOptions,
  CompilePoolStats,
  CompileRequest,
  CompileResult,
  CompileSuccess,
  KernelMetadata,
  KernelName,
  KernelParam,
  Specialization,
  WorkerHello,
} from './types';
import { PROTOCOL_VERSION, WorkerProcess, type RawResult, type StartFailure, type WorkerLoss } from './worker-process';
import { ENGINE_KERNEL, engineSignature } from '../engine/engine-binding';
import type { EngineKernelInfo } from '../engine/engine-info';
import { EngineKernelNotFoundError } from '../engine/errors/engine-kernel-not-found-error';
import type { SignatureParam } from './kernel-signatures';

const DEFAULT_TIMEOUT_MS = 180_000;
const HELLO_TIMEOUT_MS = 120_000;

interface Job {
  id: string;
  key: string;
  resolved: ResolvedRequest;
  resolve: (result: CompileResult) => void;
  reject: (error: Error) => void;
}

function describeStartFailure(python: string, failure: StartFailure): Error {
  if (failure.kind === 'spawn') {
    return new PythonNotFoundError(
      `compile worker: could not start '${python}' (${failure.code ?? failure.message}); install Python 3 with Triton there, or pass --python / set MOE_PYTHON to an interpreter that has it`,
    );
  }
  const tail = failure.stderr.trim();
  return new WorkerStartError(
    `compile worker: '${python} -m ${KERNELS_PACKAGE}.worker' ${failure.message} before its hello${tail ? `; stderr ends with:\n${tail}` : ''}; check that this interpreter runs Python 3 and that ${KERNELS_PACKAGE} is intact`,
  );
}

function toFailure(kernel: KernelName, key: string | null, raw: Record<string, unknown>): CompileFailure {
  const kind = raw.kind;
  const known = ['out_of_resources', 'compile_error', 'bad_request'] as const;
  const failure: CompileFailure = {
    ok: false,
    cacheKey: key,
    fromCache: false,
    kernel,
    kind: (known as readonly unknown[]).includes(kind) ? (kind as CompileFailure['kind']) : 'compile_error',
    message: String(raw.message ?? 'the worker gave no message'),
  };
  if (typeof raw.required === 'number') failure.required = raw.required;
  if (typeof raw.limit === 'number') failure.limit = raw.limit;
  if (typeof raw.resource === 'string') failure.resource = raw.resource;
  if (raw.cacheable === false) failure.transient = true;
  return failure;
}

/** What is wrong with a success result by PROTOCOL.md's "result", or null when it is well-formed. */
function malformedSuccess(raw: RawResult): string | null {
  if (typeof raw.binary_b64 !== 'string' || raw.binary_b64.length === 0) return 'no binary_b64';
  const m = raw.metadata as Record<string, unknown> | undefined;
  if (typeof m !== 'object' || m === null) return 'no metadata';
  if (typeof m.name !== 'string' || typeof m.shared !== 'number') return 'metadata without name or shared';
  if (!Array.isArray(raw.params)) return 'no params';
  for (const p of raw.params as unknown[]) {
    const q = p as Record<string, unknown> | null;
    if (typeof q !== 'object' || q === null || typeof q.name !== 'string' || typeof q.type !== 'string') {
      return `a param that is not { name, type, ... }: ${JSON.stringify(p)}`;
    }
  }
  if (typeof raw.specialization !== 'object' || raw.specialization === null) return 'no specialization';
  return null;
}

function toSuccess(kernel: KernelName, key: string, raw: RawResult): CompileSuccess {
  const binary = new Uint8Array(Buffer.from(String(raw.binary_b64 ?? ''), 'base64'));
  const params = (raw.params as Array<Record<string, unknown>>).map(
    (p): KernelParam => ({
      name: String(p.name),
      type: p.type as KernelParam['type'],
      tritonType: String(p.triton_type),
      specialization: p.specialization as Specialization,
    }),
  );
  return {
    ok: true,
    cacheKey: key,
    fromCache: false,
    kernel,
    binary,
    binaryPath: null,
    binaryFormat: raw.binary_format === 'hsaco' ? 'hsaco' : 'cubin',
    metadata: raw.metadata as KernelMetadata,
    params,
    specialization: raw.specialization as Record<string, Specialization>,
    compileSeconds: Number(raw.seconds ?? 0),
  };
}

/**
 * A pool of persistent compile workers (PROTOCOL.md) behind a FIFO queue, with an on-disk
 * content-addressed cache. Compile failures of any kind are results; the promise of
 * compile() rejects only for a closed pool.
 */
export class CompilePool {
  readonly hello: WorkerHello;
  readonly python: string;
  readonly maxWorkers: number;
  readonly kernelsDir: string;
  readonly sourceHash: string;
  readonly cache: CompileCache | null;
  private readonly timeoutMs: number;
  private readonly maxSharedBytes: number | undefined;
  private readonly spawnOptions: ConstructorParameters<typeof WorkerProcess>[0];
  private readonly idle: WorkerProcess[] = [];
  private readonly all = new Set<WorkerProcess>();
  private starting = 0;
  private readonly queue: Job[] = [];
  private readonly inFlight = new Map<string, Promise<CompileResult>>();
  private nextId = 0;
  private closed = false;
  private counters = { compiled: 0, cacheHits: 0, failures: 0, crashes: 0, timeouts: 0 };
  private readonly extraSignatures: Record<string, SignatureParam[]>;
  private engineWorker: WorkerProcess | null = null;
  private engineQueue: Promise<unknown> = Promise.resolve();

  private constructor(init: {
    first: WorkerProcess;
    hello: WorkerHello;
    python: string;
    maxWorkers: number;
    kernelsDir: string;
    sourceHash: string;
    cache: CompileCache | null;
    timeoutMs: number;
    maxSharedBytes: number | undefined;
    spawnOptions: ConstructorParameters<typeof WorkerProcess>[0];
  }) {
    this.hello = init.hello;
    this.python = init.python;
    this.maxWorkers = init.maxWorkers;
    this.kernelsDir = init.kernelsDir;
    this.sourceHash = init.sourceHash;
    this.cache = init.cache;
    this.timeoutMs = init.timeoutMs;
    this.maxSharedBytes = init.maxSharedBytes;
    this.spawnOptions = init.spawnOptions;
    this.all.add(init.first);
    this.idle.push(init.first);
    this.extraSignatures = init.hello.engine ? { [ENGINE_KERNEL]: engineSignature(init.hello.engine) } : {};
  }

  /** The installed engine's kernel the workers compile as 'engine_fused_moe' (pool started with `engine`), else null. */
  get engine(): EngineKernelInfo | null {
    return this.hello.engine;
  }

  /** The cache-key source of a kernel: the engine module's identity and hash, or MoE Kit's kernels' hash. */
  private sourceOf(kernel: string): string {
    const e = this.hello.engine;
    if (kernel === ENGINE_KERNEL && e) return `engine:${e.engine}:${e.version}:${e.module}:${e.path}:${e.sourceSha256}`;
    return this.sourceHash;
  }

  /**
   * Runs an engine request (PROTOCOL.md "engine_check", "engine_time") in a worker of its own
   * (it holds PyTorch and the GPU; compiles go on meanwhile), one at a time.
   */
  engineRequest(type: 'engine_check' | 'engine_time', message: Record<string, unknown>, timeoutMs = 600_000): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new CompilePoolClosedError(`${type}: the compile pool is closed; start a new one with CompilePool.start()`));
    if (!this.hello.engine) {
      return Promise.reject(new EngineKernelNotFoundError(`${type}: this compile pool has no engine kernel; start it with { engine: 'auto' } and a --python whose environment has SGLang or vLLM`));
    }
    const run = async (): Promise<Record<string, unknown>> => {
      if (!this.engineWorker || !this.engineWorker.alive) {
        this.engineWorker = new WorkerProcess(this.spawnOptions);
        try {
          await this.engineWorker.started();
        } catch (failure) {
          this.engineWorker.kill();
          this.engineWorker = null;
          throw describeStartFailure(this.python, failure as StartFailure);
        }
      }
      const worker = this.engineWorker;
      try {
        return await worker.request(String(++this.nextId), message, timeoutMs, type);
      } catch (loss) {
        worker.kill();
        this.engineWorker = null;
        throw new WorkerStartError(`${type}: ${(loss as WorkerLoss).message}`);
      }
    };
    const p = this.engineQueue.then(run, run);
    this.engineQueue = p.catch(() => undefined);
    return p;
  }

  /**
   * Starts the first worker and waits for its hello. Rejects with PythonNotFoundError when the
   * interpreter can't be started, TritonUnavailableError when it lacks Triton, and
   * WorkerStartError when the worker dies or misspeaks before its hello. More workers start
   * on demand, up to options.workers.
   */
  static async start(options: CompilePoolOptions = {}): Promise<CompilePool> {
    const python = options.python ?? process.env.MOE_PYTHON ?? 'python3';
    const kernelsDir = findKernelsDir(options.kernelsDir);
    const maxWorkers = Math.max(1, Math.floor(options.workers ?? os.availableParallelism()));
    const pythonPath = [kernelsDir, options.env?.PYTHONPATH ?? process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
    const spawnOptions = {
      command: python,
      args: options.workerArgs ?? ['-u', '-m', `${KERNELS_PACKAGE}.worker`],
      env: {
        ...process.env,
        ...options.env,
        ...(options.engine ? { MOE_ENGINE: options.engine } : {}),
        PYTHONPATH: pythonPath,
        PYTHONUNBUFFERED: '1',
        PYTHONDONTWRITEBYTECODE: '1',
      },
      helloTimeoutMs: HELLO_TIMEOUT_MS,
    };
    const first = new WorkerProcess(spawnOptions);
    let hello: WorkerHello;
    try {
      hello = await first.started();
    } catch (failure) {
      first.kill();
      throw describeStartFailure(python, failure as StartFailure);
    }
    if (hello.protocol !== PROTOCOL_VERSION) {
      await first.shutdown(1000);
      throw new WorkerStartError(
        `compile worker: ${kernelsDir}/${KERNELS_PACKAGE} speaks protocol ${hello.protocol}, this @moe/native speaks ${PROTOCOL_VERSION}; use the kernels shipped with this package (unset MOE_KERNELS_DIR or pass its python/ folder as kernelsDir)`,
      );
    }
    if (hello.triton === null) {
      await first.shutdown(1000);
      throw new TritonUnavailableError(
        `compile worker: ${hello.error ?? `triton not importable in ${hello.pythonExecutable}`}`,
      );
    }
    if (options.engine && !hello.engine) {
      await first.shutdown(1000);
      throw new EngineKernelNotFoundError(
        `compile worker: no engine kernel in ${hello.pythonExecutable}: ${hello.engineError ?? 'the worker reported none'}; pass --python of the environment where SGLang or vLLM is installed, or measure MoE Kit's own kernel (--kernel moe-kit)`,
      );
    }
    const cacheDir = options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
    return new CompilePool({
      first,
      hello,
      python,
      maxWorkers,
      kernelsDir,
      sourceHash: kernelSourceHash(kernelsDir),
      cache: cacheDir === null ? null : new CompileCache(cacheDir),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxSharedBytes: options.maxSharedBytes,
      spawnOptions,
    });
  }

  /** The cache key of a request, or throws InvalidCompileRequestError. */
  keyOf(request: CompileRequest): string {
    const resolved = resolveRequest(request, this.extraSignatures);
    return cacheKey(resolved, { sourceHash: this.sourceOf(resolved.kernel), tritonVersion: this.hello.triton! });
  }

  /**
   * Compiles one request (or takes it from the cache). Never rejects for the request's
   * content: a bad request, a compiler error, a crash or a timeout is a CompileFailure.
   * Rejects with CompilePoolClosedError after close().
   */
  async compile(request: CompileRequest): Promise<CompileResult> {
    if (this.closed) throw new CompilePoolClosedError('compile: the compile pool is closed; start a new one with CompilePool.start()');
    let resolved: ResolvedRequest;
    let key: string;
    try {
      resolved = resolveRequest(request, this.extraSignatures);
      key = cacheKey(resolved, { sourceHash: this.sourceOf(resolved.kernel), tritonVersion: this.hello.triton! });
    } catch (error) {
      if (error instanceof InvalidCompileRequestError) {
        this.counters.failures += 1;
        const kernel = (request as Partial<CompileRequest> | null)?.kernel as KernelName;
        return { ok: false, cacheKey: null, fromCache: false, kernel, kind: 'bad_request', message: error.message };
      }
      throw error;
    }
    const running = this.inFlight.get(key);
    if (running) return running;
    const promise = this.lookupOrCompile(key, resolved);
    this.inFlight.set(key, promise);
    try {
      return await promise;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async lookupOrCompile(key: string, resolved: ResolvedRequest): Promise<CompileResult> {
    if (this.cache) {
      const hit = await this.cache.get(key);
      if (hit) {
        this.counters.cacheHits += 1;
        return this.applyLimits(hit);
      }
    }
    // close() may have come while the cache was read: no worker may start for this request then.
    if (this.closed) throw this.closedError(resolved.kernel);
    const result = await new Promise<CompileResult>((resolve, reject) => {
      this.queue.push({ id: String(++this.nextId), key, resolved, resolve, reject });
      this.pump();
    });
    if (result.ok) this.counters.compiled += 1;
    if (this.cache && (result.ok || (CACHED_FAILURE_KINDS.has(result.kind) && !result.transient))) {
      try {
        const binaryPath = await this.cache.put(key, result);
        if (result.ok) result.binaryPath = binaryPath;
      } catch {
        // A cache that can't be written (full disk, read-only folder) costs a recompile later, nothing more.
      }
    }
    return this.applyLimits(result);
  }

  private applyLimits(result: CompileResult): CompileResult {
    if (result.ok && this.maxSharedBytes !== undefined && result.metadata.shared > this.maxSharedBytes) {
      this.counters.failures += 1;
      return {
        ok: false,
        cacheKey: result.cacheKey,
        fromCache: result.fromCache,
        kernel: result.kernel,
        kind: 'out_of_resources',
        resource: 'shared memory',
        required: result.metadata.shared,
        limit: this.maxSharedBytes,
        message: `out of resource: shared memory, Required: ${result.metadata.shared}, Hardware limit: ${this.maxSharedBytes}; use smaller blocks or fewer stages`,
      };
    }
    if (!result.ok) this.counters.failures += 1;
    return result;
  }

  private pump(): void {
    if (this.closed) return;
    while (this.queue.length > 0 && this.idle.length > 0) {
      const worker = this.idle.pop()!;
      if (!worker.alive) {
        this.all.delete(worker);
        continue;
      }
      this.run(worker, this.queue.shift()!);
    }
    const wanted = Math.min(this.queue.length, this.maxWorkers - this.all.size - this.starting);
    for (let i = 0; i < wanted; i += 1) this.spawnWorker();
  }

  private spawnWorker(): void {
    this.starting += 1;
    const worker = new WorkerProcess(this.spawnOptions);
    worker.started().then(
      () => {
        this.starting -= 1;
        if (this.closed) {
          void worker.shutdown(1000);
          return;
        }
        this.all.add(worker);
        this.idle.push(worker);
        this.pump();
      },
      (failure: StartFailure) => {
        this.starting -= 1;
        worker.kill();
        if (this.all.size === 0 && this.starting === 0) {
          // Nobody is left to serve the queue: report it rather than wait forever.
          const error = describeStartFailure(this.python, failure);
          for (const job of this.queue.splice(0)) {
            this.counters.crashes += 1;
            job.resolve({ ok: false, cacheKey: job.key, fromCache: false, kernel: job.resolved.kernel, kind: 'worker_crash', message: error.message });
          }
        }
      },
    );
  }

  private run(worker: WorkerProcess, job: Job): void {
    const { resolved } = job;
    const message = {
      kernel: resolved.kernel,
      constexprs: resolved.constexprs,
      types: resolved.types,
      specialization: resolved.specialization,
      num_warps: resolved.num_warps,
      num_stages: resolved.num_stages,
      target: resolved.target,
      options: resolved.options,
    };
    worker.request(job.id, message, this.timeoutMs).then(
      (raw) => {
        const wrong = raw.ok ? malformedSuccess(raw) : null;
        if (wrong !== null) {
          // A worker that breaks the protocol can't be trusted with the next request either.
          this.lose(worker, job, {
            kind: 'crash',
            message: `compile worker (pid ${worker.child.pid}) answered with a malformed result (${wrong}); it was replaced. This is a bug in ${KERNELS_PACKAGE}.worker or a mismatch with PROTOCOL.md: reinstall @moe/native`,
          });
          return;
        }
        job.resolve(raw.ok ? toSuccess(resolved.kernel, job.key, raw) : toFailure(resolved.kernel, job.key, raw));
        if (this.closed) {
          void worker.shutdown(1000);
          return;
        }
        this.idle.push(worker);
        this.pump();
      },
      (loss: WorkerLoss) => this.lose(worker, job, loss),
    );
  }

  /** The worker died, hung or misspoke on `job`: the job fails with that, the worker goes. */
  private lose(worker: WorkerProcess, job: Job, loss: WorkerLoss): void {
    this.all.delete(worker);
    worker.kill();
    if (loss.kind === 'timeout') this.counters.timeouts += 1;
    else this.counters.crashes += 1;
    job.resolve({
      ok: false,
      cacheKey: job.key,
      fromCache: false,
      kernel: job.resolved.kernel,
      kind: loss.kind === 'timeout' ? 'timeout' : 'worker_crash',
      message: loss.message,
    });
    // A replacement starts when the queue needs one.
    if (!this.closed) this.pump();
  }

  private closedError(kernel: KernelName): CompilePoolClosedError {
    return new CompilePoolClosedError(`compile: the pool was closed before ${kernel} was compiled; start a new one with CompilePool.start()`);
  }

    stats(): CompilePoolStats {
    return {
      workers: this.all.size,
      busy: this.all.size - this.idle.length,
      queued: this.queue.length,
      ...this.counters,
    };
  }

  /**
   * Stops taking requests, rejects the queued ones with CompilePoolClosedError, lets running
   * compiles finish (up to graceMs) and shuts every worker down.
   */
  async close(graceMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(this.closedError(job.resolved.kernel));
    if (this.engineWorker) {
      const w = this.engineWorker;
      this.engineWorker = null;
      await this.engineQueue;
      await w.shutdown(graceMs);
    }
    await Promise.all([...this.all].map((w) => w.shutdown(graceMs)));
    this.all.clear();
    this.idle.length = 0;
  }
}
