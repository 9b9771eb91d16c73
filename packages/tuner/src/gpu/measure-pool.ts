// One measure worker per GPU, shared by every search of a run. GPU work (measure, check) goes to
// whichever GPU is free, one request at a time per GPU, so the configs of one batch size spread
// over all GPUs; compiles go to the workers' compile pools in the background (several at once
// per worker), so compiling overlaps timing. A worker that dies (exit, signal, or a request past
// its time limit, then killed) is restarted: the GPU request it was running is answered as a
// failure (the config that caused it is skipped, and the caller records it); its compiles in
// flight are sent again once (twice in a crash: a failure too).
import { GpuWorkerError } from '../errors/gpu-worker-error';
import type { CheckAnswer, CompileAnswer, Gemm, MeasureAnswer, ReadyAnswer, SetupMessage, WorkerHelloMessage } from './measure-protocol';
import type { ReplayPlan } from './replay-plan';
import { DEFAULT_TIMEOUTS, MeasureWorkerClient, WorkerDied, type WorkerCommand, type WorkerRequest, type WorkerTimeouts } from './measure-worker-client';
import type { TileConfig } from '@moe/engine-facts';
import path from 'node:path';

export type PoolEvent =
  | { type: 'started'; gpu: number; device: NonNullable<WorkerHelloMessage['device']> }
  | { type: 'died'; gpu: number; message: string; during: string | null }
  | { type: 'restarted'; gpu: number }
  | { type: 'dropped'; gpu: number; message: string }
  | { type: 'done'; gpu: number; kind: 'measure' | 'check'; seconds: number };

export interface PoolOptions {
  command: WorkerCommand;
  /** GPU indices, one worker each. */
  gpus: readonly number[];
  setup: Omit<SetupMessage, 'type' | 'id'>;
  timeouts?: WorkerTimeouts;
  /** Restarts per GPU before it is given up (default 3). */
  maxRestarts?: number;
  /** Compiles in flight per worker (default 4 x the setup's compile workers). */
  compilesInFlight?: number;
  /** A folder for each worker's stderr (worker-<gpu>.log), or null. */
  logDir?: string | null;
  onEvent?: (e: PoolEvent) => void;
}

type GpuKind = 'measure' | 'check';

interface Task {
  readonly kind: GpuKind | 'compile';
  readonly msg: WorkerRequest;
  readonly resolve: (answer: CompileAnswer | MeasureAnswer | CheckAnswer) => void;
  readonly reject: (e: Error) => void;
  attempts: number;
}

interface Slot {
  readonly gpu: number;
  client: MeasureWorkerClient | null;
  ready: ReadyAnswer | null;
  gpuTask: Task | null;
  compiles: number;
  restarts: number;
  dropped: boolean;
  starting: boolean;
}

/** A compile asked ahead of need that was dropped before it was sent (MeasurePool.cancelLater). */
export class CompileNotNeeded extends Error {
  constructor() {
    super('a compile asked ahead of need was dropped before it ran');
    this.name = 'CompileNotNeeded';
  }
}

const describeConfig = (c: TileConfig) => `${c.BLOCK_SIZE_M}/${c.BLOCK_SIZE_N}/${c.BLOCK_SIZE_K}/${c.GROUP_SIZE_M}/${c.num_warps}/${c.num_stages}`;

export class MeasurePool {
  private readonly gpuQueue: Task[] = [];
  private readonly compileQueue: Task[] = [];
  /** Compiles asked ahead of need (speculative): sent only while compileQueue is empty, a few at a time. */
  private readonly laterQueue: Task[] = [];
  private closed = false;
  private fatal: GpuWorkerError | null = null;
  private readonly timeouts: WorkerTimeouts;

  private constructor(
    private readonly options: PoolOptions,
    private readonly slots: Slot[],
  ) {
    this.timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  }

  /** Starts a worker per GPU and sets each up; throws GpuWorkerError when none comes up. */
  static async start(options: PoolOptions): Promise<MeasurePool> {
    if (options.gpus.length === 0) throw new GpuWorkerError('no GPUs to run on; pass --gpus all or a list such as --gpus 0,1');
    const slots: Slot[] = options.gpus.map((gpu) => ({ gpu, client: null, ready: null, gpuTask: null, compiles: 0, restarts: 0, dropped: false, starting: false }));
    const pool = new MeasurePool(options, slots);
    const problems = await Promise.all(slots.map((s) => pool.bringUp(s)));
    if (slots.every((s) => s.client === null)) {
      throw new GpuWorkerError(
        `no GPU measure worker started: ${problems.filter(Boolean).join('; ')}; check the GPUs (nvidia-smi) and --gpus, or plan without a GPU with --dry-run`,
      );
    }
    for (const s of slots) if (s.client === null) pool.drop(s, problems[slots.indexOf(s)] ?? 'did not start');
    return pool;
  }

  /** The setup answer of the first worker up (kernel source, Triton, engine). */
  get ready(): ReadyAnswer {
    return this.slots.find((s) => s.ready)!.ready!;
  }

