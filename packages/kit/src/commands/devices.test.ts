import type { DeviceInfo, DeviceProbe } from '@moe/native';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../exit';
import { memoryIo } from '../io';
import { main } from '../main';

const state = vi.hoisted(() => ({ probe: null as unknown, engine: null as unknown, pythons: [] as string[] }));
vi.mock('@moe/native', () => ({
  probeDevices: () => state.probe,
  probeEngineKernel: async (o: { python: string }) => {
    state.pythons.push(o.python);
    return state.engine;
  },
}));
const NO_ENGINE = { ok: false, reason: 'no fused-MoE engine kernel found: sglang: no installed distribution (importlib.metadata); vllm: no installed distribution (importlib.metadata)' };

function gpu(index: number, name: string): DeviceInfo {
  return {
    index,
    backend: 'cuda',
    ordinal: index,
    name,
    arch: 'sm_90',
    smCount: 132,
    warpSize: 32,
    totalMemoryBytes: 150_109_880_320,
    sharedMemoryPerBlock: 49_152,
    sharedMemoryPerBlockOptin: 232_448,
    l2CacheBytes: 62_914_560,
    maxThreadsPerBlock: 1024,
    clockRateKHz: 1_980_000,
    memoryClockRateKHz: 3_201_000,
    memoryBusWidthBits: 6016,
    pciBusId: `0000:0${index}:00.0`,
    driverVersion: '13.0',
  };
}

const noGpu: DeviceProbe = {
  devices: [],
  reason: 'libcuda.so.1 not found: no NVIDIA driver (libcuda.so.1: cannot open shared object file)',
  backends: [],
};

beforeEach(() => {
  state.probe = noGpu;
  state.engine = NO_ENGINE;
  state.pythons = [];
});

describe('moe devices', () => {
  it('says why there is no GPU and exits 0', async () => {
    const io = memoryIo();
    expect(await main(['devices'], io)).toBe(EXIT.ok);
    expect(io.out).toBe(
      'No GPU found: libcuda.so.1 not found: no NVIDIA driver (libcuda.so.1: cannot open shared object file)\n' +
        `Kernel: MoE Kit's own kernel, a stand-in for the engine's (no engine kernel in python3: ${NO_ENGINE.reason}); pass --python <the engine environment's python> to measure the engine's\n`,
    );
    expect(io.err).toBe('');
  });

  it('prints an empty list and the reason as JSON without a GPU', async () => {
    const io = memoryIo();
    expect(await main(['devices', '--json'], io)).toBe(EXIT.ok);
    expect(JSON.parse(io.out)).toEqual({ devices: [], reason: noGpu.reason, kernel: { kind: 'moe-kit', python: 'python3', reason: NO_ENGINE.reason } });
  });

  it("gives each engine's device_name: spaces to '_', and vLLM folds every H200 into NVIDIA_H200", async () => {
    state.probe = { devices: [gpu(0, 'NVIDIA H200 NVL'), gpu(1, 'NVIDIA H100 80GB HBM3')], reason: null, backends: [] };
    const io = memoryIo();
    expect(await main(['devices'], io)).toBe(EXIT.ok);
    expect(io.out).toContain('GPU 0: NVIDIA H200 NVL\n');
    expect(io.out).toContain('  cuda sm_90, 132 SMs, 139.8 GiB, 227 KiB shared memory per block (opt-in), 60.0 MiB L2, driver 13.0, PCI 0000:00:00.0\n');
    expect(io.out).toContain('  sglang: device_name=NVIDIA_H200_NVL\n  vllm:   device_name=NVIDIA_H200\n');
    expect(io.out).toContain('GPU 1: NVIDIA H100 80GB HBM3\n');
    expect(io.out).toContain('  sglang: device_name=NVIDIA_H100_80GB_HBM3\n  vllm:   device_name=NVIDIA_H100_80GB_HBM3\n');
  });

  it('prints the driver facts and both names as JSON', async () => {
    state.probe = { devices: [gpu(0, 'NVIDIA H200')], reason: null, backends: [] };
    const io = memoryIo();
    expect(await main(['devices', '--json'], io)).toBe(EXIT.ok);
    const parsed = JSON.parse(io.out);
    expect(parsed.reason).toBeNull();
    expect(parsed.devices).toEqual([
      {
        index: 0,
        backend: 'cuda',
        ordinal: 0,
        name: 'NVIDIA H200',
        arch: 'sm_90',
        smCount: 132,
        warpSize: 32,
        totalMemoryBytes: 150_109_880_320,
        sharedMemoryPerBlockOptin: 232_448,
        l2CacheBytes: 62_914_560,
        pciBusId: '0000:00:00.0',
        driverVersion: '13.0',
        deviceName: { sglang: 'NVIDIA_H200', vllm: 'NVIDIA_H200' },
      },
    ]);
  });

  it("names the engine kernel found in --python's environment", async () => {
    state.engine = {
      ok: true,
      info: {
        engine: 'sglang',
        version: '0.5.16',
        module: 'sglang.kernels.ops.moe.fused_moe_triton_kernels',
        path: '/env/lib/python3.12/site-packages/sglang/kernels/ops/moe/fused_moe_triton_kernels.py',
        sourceSha256: 'd5a627d4be02' + '0'.repeat(52),
        kernel: 'fused_moe_kernel',
        launchFunction: 'invoke_fused_moe_kernel',
        params: [],
      },
    };
    const io = memoryIo();
    expect(await main(['devices', '--python', '/env/bin/python'], io)).toBe(EXIT.ok);
    expect(state.pythons).toEqual(['/env/bin/python']);
    expect(io.out).toContain(
      "Kernel: sglang 0.5.16 fused_moe_kernel in /env/lib/python3.12/site-packages/sglang/kernels/ops/moe/fused_moe_triton_kernels.py (sha256 d5a627d4be02), from /env/bin/python: moe tune measures the engine's own kernel\n",
    );
    const j = memoryIo();
    await main(['devices', '--python', '/env/bin/python', '--json'], j);
    expect(JSON.parse(j.out).kernel).toMatchObject({ kind: 'engine', engine: 'sglang', version: '0.5.16', python: '/env/bin/python' });
  });
});
