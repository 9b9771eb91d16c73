/**
 * The typed JS API of @moe/native's GPU driver addon.
 *
 * The addon loads the GPU driver at run time (libcuda.so.1 through cuGetProcAddress at a pinned
 * API version; libamdhip64.so likewise), so it builds and loads on machines with no GPU: there
 * `probeDevices()` returns no devices and the reason. Arguments are validated in TypeScript
 * before they reach C++; every driver failure becomes a `DriverError` (code MOE_DRIVER_ERROR)
 * carrying the call, the driver's error name and its text. A sticky error (an illegal address,
 * a failed launch, ...) marks the context dead: every later call on it throws
 * `ContextDeadError` (code MOE_CONTEXT_DEAD) and the process must be restarted to use the GPU.
 */

/** Which driver a device is reached through. */
export type Backend = 'cuda' | 'hip';

/** One GPU as its driver reports it. */
export interface DeviceInfo {
  /** Position in the list `devices()` returns (CUDA devices first, then HIP devices). */
  readonly index: number;
  readonly backend: Backend;
  /** The backend's own device ordinal (what CUDA_VISIBLE_DEVICES renumbers). */
  readonly ordinal: number;
  /** The name as the driver reports it, e.g. "NVIDIA H100 80GB HBM3". */
  readonly name: string;
  /** Compile target: 'sm_90' (CUDA, from the compute capability) or 'gfx942' (HIP). */
  readonly arch: string;
  /** Streaming multiprocessors (CUDA) or compute units (HIP). */
  readonly smCount: number;
  /** 32 on NVIDIA, 64 on AMD Instinct. */
  readonly warpSize: number;
  readonly totalMemoryBytes: number;
  /** Shared memory a block gets without opting in (48 KiB on NVIDIA). */
  readonly sharedMemoryPerBlock: number;
  /** Shared memory a block may opt in to (227 KiB on H100/H200): the limit a kernel config must fit. */
  readonly sharedMemoryPerBlockOptin: number;
  readonly l2CacheBytes: number;
  readonly maxThreadsPerBlock: number;
  /** Peak SM clock in kHz (0 when the driver does not say). */
  readonly clockRateKHz: number;
  /** Peak memory clock in kHz (0 when the driver does not say). */
  readonly memoryClockRateKHz: number;
  readonly memoryBusWidthBits: number;
  /** "0000:3b:00.0" */
  readonly pciBusId: string;
  /** The driver's API version, "12.4" for CUDA's 12040. */
  readonly driverVersion: string;
}

/** What probing one backend found. */
export interface BackendProbe {
  readonly backend: Backend;
  /** The shared library tried, e.g. "libcuda.so.1". */
  readonly library: string;
  /** The library was found and its entry points resolved. */
  readonly loaded: boolean;
  /** Devices the driver initialised (0 when it did not load or has none). */
  readonly deviceCount: number;
  /** The driver version ("12.4"), or null when the library did not load. */
  readonly driverVersion: string | null;
  /** Why this backend gave no devices, or null when it gave some. */
  readonly error: string | null;
}

/** `probeDevices()`'s result. It never throws: a missing addon or driver is a `reason`. */
export interface DeviceProbe {
  readonly devices: readonly DeviceInfo[];
  /** Why `devices` is empty ("libcuda.so.1 not found: no NVIDIA driver ..."), else null. */
  readonly reason: string | null;
  /** One entry per backend tried (empty when the addon itself did not load). */
  readonly backends: readonly BackendProbe[];
}

/** A grid or block size: x, [x], [x, y] or [x, y, z]; missing sizes are 1. */
export type Dim3 = number | readonly [number] | readonly [number, number] | readonly [number, number, number];

/**
 * One kernel parameter, in the kernel's order. `ptr` takes a buffer, a raw device address or
 * null (address 0); `i32`/`u32`/`i64`/`u64` integers; `f32` a float.
 */
export type KernelParam =
  | { readonly type: 'ptr'; readonly value: DeviceBuffer | bigint | null }
  | { readonly type: 'i32'; readonly value: number }
  | { readonly type: 'u32'; readonly value: number }
  | { readonly type: 'i64'; readonly value: number | bigint }
  | { readonly type: 'u64'; readonly value: number | bigint }
  | { readonly type: 'f32'; readonly value: number };

export type KernelParamType = KernelParam['type'];

export interface LaunchOptions {
  readonly grid: Dim3;
  readonly block: Dim3;
  /** Dynamic shared memory in bytes (Triton: metadata.shared). Default 0. Above 48 KiB the
   * function's limit is raised automatically. */
  readonly sharedBytes?: number;
  /** Default: the context's legacy default stream. Inside `captureGraph` pass the capture stream. */
  readonly stream?: Stream | null;
  readonly params: readonly KernelParam[];
}

/** cuFuncGetAttribute's numbers for one kernel. */
export interface FunctionAttributes {
  readonly maxThreadsPerBlock: number;
  /** Static shared memory. */
  readonly sharedSizeBytes: number;
  readonly constSizeBytes: number;
  readonly localSizeBytes: number;
  readonly numRegs: number;
  readonly ptxVersion: number;
  readonly binaryVersion: number;
  /** The current dynamic shared memory limit (raised by setMaxDynamicSharedMemory). */
  readonly maxDynamicSharedSizeBytes: number;
}

