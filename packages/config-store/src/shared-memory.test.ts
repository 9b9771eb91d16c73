import { describe, expect, it } from 'vitest';
import { analyzeConfigText } from './config-content';
import { parseFileName } from '@moe/engine-facts';
import { elementBytes } from './element-bytes';
import { gpuInfo, gpuInfoForDriverName } from './gpu-info';
import { estimateSharedMemory, sharedMemoryLowerBound } from './shared-memory';
import { validateConfigTable } from './validate-table';

const cfg = (m: number, n: number, k: number, stages: number) => ({
  BLOCK_SIZE_M: m,
  BLOCK_SIZE_N: n,
  BLOCK_SIZE_K: k,
  GROUP_SIZE_M: 1,
  num_warps: 4,
  num_stages: stages,
});

const bf16 = { a: 2, b: 2, out: 2 };
const fp8 = { a: 1, b: 1, out: 2 };
const hopper = gpuInfo('NVIDIA_H100_80GB_HBM3')!;
const a100 = gpuInfo('NVIDIA_A100-SXM4-80GB')!;

describe('shared memory estimates', () => {
  it('lower bound: (num_stages - 1) buffers of the A and B tiles, no epilogue', () => {
    // bf16: 128x64x2 + 64x256x2 = 49152 bytes per stage, 3 buffers at num_stages 4.
    expect(sharedMemoryLowerBound(cfg(128, 256, 64, 4), { bytes: bf16 })).toBe(147456);
    // fp8: one byte per element: 64x128 + 128x128 = 24576, 2 buffers.
    expect(sharedMemoryLowerBound(cfg(64, 128, 128, 3), { bytes: fp8 })).toBe(49152);
    // block [128,128]: BLOCK_K 256 is launched as 128: 64x128 + 128x256 = 40960, 3 buffers.
    expect(sharedMemoryLowerBound(cfg(64, 256, 256, 4), { bytes: fp8, blockShape: [128, 128] })).toBe(122880);
    // int4_w4a16: bf16 activations, half-byte weights: 16x64x2 + 64x64/2 = 4096, 1 buffer at num_stages 1.
    expect(sharedMemoryLowerBound(cfg(16, 64, 64, 1), { bytes: elementBytes('int4_w4a16')! })).toBe(4096);
  });

  it("Triton 3.6's rule: num_stages buffers from BLOCK_M 64 up on Hopper, num_stages - 1 below and elsewhere", () => {
    // 49152 bytes a buffer (above) x 4 stages.
    expect(estimateSharedMemory(cfg(128, 256, 64, 4), { bytes: bf16, gpu: hopper })).toBe(196608);
    // BLOCK_M 16 stays on mma.sync: (16x256 + 256x128) x 2 = 73728 bytes a buffer, 4 buffers.
    expect(estimateSharedMemory(cfg(16, 128, 256, 5), { bytes: bf16, gpu: hopper })).toBe(294912);
    // A100 has no wgmma: 3 buffers, as the lower bound.
    expect(estimateSharedMemory(cfg(128, 256, 64, 4), { bytes: bf16, gpu: a100 })).toBe(147456);
    // Block quant with wgmma: 40960 bytes a buffer (above) x 4 stages.
    expect(estimateSharedMemory(cfg(64, 256, 256, 4), { bytes: fp8, blockShape: [128, 128], gpu: hopper })).toBe(163840);
    // B200 is assumed to buffer like Hopper.
    expect(estimateSharedMemory(cfg(128, 256, 64, 4), { bytes: bf16, gpu: gpuInfo('NVIDIA_B200')! })).toBe(196608);
  });

  it('never goes below the output tile the epilogue converts through shared memory', () => {
    // 256x256 bf16 output tile = 131072 bytes; one 256x16 + 16x256 buffer is 16384.
    expect(estimateSharedMemory(cfg(256, 256, 16, 2), { bytes: bf16, gpu: a100 })).toBe(131072);
    expect(sharedMemoryLowerBound(cfg(256, 256, 16, 2), { bytes: bf16 })).toBe(16384);
  });

  it('knows element sizes per dtype part, float8 being the old name of fp8_w8a8', () => {
    expect(elementBytes(null)).toEqual(bf16);
    expect(elementBytes('bf16')).toEqual(bf16);
    expect(elementBytes('float8')).toEqual(fp8);
    expect(elementBytes('fp8_w8a16')).toEqual({ a: 2, b: 1, out: 2 });
    expect(elementBytes('float32')).toEqual({ a: 4, b: 4, out: 4 });
    expect(elementBytes('mxfp4')).toBeNull();
  });

  it('knows the per-block limits: H100/H200 227 KB, A100 163 KB, consumer cards 99 KB', () => {
    expect(gpuInfo('NVIDIA_H100_80GB_HBM3')?.sharedMemoryPerBlock).toBe(232448);
    expect(gpuInfo('NVIDIA_H200')?.sharedMemoryPerBlock).toBe(232448);
    expect(gpuInfo('NVIDIA_A100-SXM4-80GB')?.sharedMemoryPerBlock).toBe(166912);
    expect(gpuInfo('NVIDIA_GeForce_RTX_4090')?.sharedMemoryPerBlock).toBe(101376);
    expect(gpuInfo('NVIDIA_L40S')?.sharedMemoryPerBlock).toBe(101376);
    expect(gpuInfo('AMD_Instinct_MI300X')?.sharedMemoryPerBlock).toBeNull();
    expect(gpuInfo('Some_Unknown_GPU')).toBeNull();
    expect([hopper.wgmmaMinBlockM, a100.wgmmaMinBlockM, gpuInfo('NVIDIA_L40S')?.wgmmaMinBlockM]).toEqual([64, null, null]);
  });

  it('finds the GPU from the name the driver reports', () => {
    expect(gpuInfoForDriverName('NVIDIA H100 80GB HBM3')).toBe(hopper);
    expect(gpuInfoForDriverName('NVIDIA H200 (141 GB HBM3e, 132 SMs)')?.arch).toBe('sm_90');
    expect(gpuInfoForDriverName('NVIDIA A100-SXM4-80GB')).toBe(a100);
    expect(gpuInfoForDriverName('AMD Instinct MI300X')?.arch).toBe('gfx942');
    expect(gpuInfoForDriverName('Some Future GPU')).toBeNull();
  });

  it('flags entries over the GPU limit in a file', () => {
    const key = parseFileName('E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json')!.key;
    // 6 stages: 5 x 49152 = 245760 > 232448 even at num_stages - 1 buffers; 4 stages fit.
    const text = JSON.stringify({ '1': cfg(128, 256, 64, 4), '2': cfg(128, 256, 64, 6) });
    const found = analyzeConfigText(text, { engine: 'sglang', key }).issues.filter((i) => i.code === 'shared-memory');
    expect(found).toHaveLength(1);
    expect(found[0]?.severity).toBe('error');
    expect(found[0]?.message).toMatch(/^entry "2": needs about 240 KB/);
    const a100Key = parseFileName('E=8,N=7168,device_name=NVIDIA_A100-SXM4-80GB.json')!.key;
    // 147456 < 166912 on A100 too; 5 stages (196608) is over.
    const t2 = JSON.stringify({ '1': cfg(128, 256, 64, 4), '2': cfg(128, 256, 64, 5) });
    expect(analyzeConfigText(t2, { engine: 'sglang', key: a100Key }).issues.filter((i) => i.code === 'shared-memory')[0]?.message).toMatch(/^entry "2"/);
  });

  it('warns when only Triton 3.6 runs out: over by its rule, under the lower bound', () => {
    // 5 stages at BLOCK_M 128: Triton 3.6 keeps 5 x 49152 = 245760 > 232448; older Tritons 4 x 49152 = 196608.
    const key = parseFileName('E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json')!.key;
    const text = JSON.stringify({ '1': cfg(128, 256, 64, 4), '2': cfg(128, 256, 64, 5), '4': cfg(128, 256, 64, 5) });
    const issues = analyzeConfigText(text, { engine: 'sglang', key }).issues.filter((i) => i.code.startsWith('shared-memory'));
    expect(issues.map((i) => [i.severity, i.code])).toEqual([['warning', 'shared-memory-triton36']]);
    expect(issues[0]?.message).toBe(
      'entries "2", "4": Triton 3.6 needs 245760 bytes of shared memory per block, over the 232448 bytes NVIDIA_H100_80GB_HBM3 allows, so the kernel fails to compile there (OutOfResources at run time); Tritons that buffer num_stages - 1 tiles need 196608',
    );
    expect(issues[0]?.fix).toBe('retune with the Triton you run, or drop the entry');
    // On B200 the same rule is an assumption, and the message says so.
    const b200 = parseFileName('E=8,N=7168,device_name=NVIDIA_B200.json')!.key;
    const onB200 = analyzeConfigText(text, { engine: 'sglang', key: b200 }).issues.filter((i) => i.code === 'shared-memory-triton36');
    expect(onB200[0]?.message).toContain('by its rule measured on Hopper, assumed for sm_100');
    // A dtype of unknown sizes is not estimated (the name is flagged elsewhere).
    const odd = parseFileName('E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3,dtype=mxfp4.json')!.key;
    expect(analyzeConfigText(text, { engine: 'vllm', key: odd }).issues.filter((i) => i.code.startsWith('shared-memory'))).toEqual([]);
  });

  it('validateConfigTable: errors block a write, the Triton 3.6 warning does not', () => {
    const key = { dtype: null, blockShape: null, deviceName: 'NVIDIA_H100_80GB_HBM3' };
    const table = new Map([
      [1, cfg(128, 256, 64, 5)],
      [2, cfg(128, 256, 64, 6)],
    ]);
    expect(validateConfigTable(table, { engine: 'sglang', key }).map((i) => [i.severity, i.code, i.message.slice(0, 14)])).toEqual([
      ['warning', 'shared-memory-triton36', 'batch size 1: '],
      ['error', 'shared-memory', 'batch size 2: '],
    ]);
  });
});