  /** The devices of the workers up now. */
  get devices(): NonNullable<WorkerHelloMessage['device']>[] {
    return this.slots.filter((s) => s.client && s.client.hello.device).map((s) => s.client!.hello.device!);
  }

  /** Whether any worker was restarted (a new worker knows nothing of the compiles its predecessor answered). */
  get restarted(): boolean {
    return this.slots.some((s) => s.restarts > 0);
  }

  /** GPUs still in use. */
  get size(): number {
    return this.slots.filter((s) => !s.dropped).length;
  }

  /**
   * Compiles a config in a worker's compile pool. `later`: a compile asked ahead of need, sent
   * only when no other compile waits, at most one per compile process in flight (so that a
   * compile the search waits for never queues behind many of them); promote() moves it ahead.
   */
  compile(gemm: Gemm, M: number, config: TileConfig, options: { later?: boolean; compileOnly?: boolean } = {}): Promise<CompileAnswer> {
    return this.enqueue(options.later ? 'later' : 'compile', { type: 'compile', gemm, M, config, background: true, ...(options.compileOnly ? { compileOnly: true } : {}) }) as Promise<CompileAnswer>;
  }

  /** Drops the `later` compiles not sent yet: each rejects with CompileNotNeeded. */
  cancelLater(): void {
    for (const t of this.laterQueue.splice(0)) t.reject(new CompileNotNeeded());
  }

  /** A compile asked with `later` that is now needed: sent before the other later ones (no-op once sent). */
  promote(gemm: Gemm, M: number, config: TileConfig): void {
    const i = this.laterQueue.findIndex((t) => {
      const m = t.msg as { gemm: Gemm; M: number; config: TileConfig };
      return m.gemm === gemm && m.M === M && describeConfig(m.config) === describeConfig(config);
    });
    if (i < 0) return;
    this.compileQueue.push(this.laterQueue.splice(i, 1)[0]!);
    this.pump();
  }

  measure(gemm: Gemm, M: number, config: TileConfig, repeats: number, repeatOffset: number, replay?: ReplayPlan): Promise<MeasureAnswer> {
    return this.enqueue('measure', { type: 'measure', gemm, M, config, repeats, repeatOffset, ...(replay ?? {}) }) as Promise<MeasureAnswer>;
  }

  check(gemm: Gemm, M: number, config: TileConfig, engineSelfCheck: boolean, reference = true): Promise<CheckAnswer> {
    return this.enqueue('check', { type: 'check', gemm, M, config, engineSelfCheck, ...(reference ? {} : { reference: false }) }) as Promise<CheckAnswer>;
  }

