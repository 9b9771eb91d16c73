import { describe, expect, it } from 'vitest';
import { BadFileNameError } from './errors/bad-file-name-error';
import { formatFileName, keyForEngine, parseFileName, unsafeNameReason } from './file-name';
import type { ConfigKey } from './config-key';

const key = (over: Partial<ConfigKey> = {}): ConfigKey => ({
  E: 257,
  N: 256,
  deviceName: 'NVIDIA_H20-3e',
  dtype: 'fp8_w8a8',
  blockShape: [128, 128],
  perChannelQuant: false,
  down: false,
  ...over,
});

describe('formatFileName', () => {
  it('SGLang writes the block shape with a space, vLLM without', () => {
    expect(formatFileName('sglang', key())).toBe('E=257,N=256,device_name=NVIDIA_H20-3e,dtype=fp8_w8a8,block_shape=[128, 128].json');
    expect(formatFileName('vllm', key())).toBe('E=257,N=256,device_name=NVIDIA_H20-3e,dtype=fp8_w8a8,block_shape=[128,128].json');
  });

  it('_down and per_channel_quant exist in SGLang only', () => {
    expect(formatFileName('sglang', key({ down: true }))).toBe('E=257,N=256,device_name=NVIDIA_H20-3e,dtype=fp8_w8a8,block_shape=[128, 128]_down.json');
    const pc = key({ E: 161, N: 192, deviceName: 'NVIDIA_H200', blockShape: null, perChannelQuant: true });
    expect(formatFileName('sglang', pc)).toBe('E=161,N=192,device_name=NVIDIA_H200,dtype=fp8_w8a8,per_channel_quant=True.json');
    expect(() => formatFileName('vllm', pc)).toThrow(BadFileNameError);
    expect(() => formatFileName('vllm', key({ down: true }))).toThrow(BadFileNameError);
  });

  it('leaves out a block shape with a zero, and the dtype for bf16', () => {
    expect(formatFileName('sglang', key({ E: 8, N: 7168, deviceName: 'NVIDIA_H100_80GB_HBM3', dtype: null, blockShape: [0, 128] }))).toBe(
      'E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json',
    );
  });

  it('refuses shapes that are not positive integers and device names with a comma or a slash', () => {
    expect(() => formatFileName('sglang', key({ E: 0 }))).toThrow(BadFileNameError);
    expect(() => formatFileName('sglang', key({ N: 1.5 }))).toThrow(BadFileNameError);
    expect(() => formatFileName('sglang', key({ deviceName: 'a,b' }))).toThrow(BadFileNameError);
    expect(() => formatFileName('sglang', key({ deviceName: 'a/b' }))).toThrow(BadFileNameError);
  });
});

describe('parseFileName', () => {
  it('reads both spellings back to the same key and says which spelling it was', () => {
    const s = parseFileName('E=257,N=256,device_name=NVIDIA_H20-3e,dtype=fp8_w8a8,block_shape=[128, 128]_down.json');
    expect(s).toEqual({ key: key({ down: true }), blockShapeSpelling: 'sglang' });
    const v = parseFileName('E=257,N=256,device_name=NVIDIA_H20-3e,dtype=fp8_w8a8,block_shape=[128,128].json');
    expect(v).toEqual({ key: key(), blockShapeSpelling: 'vllm' });
    expect(parseFileName('E=8,N=7168,device_name=NVIDIA_H200.json')).toEqual({
      key: key({ E: 8, N: 7168, deviceName: 'NVIDIA_H200', dtype: null, blockShape: null }),
      blockShapeSpelling: null,
    });
  });

  it('returns null for names that are not fused-MoE config names', () => {
    expect(parseFileName('README.json')).toBeNull();
    expect(parseFileName('E=8,N=7168.json')).toBeNull();
    expect(parseFileName('../E=8,N=7168,device_name=X.json')).toBeNull();
  });
});

describe('keyForEngine', () => {
  it('respells the device name and the dtype the way the engine asks for them', () => {
    const k = key({ deviceName: 'NVIDIA_H200_NVL', dtype: 'int8_w8a8', blockShape: [128, 128] });
    expect(keyForEngine('vllm', k)).toEqual({ key: { ...k, deviceName: 'NVIDIA_H200', dtype: null }, reason: null });
    expect(keyForEngine('sglang', k)).toEqual({ key: k, reason: null });
  });

  it('says why the engine never asks for a key', () => {
    expect(keyForEngine('vllm', key({ down: true })).reason).toMatch(/_down/);
    expect(keyForEngine('vllm', key({ dtype: 'int8_w8a8', blockShape: null })).reason).toMatch(/bf16/);
    expect(keyForEngine('sglang', key({ dtype: 'fp8_w8a16' })).reason).toMatch(/never asks for dtype=fp8_w8a16/);
    expect(keyForEngine('sglang', key({ deviceName: '' })).reason).toMatch(/empty/);
  });
});

describe('unsafeNameReason', () => {
  it('refuses separators, .. and NUL', () => {
    expect(unsafeNameReason('a/b')).toMatch(/'\/'/);
    expect(unsafeNameReason('a\\b')).toMatch(/'\\'/);
    expect(unsafeNameReason('..')).toMatch(/'\.\.'/);
    expect(unsafeNameReason('a\0')).toMatch(/NUL/);
    expect(unsafeNameReason('E=1,N=2,device_name=X.json')).toBeNull();
  });
});

describe('format and parse over a grid of keys', () => {
  it('parse(format(key)) is the key, for every dtype, block shape (one with a zero), per_channel_quant and _down', () => {
    const dtypes = [null, 'fp8_w8a8', 'int8_w8a8', 'int8_w8a16', 'int4_w4a16'];
    const blocks: ([number, number] | null)[] = [null, [128, 128], [64, 128], [0, 128]];
    let checked = 0;
    for (const engine of ['sglang', 'vllm'] as const) {
      for (const [E, N] of [[8, 7168], [257, 256], [1, 14336]] as const) {
        for (const deviceName of ['NVIDIA_H100_80GB_HBM3', 'NVIDIA_H200', 'AMD_Instinct_MI300X', '{device}']) {
          for (const dtype of dtypes) {
            for (const blockShape of blocks) {
              // vLLM has neither per_channel_quant nor _down files.
              for (const perChannelQuant of engine === 'sglang' ? [false, true] : [false]) {
                for (const down of engine === 'sglang' ? [false, true] : [false]) {
                  const k: ConfigKey = { E, N, deviceName, dtype, blockShape, perChannelQuant, down };
                  const parsed = parseFileName(formatFileName(engine, k));
                  const keptBlock = blockShape && blockShape[0] && blockShape[1] ? blockShape : null;
                  expect(parsed?.key).toEqual({ ...k, blockShape: keptBlock });
                  expect(parsed?.blockShapeSpelling).toBe(keptBlock ? engine : null);
                  checked++;
                }
              }
            }
          }
        }
      }
    }
    // sglang: 3 shapes x 4 devices x 5 dtypes x 4 blocks x 4 flag pairs; vllm: the same x 1.
    expect(checked).toBe(3 * 4 * 5 * 4 * 4 + 3 * 4 * 5 * 4);
  });
});
