import { loadAddon, type NativeContext } from './binding';
import { DeviceBufferImpl } from './device-buffer';
import { ContextClosedError } from './errors/context-closed-error';
import { ContextDeadError } from './errors/context-dead-error';
import { DeviceNotFoundError } from './errors/device-not-found-error';
import { NativeArgumentError } from './errors/native-argument-error';
import { GpuEventImpl } from './gpu-event';
import { GraphImpl } from './gpu-graph';
import { StreamImpl, nativeStreamOf } from './gpu-stream';
import { packKernelParams, toDim3 } from './kernel-params';
import { type FunctionOwner, KernelFunctionImpl, ModuleImpl } from './kernel-module';
import { nativeCall, nativeCallAsync } from './native-call';
import { probeDevices } from './probe-devices';
import type {
  Context,
  DeviceBuffer,
  DeviceInfo,
  GpuEvent,
  Graph,
  KernelFunction,
  LaunchOptions,
  Module,
  ReplayOptions,
  Stream,
} from './types';
import { bytesOf, checkInteger, describe } from './validate';

const GRID_LIMITS = [2 ** 31 - 1, 65535, 65535] as const;
const BLOCK_LIMITS = [1024, 1024, 64] as const;
const MAX_REPEATS = 1_000_000;

class ContextImpl implements Context, FunctionOwner {
  private captureStreamImpl: StreamImpl | undefined;
  private flush: DeviceBufferImpl | undefined;
  /** The last replayTimes() queued, and how many have not settled: replays run one at a time. */
  private replays: Promise<unknown> = Promise.resolve();
  private replaysRunning = 0;

  constructor(
    private readonly native: NativeContext,
    readonly device: DeviceInfo,
  ) {}

  get dead(): boolean {
    return this.native.dead;
  }

  get deadReason(): string | null {
    return this.native.deadReason;
  }

  get closed(): boolean {
    return this.native.closed;
  }

  get sharedMemoryLimit(): number {
    return Math.max(this.device.sharedMemoryPerBlockOptin, this.device.sharedMemoryPerBlock);
  }

  guard(operation: string): void {
    if (this.native.closed) throw new ContextClosedError(operation);
    if (this.native.dead) throw new ContextDeadError(operation, this.native.deadReason ?? 'a sticky driver error');
  }

  alloc(bytes: number): DeviceBuffer {
    const op = 'Context.alloc';
    checkInteger(`${op}(bytes)`, bytes, 1, Number.MAX_SAFE_INTEGER);
    if (this.device.totalMemoryBytes > 0 && bytes > this.device.totalMemoryBytes) {
      throw new NativeArgumentError(
        `${op}(bytes)`,
        `${bytes} bytes is more than the device's ${this.device.totalMemoryBytes}`,
        'allocate less',
      );
    }
    this.guard(op);
    return new DeviceBufferImpl(nativeCall(op, () => this.native.alloc(bytes)), this);
  }

  memoryInfo(): { freeBytes: number; totalBytes: number } {
    this.guard('Context.memoryInfo');
    return nativeCall('Context.memoryInfo', () => this.native.memInfo());
  }

  loadModule(image: Uint8Array): Module {
    const op = 'Context.loadModule';
    const bytes = bytesOf(`${op}(image)`, image);
    if (bytes.byteLength === 0) {
      throw new NativeArgumentError(`${op}(image)`, 'the image is empty', 'pass the bytes of a cubin (CUDA) or hsaco (HIP) file');
    }
    this.guard(op);
    return new ModuleImpl(nativeCall(op, () => this.native.loadModule(bytes)), this);
  }

  createStream(): Stream {
    this.guard('Context.createStream');
    return new StreamImpl(nativeCall('Context.createStream', () => this.native.createStream()), this);
  }

  createEvent(options: { timing?: boolean } = {}): GpuEvent {
    const timing = options.timing ?? true;
    this.guard('Context.createEvent');
    return new GpuEventImpl(nativeCall('Context.createEvent', () => this.native.createEvent(timing)), this, timing);
  }

  launch(fn: KernelFunction, options: LaunchOptions): void {
    const op = 'Context.launch';
    if (!(fn instanceof KernelFunctionImpl) || fn.owner !== this) {
      throw new NativeArgumentError(`${op}(fn)`, `${describe(fn)} is not a kernel of this context`, 'pass a function from Module.getFunction() of a module loaded in this context');
    }
    if (typeof options !== 'object' || options === null) {
      throw new NativeArgumentError(`${op}(options)`, `${describe(options)} is not an object`, 'pass { grid, block, sharedBytes?, stream?, params }');
    }
    const grid = toDim3(`${op}(options.grid)`, options.grid, GRID_LIMITS);
    const block = toDim3(`${op}(options.block)`, options.block, BLOCK_LIMITS);
    const threads = block[0] * block[1] * block[2];
    const maxThreads = this.device.maxThreadsPerBlock || 1024;
    if (threads > maxThreads) {
      throw new NativeArgumentError(`${op}(options.block)`, `${threads} threads per block is more than the device's ${maxThreads}`, 'use fewer warps');
    }
    const shared = checkInteger(`${op}(options.sharedBytes)`, options.sharedBytes ?? 0, 0, this.sharedMemoryLimit);
    const stream = nativeStreamOf(`${op}(options.stream)`, options.stream, this);
    const params = packKernelParams(`${op}(options.params)`, options.params);
    fn.live(op);
    fn.ensureDynamicShared(shared);
    nativeCall(op, () => fn.native.launch(grid[0], grid[1], grid[2], block[0], block[1], block[2], shared, stream, params));
  }

