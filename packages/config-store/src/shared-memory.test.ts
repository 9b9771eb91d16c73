import { describe, expect, it } from 'vitest';
import { analyzeConfigText } from './config-content';
import { parseFileName } from './file-name';
import { gpuInfo } from './gpu-info';
import { estimateSharedMemory } from './shared-memory';

const cfg = (m: number, n: number, k: number, stages: number) => ({
  BLOCK_SIZE_M: m,
  BLOCK_SIZE_N: n,
  BLOCK_SIZE_K: k,
  GROUP_SIZE_M: 1,
  num_warps: 4,
  num_stages: stages,
});

describe('shared memory estimate', () => {
  it('counts (num_stages - 1) buffers of the A and B tiles', () => {
    // bf16: 128x64x2 + 64x256x2 = 49152 bytes per stage, 3 buffers at num_stages 4.
    expect(estimateSharedMemory(cfg(128, 256, 64, 4), { dtype: null, blockShape: null })).toBe(147456);
    // fp8: one byte per element: 64x128 + 128x128 = 24576, 2 buffers.
    expect(estimateSharedMemory(cfg(64, 128, 128, 3), { dtype: 'fp8_w8a8', blockShape: null })).toBe(49152);
    // block [128,128]: BLOCK_K 256 is launched as 128: 64x128 + 128x256 = 40960, 3 buffers.
    expect(estimateSharedMemory(cfg(64, 256, 256, 4), { dtype: 'fp8_w8a8', blockShape: [128, 128] })).toBe(122880);
    // int4_w4a16: bf16 activations, half-byte weights: 16x64x2 + 64x64/2 = 4096, 1 buffer at num_stages 1.
    expect(estimateSharedMemory(cfg(16, 64, 64, 1), { dtype: 'int4_w4a16', blockShape: null })).toBe(4096);
    expect(estimateSharedMemory(cfg(16, 64, 64, 1), { dtype: 'bf16', blockShape: null })).toBeNull();
  });

  it('knows the per-block limits: H100/H200 227 KB, A100 163 KB, consumer cards 99 KB', () => {
    expect(gpuInfo('NVIDIA_H100_80GB_HBM3')?.sharedMemoryPerBlock).toBe(232448);
    expect(gpuInfo('NVIDIA_H200')?.sharedMemoryPerBlock).toBe(232448);
    expect(gpuInfo('NVIDIA_A100-SXM4-80GB')?.sharedMemoryPerBlock).toBe(166912);
    expect(gpuInfo('NVIDIA_GeForce_RTX_4090')?.sharedMemoryPerBlock).toBe(101376);
    expect(gpuInfo('NVIDIA_L40S')?.sharedMemoryPerBlock).toBe(101376);
    expect(gpuInfo('AMD_Instinct_MI300X')?.sharedMemoryPerBlock).toBeNull();
    expect(gpuInfo('Some_Unknown_GPU')).toBeNull();
  });

  it('flags entries over the GPU limit in a file', () => {
    const key = parseFileName('E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json')!.key;
    // 6 stages: 5 x 49152 = 245760 > 232448; 4 stages fit.
    const text = JSON.stringify({ '1': cfg(128, 256, 64, 4), '2': cfg(128, 256, 64, 6) });
    const found = analyzeConfigText(text, { engine: 'sglang', key }).issues.filter((i) => i.code === 'shared-memory');
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toMatch(/^entry "2": needs about 240 KB/);
    const a100 = parseFileName('E=8,N=7168,device_name=NVIDIA_A100-SXM4-80GB.json')!.key;
    // 147456 < 166912 on A100 too; 5 stages (196608) is over.
    const t2 = JSON.stringify({ '1': cfg(128, 256, 64, 4), '2': cfg(128, 256, 64, 5) });
    expect(analyzeConfigText(t2, { engine: 'sglang', key: a100 }).issues.filter((i) => i.code === 'shared-memory')[0]?.message).toMatch(/^entry "2"/);
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

  it('treats keys as the engines do: SGLang int() fails on text keys, vLLM skips them', () => {
    const text = JSON.stringify({ x: cfg(16, 32, 64, 2), '8': cfg(16, 32, 64, 2) });
    const s = analyzeConfigText(text, { engine: 'sglang' });
    expect(s.loadable).toBe(false);
    const v = analyzeConfigText(text, { engine: 'vllm' });
    expect(v.loadable).toBe(true);
    expect([...v.table.keys()]).toEqual([8]);
    expect(v.issues.find((i) => i.code === 'bad-batch-key')?.severity).toBe('warning');
  });
});
