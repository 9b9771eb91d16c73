import { describe, expect, it } from 'vitest';
import { orderKernelConfig, tileConfigKey, tileConfigOf, type KernelConfig } from './kernel-config';

const entry: KernelConfig = { num_stages: 3, BLOCK_SIZE_M: 64, kpack: 2, BLOCK_SIZE_N: 128, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4 };

describe('tile configs', () => {
  it('key the six launch parameters in the engines order', () => {
    expect(tileConfigKey(entry)).toBe('64/128/64/1/4/3');
  });

  it('tileConfigOf keeps the six fields in order and drops the rest', () => {
    const six = tileConfigOf(entry);
    expect(Object.keys(six)).toEqual(['BLOCK_SIZE_M', 'BLOCK_SIZE_N', 'BLOCK_SIZE_K', 'GROUP_SIZE_M', 'num_warps', 'num_stages']);
    expect(six).not.toBe(entry);
  });

  it('orderKernelConfig keeps the optional fields, in the tuners order', () => {
    expect(Object.keys(orderKernelConfig(entry))).toEqual(['BLOCK_SIZE_M', 'BLOCK_SIZE_N', 'BLOCK_SIZE_K', 'GROUP_SIZE_M', 'num_warps', 'num_stages', 'kpack']);
  });
});