  /** Shuts every worker down (killing those that do not exit), and fails what is still queued. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of [...this.gpuQueue.splice(0), ...this.compileQueue.splice(0), ...this.laterQueue.splice(0)]) t.reject(new GpuWorkerError('the run was stopped before this request ran'));
    await Promise.all(this.slots.map((s) => s.client?.close()));
  }

  private enqueue(kind: Task['kind'] | 'later', msg: WorkerRequest): Promise<CompileAnswer | MeasureAnswer | CheckAnswer> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.closed) return Promise.reject(new GpuWorkerError('the run was stopped before this request ran'));
    return new Promise((resolve, reject) => {
      const task = { kind: kind === 'later' ? ('compile' as const) : kind, msg, resolve, reject, attempts: 0 };
      (kind === 'later' ? this.laterQueue : kind === 'compile' ? this.compileQueue : this.gpuQueue).push(task);
      this.pump();
    });
  }

  private up(s: Slot): boolean {
    return !s.dropped && !s.starting && s.client !== null && s.client.alive && s.ready !== null;
  }

  private pump(): void {
    const cap = this.options.compilesInFlight ?? Math.max(4, 4 * this.options.setup.compileWorkers);
    for (const s of this.slots) {
      if (!this.up(s)) continue;
      while (!s.gpuTask && this.gpuQueue.length > 0) this.run(s, this.gpuQueue.shift()!);
    }
    // Compiles to the least busy worker, a few at a time each; compiles asked ahead of need only
    // when none other waits, one per compile process.
    const later = Math.max(1, this.options.setup.compileWorkers);
    for (;;) {
      const queue = this.compileQueue.length > 0 ? this.compileQueue : this.laterQueue.length > 0 ? this.laterQueue : null;
      if (!queue) break;
      const limit = queue === this.compileQueue ? cap : later;
      const free = this.slots.filter((s) => this.up(s) && s.compiles < limit).sort((a, b) => a.compiles - b.compiles)[0];
      if (!free) break;
      this.run(free, queue.shift()!);
    }
  }

  private run(s: Slot, task: Task): void {
    const client = s.client!;
    const started = Date.now();
    if (task.kind === 'compile') s.compiles += 1;
    else s.gpuTask = task;
    client.request<CompileAnswer | MeasureAnswer | CheckAnswer | ReadyAnswer>(task.msg).then(
      (answer) => {
        this.finish(s, task);
        if (answer.type === 'ready') {
          // The worker refused the request (sent before setup): a failed answer, not a crash.
          task.resolve(failedAnswer(task, 'bad_request', answer.message ?? 'refused'));
        } else {
          if (task.kind !== 'compile') this.options.onEvent?.({ type: 'done', gpu: s.gpu, kind: task.kind, seconds: (Date.now() - started) / 1000 });
          task.resolve(answer);
        }
        this.pump();
      },
      (err: unknown) => {
        this.finish(s, task);
        if (!(err instanceof WorkerDied)) {
          task.reject(err as Error);
          return;
        }
        if (task.kind === 'compile') {
          // A compile in flight when the worker died is sent again once; a second death fails it.
          task.attempts += 1;
          if (task.attempts >= 2) task.resolve(failedAnswer(task, 'worker_crash', err.message));
          else this.compileQueue.unshift(task);
        } else {
          // The GPU request running when it died is the one that caused it: skipped, recorded by the caller.
          task.resolve(failedAnswer(task, err.reason === 'timeout' ? 'timeout' : 'worker_crash', err.message));
        }
        this.onDeath(s, client, err, task.kind === 'compile' ? null : task);
      },
    );
  }

  private finish(s: Slot, task: Task): void {
    if (task.kind === 'compile') s.compiles -= 1;
    else if (s.gpuTask === task) s.gpuTask = null;
  }

  private onDeath(s: Slot, client: MeasureWorkerClient, err: WorkerDied, during: Task | null): void {
    if (s.client !== client || s.starting) return;
    const msg = during?.msg as { gemm?: string; config?: TileConfig; M?: number } | undefined;
    this.options.onEvent?.({
      type: 'died',
      gpu: s.gpu,
      message: err.message,
      during: msg?.config ? `${during!.kind} ${msg.gemm} ${describeConfig(msg.config)} at M=${msg.M}` : null,
    });
    s.client = null;
    s.ready = null;
    if (this.closed) return;
    void this.restart(s);
  }

  private async restart(s: Slot): Promise<void> {
    while (!this.closed && !s.dropped) {
      s.restarts += 1;
      if (s.restarts > (this.options.maxRestarts ?? 3)) {
        this.drop(s, `died ${s.restarts} times`);
        return;
      }
      const problem = await this.bringUp(s);
      if (problem === null) {
        this.options.onEvent?.({ type: 'restarted', gpu: s.gpu });
        this.pump();
        return;
      }
    }
  }

  /** Starts and sets up a slot's worker; null when it is up, else what went wrong. */
  private async bringUp(s: Slot): Promise<string | null> {
    s.starting = true;
    try {
      const log = this.options.logDir ? path.join(this.options.logDir, `worker-${s.gpu}.log`) : null;
      const client = await MeasureWorkerClient.start(this.options.command, s.gpu, this.timeouts, log);
      if (!client.hello.device) {
        client.kill();
        return `GPU ${s.gpu}: ${client.hello.error ?? 'no device'}`;
      }
      const ready = await client.request<ReadyAnswer>({ type: 'setup', ...this.options.setup });
      if (!ready.ok) {
        await client.close();
        return `GPU ${s.gpu}: setup failed: ${ready.message ?? 'no reason given'}`;
      }
      s.client = client;
      s.ready = ready;
      this.options.onEvent?.({ type: 'started', gpu: s.gpu, device: client.hello.device });
      // A death later is handled when a request of it fails; a death while idle is noticed here.
      void this.watch(s, client);
      return null;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    } finally {
      s.starting = false;
    }
  }

  /** Restarts a worker that dies while it has nothing to do (no request would notice). */
  private async watch(s: Slot, client: MeasureWorkerClient): Promise<void> {
    await client.closed;
    if (this.closed || s.client !== client) return;
    if (s.gpuTask === null && s.compiles === 0) this.onDeath(s, client, new WorkerDied('exit', `GPU ${s.gpu}: the measure worker exited while idle`), null);
  }

  private drop(s: Slot, message: string): void {
    if (s.dropped) return;
    s.dropped = true;
    this.options.onEvent?.({ type: 'dropped', gpu: s.gpu, message });
    if (this.slots.every((x) => x.dropped)) {
      this.fatal = new GpuWorkerError(`every GPU measure worker was lost (last: GPU ${s.gpu} ${message}); the journal keeps what was measured: fix the GPU, then run the same command with --resume`);
      for (const t of [...this.gpuQueue.splice(0), ...this.compileQueue.splice(0)]) t.reject(this.fatal);
    }
  }
}

function failedAnswer(task: Task, kind: string, message: string): CompileAnswer | MeasureAnswer | CheckAnswer {
  const id = 'host';
  if (task.kind === 'compile') return { type: 'compiled', id, ok: false, kind, message };
  if (task.kind === 'measure') return { type: 'measured', id, ok: false, kind, message };
  return { type: 'checked', id, ok: false, summary: `${kind}: ${message}` };
}
