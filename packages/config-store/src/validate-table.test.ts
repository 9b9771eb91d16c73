import { describe, expect, it } from 'vitest';
import { configTableFrom } from './config-table';
import { validateConfigTable } from './validate-table';

const base = { BLOCK_SIZE_M: 64, BLOCK_SIZE_N: 128, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 8, num_warps: 4, num_stages: 3 };

describe('validateConfigTable', () => {
  it('accepts a valid table and reports each problem with its batch size', () => {
    const key = { dtype: null, blockShape: null, deviceName: 'NVIDIA_A100-SXM4-80GB' };
    expect(validateConfigTable(configTableFrom({ '1': base }), { engine: 'sglang', key })).toEqual([]);
    const bad = configTableFrom({
      '1': { ...base, BLOCK_SIZE_N: 96 },
      // bf16 128x256x64, 5 stages: 4 x (128x64x2 + 64x256x2) = 196608 bytes > 166912 (A100).
      '2': { ...base, BLOCK_SIZE_M: 128, BLOCK_SIZE_N: 256, num_stages: 5 },
      '4': { ...base, SPLIT_K: 2 },
    });
    expect(validateConfigTable(bad, { engine: 'sglang', key }).map((i) => [i.code, i.message.split(':')[0]])).toEqual([
      ['not-power-of-two', 'batch size 1'],
      ['shared-memory', 'batch size 2'],
      ['unknown-key', 'batch size 4'],
    ]);
    expect(validateConfigTable(configTableFrom({ '4': { ...base, SPLIT_K: 2 } }), { engine: 'vllm', key })).toEqual([]);
  });

  it('checks BLOCK_SIZE_K against the block shape', () => {
    const key = { dtype: 'fp8_w8a8', blockShape: [128, 96] as [number, number], deviceName: 'NVIDIA_H100_80GB_HBM3' };
    // min(128, 128, 96) = 96 divides 96; 64 does not.
    expect(validateConfigTable(configTableFrom({ '1': { ...base, BLOCK_SIZE_K: 128 } }), { engine: 'vllm', key })).toEqual([]);
    expect(validateConfigTable(configTableFrom({ '1': { ...base, BLOCK_SIZE_K: 64 } }), { engine: 'vllm', key }).map((i) => i.code)).toEqual(['block-k-mismatch']);
  });
});
