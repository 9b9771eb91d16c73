import { describe, expect, it } from 'vitest';
import type { NativeFunction } from './binding';
import { KernelFunctionImpl, type ModuleImpl } from './kernel-module';

/** A native function that records what is asked of it. */
function recordingFunction(staticShared: number) {
  const calls: string[] = [];
  const native = {
    name: 'k',
    attributes: () => ({ maxThreadsPerBlock: 1024, sharedSizeBytes: staticShared, constSizeBytes: 0, localSizeBytes: 0, numRegs: 32, ptxVersion: 90, binaryVersion: 90, maxDynamicSharedSizeBytes: 0 }),
    setMaxDynamicSharedMemory: (b: number) => void calls.push(`max ${b}`),
    preferSharedMemory: () => (calls.push('prefer shared'), true),
    launch: () => undefined,
  } as unknown as NativeFunction;
  const owner = { sharedMemoryLimit: 232448, guard: () => undefined };
  const fn = new KernelFunctionImpl(native, { unloaded: false } as ModuleImpl, owner as never);
  return { fn, calls };
}

describe('KernelFunction before a launch, set up as Triton launches its kernels', () => {
  it('above 48 KiB: prefers shared memory once and raises the limit to opt-in minus static', () => {
    const { fn, calls } = recordingFunction(1024);
    fn.ensureDynamicShared(100 * 1024);
    fn.ensureDynamicShared(100 * 1024);
    fn.ensureDynamicShared(200 * 1024);
    // 232448 - 1024 = 231424 covers every later launch: no second raise.
    expect(calls).toEqual(['prefer shared', 'max 231424']);
  });
  it('at or below 48 KiB: leaves the driver defaults alone', () => {
    const { fn, calls } = recordingFunction(0);
    fn.ensureDynamicShared(48 * 1024);
    fn.ensureDynamicShared(0);
    expect(calls).toEqual([]);
  });
});
