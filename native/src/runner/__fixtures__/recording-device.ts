// A Context that records launches instead of running them, and a compiler that answers each
// request with the params the real worker would list (from the kernels' signatures), so the
// runner's orchestration (names, specialisation, grids, buffer sizes) is testable without a GPU.
import type { Context, DeviceBuffer, DeviceInfo, Graph, KernelFunction, KernelParam, LaunchOptions, Module, Stream } from '../../addon/types';
import { fakeCompileSuccess } from '../../compile/__fixtures__/compile-success';
import { KERNEL_SIGNATURES, type SignatureParam } from '../../compile/kernel-signatures';
import { ENGINE_KERNEL, engineSignature } from '../../engine/engine-binding';
import type { EngineKernelInfo } from '../../engine/engine-info';
import { resolveRequest } from '../../compile/resolve-request';
import type { CompileRequest, CompileResult } from '../../compile/types';
import type { KernelCompiler } from '../kernel-compiler';

export interface RecordedLaunch {
  readonly kernel: string;
  readonly grid: LaunchOptions['grid'];
  readonly block: LaunchOptions['block'];
  readonly params: readonly KernelParam[];
  readonly captured: boolean;
}

export const FAKE_DEVICE: DeviceInfo = {
  index: 0,
  backend: 'cuda',
  ordinal: 0,
  name: 'Recording GPU',
  arch: 'sm_90',
  smCount: 132,
  warpSize: 32,
  totalMemoryBytes: 80 * 2 ** 30,
  sharedMemoryPerBlock: 48 * 1024,
  sharedMemoryPerBlockOptin: 227 * 1024,
  l2CacheBytes: 50 * 2 ** 20,
  maxThreadsPerBlock: 1024,
  clockRateKHz: 0,
  memoryClockRateKHz: 0,
  memoryBusWidthBits: 0,
  pciBusId: '0000:00:00.0',
  driverVersion: '12.8',
};

export function recordingContext(): Context & { launches: RecordedLaunch[]; buffers: DeviceBuffer[] } {
  let next = 0x10000n;
  const launches: RecordedLaunch[] = [];
  const buffers: DeviceBuffer[] = [];
  let capturing = false;
  const stream: Stream = { synchronize: async () => {}, destroy: () => {} };
  const ctx = {
    device: FAKE_DEVICE,
    dead: false,
    deadReason: null,
    closed: false,
    launches,
    buffers,
    alloc(bytes: number): DeviceBuffer {
      const ptr = next;
      next += BigInt(Math.ceil(bytes / 256) * 256 + 256);
      const b: DeviceBuffer & { freed: boolean } = {
        ptr,
        bytes,
        freed: false,
        upload: () => {},
        download: async () => new Uint8Array(bytes),
        fill: () => {},
        copyFrom: () => {},
        free() {
          this.freed = true;
        },
      };
      buffers.push(b);
      return b;
    },
    memoryInfo: () => ({ freeBytes: 40 * 2 ** 30, totalBytes: 80 * 2 ** 30 }),
    loadModule(image: Uint8Array): Module {
      const name = new TextDecoder().decode(image);
      return {
        getFunction: (fn: string): KernelFunction => {
          if (fn !== name) throw new Error(`no function ${fn} in module ${name}`);
          return { name, attributes: {} as KernelFunction['attributes'], setMaxDynamicSharedMemory: () => {} };
        },
        unload: () => {},
      };
    },
    createStream: () => stream,
    createEvent: () => {
      throw new Error('not recorded');
    },
    launch(fn: KernelFunction, o: LaunchOptions) {
      launches.push({ kernel: fn.name, grid: o.grid, block: o.block, params: o.params, captured: capturing });
    },
    captureGraph(record: (s: Stream) => void): Graph {
      capturing = true;
      try {
        record(stream);
      } finally {
        capturing = false;
      }
      return { launch: () => {}, destroy: () => {} };
    },
    replayTimes: async (_g: Graph, o: { repeats: number }) => Array.from({ length: o.repeats }, (_, i) => 1000 + i),
    synchronize: async () => {},
    close: () => {},
  };
  return ctx as unknown as Context & { launches: RecordedLaunch[]; buffers: DeviceBuffer[] };
}

/** Answers like the real pool: runtime params in signature order, minus constants and 'one's. */
export function signatureCompiler(engine: EngineKernelInfo | null = null): KernelCompiler & { requests: CompileRequest[] } {
  const requests: CompileRequest[] = [];
  const extra: Record<string, SignatureParam[]> = engine ? { [ENGINE_KERNEL]: engineSignature(engine) } : {};
  const signatureOf = (k: string): readonly SignatureParam[] => (k === ENGINE_KERNEL ? extra[ENGINE_KERNEL]! : KERNEL_SIGNATURES[k as keyof typeof KERNEL_SIGNATURES]);
  return {
    requests,
    engine,
    async compile(request: CompileRequest): Promise<CompileResult> {
      requests.push(request);
      const r = resolveRequest(request, extra);
      const params = signatureOf(r.kernel)
        .filter((p) => p.type !== 'constexpr' && !(p.name in r.constexprs) && r.specialization[p.name] !== 'one')
        .map((p) => {
          const t = r.types[p.name] || p.type;
          return { name: p.name, type: t.startsWith('*') ? ('ptr' as const) : ('i32' as const), tritonType: t, specialization: r.specialization[p.name]! };
        });
      return fakeCompileSuccess({
        cacheKey: JSON.stringify(r),
        kernel: r.kernel,
        binary: new TextEncoder().encode(r.kernel),
        metadata: { num_warps: r.num_warps, num_stages: r.num_stages },
        params,
        specialization: r.specialization,
      });
    },
  };
}