/** Device memory. `ptr` is the device address (CUdeviceptr). */
export interface DeviceBuffer {
  readonly ptr: bigint;
  readonly bytes: number;
  readonly freed: boolean;
  /** Copies host bytes (any typed array: bf16/fp8 as Uint16Array/Uint8Array) to `offsetBytes`. */
  upload(data: ArrayBufferView | ArrayBuffer, offsetBytes?: number): void;
  /** Copies device bytes back, off the JS thread. Default: the whole buffer. */
  download(range?: { offsetBytes?: number; bytes?: number }): Promise<Uint8Array>;
  /** Fills with a repeated 1-, 2- or 4-byte pattern (e.g. 0x7fc0 with 2: bf16 NaN poison). */
  fill(value: number, elementBytes?: 1 | 2 | 4): void;
  /** Device-to-device copy from `src` (default: min of both sizes, offsets 0). */
  copyFrom(src: DeviceBuffer, range?: { srcOffsetBytes?: number; dstOffsetBytes?: number; bytes?: number }): void;
  /** Frees the memory; a download still running keeps it until it has finished. Idempotent. */
  free(): void;
}

export interface Stream {
  /** Waits off the JS thread until everything queued on the stream has finished. */
  synchronize(): Promise<void>;
  /** Destroys the stream once its pending synchronize() or replays have settled. Idempotent. */
  destroy(): void;
}

export interface GpuEvent {
  record(stream?: Stream | null): void;
  /** Waits off the JS thread until the event has completed. */
  synchronize(): Promise<void>;
  /** True when the work before the event has completed. */
  query(): boolean;
  /** Microseconds from `start` to this event; both recorded and completed, both with timing. */
  elapsedMicrosSince(start: GpuEvent): number;
  destroy(): void;
}

export interface KernelFunction {
  readonly name: string;
  /** Read from the driver on each access. */
  readonly attributes: FunctionAttributes;
  /** Raises (or lowers) the dynamic shared memory this kernel may use. */
  setMaxDynamicSharedMemory(bytes: number): void;
}

export interface Module {
  getFunction(name: string): KernelFunction;
  /**
   * Unloads the image. Refused with ModuleInUseError (MOE_MODULE_IN_USE) while a graph captured
   * from its kernels is alive (not destroyed, or destroyed but still replaying): destroy those
   * graphs first. Idempotent once unloaded.
   */
  unload(): void;
}

/** An instantiated CUDA graph (or hipGraph) of captured launches. */
export interface Graph {
  /** Queues one replay. */
  launch(stream?: Stream | null): void;
  /** Destroys the graph once its pending replayTimes() have settled. Idempotent. */
  destroy(): void;
}

export interface ReplayOptions {
  /** Untimed replays first. Default 3. */
  readonly warmup?: number;
  /** Timed replays. Default 10. */
  readonly repeats: number;
  /**
   * Between replays, outside the timed region, overwrite a buffer larger than the L2 cache so
   * each replay starts cold. true: 2 x the device's L2 size; a number: that many bytes.
   */
  readonly l2Flush?: boolean | number;
  /** Default: a stream of the context's own. */
  readonly stream?: Stream | null;
}

/** A context on one device (the device's primary context). */
export interface Context {
  readonly device: DeviceInfo;
  /** A sticky driver error happened: the GPU can only be used again from a new process. */
  readonly dead: boolean;
  /** The error that killed the context, e.g. "cuStreamSynchronize: CUDA_ERROR_ILLEGAL_ADDRESS ...". */
  readonly deadReason: string | null;
  readonly closed: boolean;
  alloc(bytes: number): DeviceBuffer;
  memoryInfo(): { freeBytes: number; totalBytes: number };
  /** Loads a cubin (CUDA) or hsaco (HIP) image. */
  loadModule(image: Uint8Array): Module;
  createStream(): Stream;
  createEvent(options?: { timing?: boolean }): GpuEvent;
  launch(fn: KernelFunction, options: LaunchOptions): void;
  /**
   * Captures what `record` queues on the stream it is given (launch with `stream`) into a
   * graph and instantiates it. The stream is the context's capture stream.
   */
  captureGraph(record: (stream: Stream) => void): Graph;
  /**
   * Replays the graph `warmup + repeats` times off the JS thread; the µs of each timed replay.
   * Calls made before the previous one settled wait for it: one context times one graph at a time.
   */
  replayTimes(graph: Graph, options: ReplayOptions): Promise<number[]>;
  /** Waits off the JS thread for all work in the context. */
  synchronize(): Promise<void>;
  /**
   * Releases the device's primary context (once its async calls have settled); the driver frees
   * everything in it when no other open Context of this process uses the same device.
   */
  close(): void;
}

/**
 * Triton (3.6) appends two pointer parameters to every kernel: global scratch and profile
 * scratch. These are the fields of Triton's compile metadata that size them (the metadata object
 * of a compile result fits this type as is).
 */
export interface TritonScratchSpec {
  readonly num_ctas?: number;
  readonly global_scratch_size?: number;
  readonly global_scratch_align?: number;
  readonly profile_scratch_size?: number;
  readonly profile_scratch_align?: number;
}
