// The addon's C++ against a fake libcuda (./__fixtures__/fake-cuda.c, built here with cc): every
// driver path a GPU would take, on a machine with no GPU. Each scenario runs in a child process,
// since a process loads its driver once.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const nativeRoot = path.resolve(here, '../..');
const addonFile = path.join(nativeRoot, 'build', 'Release', 'moe_native.node');
let dir = '';
let fakeLib = '';
let fakeHip = '';
let bundle = '';

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'moe-fake-cuda-'));
  fakeLib = path.join(dir, 'libcuda.so.1');
  execFileSync('cc', ['-shared', '-fPIC', '-O1', '-o', fakeLib, path.join(here, '__fixtures__', 'fake-cuda.c')]);
  fakeHip = path.join(dir, 'libamdhip64.so');
  execFileSync('cc', ['-shared', '-fPIC', '-O1', '-o', fakeHip, path.join(here, '__fixtures__', 'fake-hip.c')]);
  bundle = path.join(dir, 'addon.mjs');
  await build({ entryPoints: [path.join(here, 'index.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'error' });
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function run(scenario: string, env: Record<string, string> = {}, options: { maxVirtualKiB?: number } = {}): Json {
  const script = path.join(here, '__fixtures__', 'fake-driver-run.mjs');
  // With maxVirtualKiB, the child runs under `ulimit -v`, so that large host allocations fail.
  const [file, args] = options.maxVirtualKiB
    ? ['/bin/sh', ['-c', 'ulimit -v "$1" && shift && exec "$@"', 'sh', String(options.maxVirtualKiB), process.execPath, script, scenario]]
    : [process.execPath, [script, scenario]];
  const stdout = execFileSync(file, args, {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      MOE_TEST_ADDON_BUNDLE: bundle,
      MOE_NATIVE_ADDON: addonFile,
      MOE_NATIVE_CUDA_LIBRARY: fakeLib,
      MOE_NATIVE_HIP_LIBRARY: path.join(dir, 'no-such-libamdhip64.so'),
      ...env,
    },
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as Json;
}

describe('device probing through a fake libcuda', () => {
  it('reports the device with its facts and arch from the compute capability', () => {
    const { probe } = run('probe');
    expect(probe.reason).toBeNull();
    expect(probe.devices).toHaveLength(1);
    expect(probe.devices[0]).toMatchObject({
      index: 0,
      backend: 'cuda',
      ordinal: 0,
      name: 'NVIDIA H100 80GB HBM3',
      arch: 'sm_90',
      smCount: 132,
      warpSize: 32,
      totalMemoryBytes: 80 * 2 ** 30,
      sharedMemoryPerBlockOptin: 227 * 1024,
      l2CacheBytes: 50 * 2 ** 20,
      pciBusId: '0000:3B:00.0',
      driverVersion: '12.4',
    });
    expect(probe.backends[1].error).toMatch(/no-such-libamdhip64\.so could not be loaded/);
  });

  it('numbers several devices in order', () => {
    const { probe } = run('probe', { FAKE_CUDA_DEVICES: '2', FAKE_CUDA_NAME: 'NVIDIA H200' });
    expect(probe.devices.map((d: Json) => [d.index, d.name, d.pciBusId])).toEqual([
      [0, 'NVIDIA H200', '0000:3B:00.0'],
      [1, 'NVIDIA H200', '0000:3C:00.0'],
    ]);
  });

  it('says the driver found no GPU when cuInit fails with CUDA_ERROR_NO_DEVICE', () => {
    const { probe, openError } = run('probe', { FAKE_CUDA_INIT_ERROR: '100' });
    expect(probe.devices).toEqual([]);
    expect(probe.reason).toContain('the NVIDIA driver found no GPU: cuInit returned CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)');
    expect(openError).toMatchObject({ class: 'DeviceNotFoundError', code: 'MOE_NO_DEVICE' });
    expect(openError.message).toContain('no GPU is available');
  });

  it('says the driver is too old when entry points do not resolve at CUDA 12.0', () => {
    const { probe } = run('probe', { FAKE_CUDA_NO_GETPROC: '1' });
    expect(probe.devices).toEqual([]);
    expect(probe.reason).toMatch(/has no cuDriverGetVersion at CUDA API 12\.0: install an NVIDIA driver for CUDA 12\.0 or newer/);
  });

  it('says the library is missing when there is none', () => {
    const { probe } = run('probe', { MOE_NATIVE_CUDA_LIBRARY: path.join(dir, 'missing', 'libcuda.so.1') });
    expect(probe.devices).toEqual([]);
    expect(probe.reason).toMatch(/missing\/libcuda\.so\.1 could not be loaded .*; .*no-such-libamdhip64\.so could not be loaded/);
    expect(probe.backends.map((b: Json) => b.loaded)).toEqual([false, false]);
  });
});

describe('contexts, buffers, launches, graphs and errors through a fake libcuda', () => {
  let r: Json;
  beforeAll(() => {
    r = run('full');
  });

  it('copies bytes in and out at offsets, fills 16-bit patterns and copies between buffers', () => {
    expect(r.range).toEqual([0, 1, 2, 3, 4, 0]);
    expect(r.fill16).toEqual([0x7fc0, 0x7fc0, 0x7fc0]);
    // bytes 10..13 of 0,1,2,...; then what the bf16 fill left (0xc0, 0x7f little-endian)
    expect(r.copied).toEqual([10, 11, 12, 13, 0xc0, 0x7f]);
    expect(r.uploadOverrun).toMatchObject({ code: 'MOE_NATIVE_INVALID_ARGUMENT' });
    expect(r.uploadOverrun.message).toContain('8 bytes at offset 60 run past the end of the 64-byte buffer');
    expect(r.fillWidth).toMatchObject({ code: 'MOE_NATIVE_INVALID_ARGUMENT' });
    expect(r.useAfterFree).toMatchObject({ code: 'MOE_RESOURCE_RELEASED' });
  });

  it('packs every parameter type in order and passes grid, block and dynamic shared memory', () => {
    expect(r.echo).toEqual([
      String(2n ** 64n - 5n), // i32 -5, sign-extended by the kernel
      String(2n ** 64n - 2n ** 40n + 3n), // i64 -(2^40) + 3
      String(0x3fc00000), // f32 1.5
      '4000000000', // u32
      String(0x1234567890), // ptr
      '2003004', // grid [2, 3, 4]
      '32002001', // block [32, 2, 1]
      String(100 * 1024), // dynamic shared memory
    ]);
    // more than 48 KiB: the function's limit was raised before the launch, as Triton's launcher
    // raises it: to the opt-in limit (the fake's 232448) minus the static shared memory (0)
    expect(r.maxDynamicShared).toBe(232448);
  });

  it('rejects bad launches before they reach the driver', () => {
    expect(r.blockTooLarge.message).toContain('2048 threads per block is more than the device\'s 1024');
    expect(r.badParam).toMatchObject({ code: 'MOE_NATIVE_INVALID_ARGUMENT' });
    expect(r.badParam.message).toContain('Context.launch(options.params[0].value): 2147483648 is out of range');
    expect(r.sharedTooLarge.message).toContain('Context.launch(options.sharedBytes): 307200 is out of range');
  });

  it('captures launches into a graph that runs only when replayed, and times each replay', () => {
    expect(r.counterAfterCapture).toBe('0');
    // the fake clock advances 10 µs per kernel: 2 kernels per replay
    expect(r.times).toHaveLength(5);
    for (const t of [...r.times, ...r.timesFlushed]) expect(t).toBeCloseTo(20, 3);
    // (2 warm-up + 5 timed + 3 timed) replays x 2 kernels
    expect(r.counterAfterReplays).toBe('20');
    expect(r.badRepeats).toMatchObject({ code: 'MOE_NATIVE_INVALID_ARGUMENT' });
    expect(r.captureThrows).toMatchObject({ message: 'record failed' });
  });

  it('times work between two events on a stream', () => {
    expect(r.eventMicros).toBeCloseTo(30, 3);
    expect(r.eventQuery).toBe(true);
  });

  it('allocates Triton scratch per program and passes null for an empty one', () => {
    // 16 bytes x grid 3 x 2 x 1 programs
    expect(r.scratch).toEqual({ bytes: [96], second: null, firstIsBuffer: true });
  });

  it('turns driver failures into DriverError with the call, the error name and text', () => {
    expect(r.badImage).toMatchObject({
      class: 'DriverError',
      code: 'MOE_DRIVER_ERROR',
      call: 'cuModuleLoadData',
      errorName: 'CUDA_ERROR_INVALID_IMAGE',
      sticky: false,
    });
    expect(r.badImage.message).toContain('cuModuleLoadData failed: CUDA_ERROR_INVALID_IMAGE (device kernel image is invalid)');
    expect(r.unknownKernel).toMatchObject({ call: 'cuModuleGetFunction', errorName: 'CUDA_ERROR_NOT_FOUND' });
    expect(r.deadBefore).toBe(false);
  });

  it('marks the context dead after a sticky error, and refuses work after it and after close', () => {
    expect(r.fault).toMatchObject({ class: 'DriverError', call: 'cuCtxSynchronize', errorName: 'CUDA_ERROR_ILLEGAL_ADDRESS', sticky: true });
    expect(r.fault.message).toContain('restart the process');
    expect(r.dead).toBe(true);
    expect(r.deadReason).toBe('cuCtxSynchronize failed: CUDA_ERROR_ILLEGAL_ADDRESS (an illegal memory access was encountered)');
    expect(r.afterDead).toMatchObject({ class: 'ContextDeadError', code: 'MOE_CONTEXT_DEAD' });
    expect(r.downloadAfterDead).toMatchObject({ code: 'MOE_CONTEXT_DEAD' });
    expect(r.afterClose).toMatchObject({ class: 'ContextClosedError', code: 'MOE_CONTEXT_CLOSED' });
  });
});

describe('releasing a resource that a worker thread still uses', () => {
  it('defers free() and destroy() until the download, replay or synchronisation has settled', () => {
    const r = run('release-in-flight', { FAKE_CUDA_WORKER_DELAY_MS: '100' });
    // the download still reads the buffer's bytes, and only then is the memory given back
    expect(r.freedAtOnce).toBe(true);
    expect(r.heldWhileDownloading).toBe(1 << 20);
    expect(r.download).toEqual(new Array(16).fill(7));
    expect(r.heldAfterDownload).toBe(0);
    expect(r.useAfterFree).toMatchObject({ class: 'ResourceReleasedError', code: 'MOE_RESOURCE_RELEASED' });
    expect(r.doubleFree).toBeNull();
    // the replays run on their destroyed graph and stream, and on a replaced flush buffer
    expect(r.replay).toBeNull();
    expect(r.times).toHaveLength(2);
    expect(r.replay2).toBeNull();
    expect(r.counter).toBe('4'); // 1 warm-up + 2 timed replays of graph, 1 of graph2
    expect(r.graphAfterDestroy).toMatchObject({ class: 'ResourceReleasedError', code: 'MOE_RESOURCE_RELEASED' });
    expect(r.doubleDestroy).toBeNull();
    expect(r.streamSync).toBeNull();
    expect(r.eventSync).toBeNull();
    expect(r.dead).toBe(false);
    expect(r.downloadAcrossClose).toEqual(new Array(16).fill(9));
    expect(r.closeTwice).toBeNull();
    expect(r.closed).toBe(true);
  });
});

describe('a download whose host array cannot be allocated', () => {
  it('fails without holding back the buffer\'s free or the context\'s close', () => {
    const retained = path.join(dir, 'retained-download-alloc-fails');
    // 3 GiB of address space for the child; the buffer is 4 GiB (the fake backs it with nothing).
    const r = run('download-alloc-fails', { FAKE_CUDA_HUGE_ALLOC: '1', FAKE_CUDA_RETAINED_FILE: retained }, { maxVirtualKiB: 3 * 2 ** 20 });
    expect(r.heldBeforeDownload).toBe(4 * 2 ** 30);
    // (the addon allocating the array aborted the whole process: FATAL ERROR ... ArrayBuffer::New)
    expect(r.download).toMatchObject({
      class: 'NativeArgumentError',
      code: 'MOE_NATIVE_INVALID_ARGUMENT',
      message: expect.stringMatching(/^DeviceBuffer\.download\(range\): 4294967296 bytes cannot be allocated on the host \(.*allocation failed.*\); download a smaller range at a time$/),
    });
    // free() gives the memory back at once (no worker is left holding the buffer) ...
    expect(r.heldAfterFree).toBe(0);
    // ... and close() releases the primary context at once (no worker left to wait for).
    expect(r.retainedAfterClose).toBe(0);
  });
});

describe('Module.unload() with graphs captured from its kernels', () => {
  it('is refused with ModuleInUseError until the last of those graphs is destroyed and done replaying', () => {
    const r = run('unload-with-graphs', { FAKE_CUDA_WORKER_DELAY_MS: '50' });
    const inUse = (n: number) => ({
      class: 'ModuleInUseError',
      code: 'MOE_MODULE_IN_USE',
      message: `Module.unload: ${n} graph(s) captured from the module's kernels are still alive and would run unloaded code; destroy() those graphs first, then unload()`,
    });
    expect(r.abandoned).toMatchObject({ message: 'recording failed' });
    expect(r.withTwo).toMatchObject(inUse(2));
    expect(r.unloadedAfterRefusal).toBeNull(); // a refused unload leaves the module usable
    expect(r.withOne).toMatchObject(inUse(1));
    expect(r.graphStillRuns).toBeNull();
    // destroy() during a replay: the graph is released when the replay settles, and only then
    expect(r.whileReplaying).toMatchObject(inUse(1));
    expect(r.replay).toBeNull();
    expect(r.afterReplay).toBeNull();
    expect(r.unloadedFunction).toMatchObject({ class: 'ResourceReleasedError', code: 'MOE_RESOURCE_RELEASED' });
    // g2 also launched the other module's kernel: destroyed, so it unloads at once
    expect(r.otherUnload).toBeNull();
    // g2.launch() adds 2, the plain launch 1, the replay 2
    expect(r.counter).toBe('5');
    expect(r.unloadAfterClose).toBeNull();
  });
});

describe('timed replays asked for at once', () => {
  it('run one after another, so each times only its own launches', () => {
    const r = run('concurrent-replays', { FAKE_CUDA_WORKER_DELAY_MS: '20' });
    expect(r.one).toEqual([10, 10, 10, 10].map((t) => expect.closeTo(t, 3)));
    expect(r.three).toEqual([30, 30, 30, 30].map((t) => expect.closeTo(t, 3)));
    expect(r.counter).toBe(String(4 * 1 + 4 * 3));
  });
});

describe('the HIP backend through a fake libamdhip64', () => {
  const hipEnv = () => ({ MOE_NATIVE_CUDA_LIBRARY: path.join(dir, 'missing', 'libcuda.so.1'), MOE_NATIVE_HIP_LIBRARY: fakeHip });

  it('reports the device with HIP attribute numbers, warp size 64 and the gfx arch', () => {
    const { probe } = run('probe', hipEnv());
    expect(probe.reason).toBeNull();
    expect(probe.devices).toEqual([
      {
        index: 0,
        backend: 'hip',
        ordinal: 0,
        name: 'AMD Instinct MI300X',
        arch: 'gfx942',
        smCount: 304,
        warpSize: 64,
        totalMemoryBytes: 192 * 2 ** 30,
        sharedMemoryPerBlock: 65536,
        sharedMemoryPerBlockOptin: 65536,
        l2CacheBytes: 4 * 2 ** 20,
        maxThreadsPerBlock: 1024,
        clockRateKHz: 2_100_000,
        memoryClockRateKHz: 1_300_000,
        memoryBusWidthBits: 8192,
        pciBusId: '0000:3B:00.0',
        driverVersion: '6.2',
      },
    ]);
  });

  it('launches, replays graphs and marks the context dead after a sticky error', () => {
    const r = run('hip', hipEnv());
    expect(r.echo).toEqual(['7', String(2n ** 40n), String(0xc0000000), '1', '0', '5001001', '64004001', String(64 * 1024)]);
    // 64 KiB is the most an AMD workgroup gets
    expect(r.sharedTooLarge.message).toContain('65537 is out of range; pass an integer from 0 to 65536');
    for (const t of r.times) expect(t).toBeCloseTo(10, 3);
    expect(r.counter).toBe('3');
    expect(r.fault).toMatchObject({ class: 'DriverError', call: 'hipDeviceSynchronize', errorName: 'hipErrorIllegalAddress', sticky: true, backend: 'hip' });
    expect(r.dead).toBe(true);
  });
});