  private captureStream(): StreamImpl {
    if (!this.captureStreamImpl) this.captureStreamImpl = this.createStream() as StreamImpl;
    return this.captureStreamImpl;
  }

  captureGraph(record: (stream: Stream) => void): Graph {
    const op = 'Context.captureGraph';
    if (typeof record !== 'function') {
      throw new NativeArgumentError(`${op}(record)`, `${describe(record)} is not a function`, 'pass (stream) => { ctx.launch(fn, { ..., stream }) }');
    }
    this.guard(op);
    const stream = this.captureStream();
    nativeCall(op, () => stream.native.beginCapture());
    let result: unknown;
    try {
      result = record(stream);
    } catch (err) {
      this.abandonCapture(stream);
      throw err;
    }
    if (result !== undefined && typeof (result as { then?: unknown }).then === 'function') {
      this.abandonCapture(stream);
      throw new NativeArgumentError(`${op}(record)`, 'the function returned a promise', 'queue the launches synchronously; capture ends when the function returns');
    }
    return new GraphImpl(nativeCall(op, () => stream.native.endCapture()), this);
  }

  private abandonCapture(stream: StreamImpl): void {
    try {
      stream.native.endCapture().destroy();
    } catch {
      // the capture was invalidated by the error that is being reported
    }
  }

  replayTimes(graph: Graph, options: ReplayOptions): Promise<number[]> {
    const op = 'Context.replayTimes';
    try {
      if (!(graph instanceof GraphImpl) || graph.owner !== this) {
        throw new NativeArgumentError(`${op}(graph)`, `${describe(graph)} is not a graph of this context`, 'pass a graph from this context\'s captureGraph()');
      }
      const warmup = checkInteger(`${op}(options.warmup)`, options.warmup ?? 3, 0, MAX_REPEATS);
      const repeats = checkInteger(`${op}(options.repeats)`, options.repeats, 1, MAX_REPEATS);
      const flushBytes = this.flushBytes(op, options.l2Flush);
      const start = (): Promise<Float64Array> => {
        const stream = options.stream === undefined ? this.captureStream().native : nativeStreamOf(`${op}(options.stream)`, options.stream, this);
        graph.live(op);
        const flush = flushBytes > 0 ? this.flushBuffer(flushBytes) : undefined;
        return nativeCallAsync(op, () => graph.native.replayTimes(stream, warmup, repeats, flush?.native ?? null, flushBytes));
      };
      // One replay at a time per context: two timed replays queued side by side would put each
      // other's launches between their events (or share the GPU), and both would time too long.
      // With none running, this one starts now (its arguments are checked now, too).
      const run = this.replaysRunning === 0 ? start() : this.replays.then(start);
      this.replaysRunning += 1;
      const done = (): void => {
        this.replaysRunning -= 1;
      };
      this.replays = run.then(done, done);
      return run.then((t) => Array.from(t));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private flushBytes(op: string, l2Flush: boolean | number | undefined): number {
    if (l2Flush === undefined || l2Flush === false) return 0;
    if (l2Flush === true) return Math.max(2 * this.device.l2CacheBytes, 64 * 1024 * 1024);
    return checkInteger(`${op}(options.l2Flush)`, l2Flush, 1, Number.MAX_SAFE_INTEGER);
  }

  private flushBuffer(bytes: number): DeviceBufferImpl {
    if (!this.flush || this.flush.freed || this.flush.bytes < bytes) {
      this.flush?.free();
      this.flush = this.alloc(bytes) as DeviceBufferImpl;
    }
    return this.flush;
  }

  synchronize(): Promise<void> {
    try {
      this.guard('Context.synchronize');
    } catch (err) {
      return Promise.reject(err);
    }
    return nativeCallAsync('Context.synchronize', () => this.native.synchronize());
  }

  close(): void {
    this.native.close();
  }
}

/**
 * Opens a context on a device: an index into devices() (default 0) or a DeviceInfo from it.
 * Throws NativeAddonUnavailableError when the addon is not built, DeviceNotFoundError when there
 * is no such device (the message says why there is none).
 */
export function openContext(device: number | DeviceInfo = 0): Context {
  const op = 'openContext';
  const addon = loadAddon(); // throws NativeAddonUnavailableError, listing each cause and fix
  const probe = probeDevices();
  let info: DeviceInfo | undefined;
  if (typeof device === 'number') {
    checkInteger(`${op}(device)`, device, 0, Number.MAX_SAFE_INTEGER);
    info = probe.devices[device];
    if (!info) throw new DeviceNotFoundError(String(device), probe.devices.length, probe.reason);
  } else if (typeof device === 'object' && device !== null && typeof device.index === 'number') {
    info = probe.devices.find((d) => d.backend === device.backend && d.ordinal === device.ordinal);
    if (!info) throw new DeviceNotFoundError(`${device.backend}:${device.ordinal}`, probe.devices.length, probe.reason);
  } else {
    throw new NativeArgumentError(`${op}(device)`, `${describe(device)} is not a device`, 'pass an index into devices() or one of its entries');
  }
  const found = info;
  const native = nativeCall(op, () => addon.Context.open(found.ordinal, found.backend));
  return new ContextImpl(native, found);
}