describe('entry validation', () => {
  it('reports ranges, powers of two, non-integers and missing fields', () => {
    const text = JSON.stringify({
      '1': { BLOCK_SIZE_M: 48, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 8, GROUP_SIZE_M: 1, num_warps: 3, num_stages: 2 },
      '2': { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 2 },
      '4': { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: '64', BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 2 },
    }).replace('"GROUP_SIZE_M":1,"num_warps":4,"num_stages":2}}', '"GROUP_SIZE_M":1.0,"num_warps":4,"num_stages":2}}');
    const a = analyzeConfigText(text, { engine: 'sglang' });
    const byCode = (c: string) => a.issues.filter((i) => i.code === c).map((i) => i.message);
    expect(byCode('not-power-of-two')).toEqual([
      'entry "1": BLOCK_SIZE_M must be a power of two, got 48',
      'entry "1": num_warps must be a power of two, got 3',
    ]);
    expect(byCode('out-of-range')).toEqual(['entry "1": BLOCK_SIZE_K must be at least 16, got 8']);
    expect(byCode('missing-key')).toEqual(['entry "2": BLOCK_SIZE_K is missing; the engine fails when it picks this entry']);
    expect(byCode('not-integer')).toEqual(['entry "4": BLOCK_SIZE_N must be an integer, got "64"', 'entry "4": GROUP_SIZE_M must be an integer, got 1.0']);
    expect(a.brokenKeys.sort()).toEqual([2, 4]);
    expect([...a.table.keys()]).toEqual([1]);
  });

  it('knows which fields each engine accepts', () => {
    const withSplitK = JSON.stringify({ '1': { ...cfg(16, 32, 64, 2), SPLIT_K: 1 } });
    expect(analyzeConfigText(withSplitK, { engine: 'vllm' }).issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(analyzeConfigText(withSplitK, { engine: 'sglang' }).issues.map((i) => i.code)).toContain('unknown-key');
    const withTma = JSON.stringify({ '1': { ...cfg(16, 32, 64, 2), USE_TMA: false } });
    expect(analyzeConfigText(withTma, { engine: 'sglang' }).issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(analyzeConfigText(withTma, { engine: 'vllm' }).issues.map((i) => i.code)).toContain('unknown-key');
  });

  it('treats keys as the engines do: both convert every key with int(), which fails on text keys', () => {
    const text = JSON.stringify({ x: cfg(16, 32, 64, 2), '8': cfg(16, 32, 64, 2) });
    for (const engine of ['sglang', 'vllm'] as const) {
      const a = analyzeConfigText(text, { engine });
      expect(a.loadable).toBe(false);
      expect(a.issues.find((i) => i.code === 'bad-batch-key')?.severity).toBe('error');
    }
    // vLLM drops "triton_version" first; int() accepts spaces, a sign and digit underscores.
    const v = analyzeConfigText(JSON.stringify({ triton_version: '3.4.0', ' 16 ': cfg(16, 32, 64, 2), '1_024': cfg(16, 32, 64, 2) }), { engine: 'vllm' });
    expect(v.loadable).toBe(true);
    expect([...v.table.keys()]).toEqual([16, 1024]);
  });
});
