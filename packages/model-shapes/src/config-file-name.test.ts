import { describe, expect, it } from 'vitest';
import { configFileName } from './config-file-name';
import { engineDeviceName } from './engine-device-name';

describe('engineDeviceName', () => {
  it('replaces spaces with underscores', () => {
    expect(engineDeviceName('sglang', 'NVIDIA H100 80GB HBM3')).toBe('NVIDIA_H100_80GB_HBM3');
    expect(engineDeviceName('vllm', 'AMD Instinct MI300X')).toBe('AMD_Instinct_MI300X');
    expect(engineDeviceName('sglang', 'NVIDIA A100-SXM4-80GB')).toBe('NVIDIA_A100-SXM4-80GB');
  });

  it('vLLM folds every H200 into NVIDIA_H200; SGLang keeps the name', () => {
    expect(engineDeviceName('vllm', 'NVIDIA H200 NVL')).toBe('NVIDIA_H200');
    expect(engineDeviceName('vllm', 'NVIDIA H200')).toBe('NVIDIA_H200');
    expect(engineDeviceName('sglang', 'NVIDIA H200 NVL')).toBe('NVIDIA_H200_NVL');
  });

  it('vLLM folds only names with an H200 word: a GH200 keeps its own name', () => {
    // vLLM checks for "H200" among the underscore-separated words of the name.
    expect(engineDeviceName('vllm', 'NVIDIA GH200 480GB')).toBe('NVIDIA_GH200_480GB');
    expect(engineDeviceName('vllm', 'NVIDIA GH200 144G HBM3e')).toBe('NVIDIA_GH200_144G_HBM3e');
    expect(engineDeviceName('vllm', 'NVIDIA H200 141GB HBM3e')).toBe('NVIDIA_H200');
  });
});

describe('configFileName', () => {
  const base = { experts: 257, n: 256, deviceName: 'NVIDIA_H20-3e', dtype: 'fp8_w8a8' as const, blockShape: [128, 128] as [number, number] };

  it('SGLang writes the block shape with a space, vLLM without', () => {
    expect(configFileName('sglang', base)).toBe('E=257,N=256,device_name=NVIDIA_H20-3e,dtype=fp8_w8a8,block_shape=[128, 128].json');
    expect(configFileName('vllm', base)).toBe('E=257,N=256,device_name=NVIDIA_H20-3e,dtype=fp8_w8a8,block_shape=[128,128].json');
  });

  it('_down and per_channel_quant exist in SGLang only', () => {
    expect(configFileName('sglang', { ...base, down: true })).toBe('E=257,N=256,device_name=NVIDIA_H20-3e,dtype=fp8_w8a8,block_shape=[128, 128]_down.json');
    expect(configFileName('vllm', { ...base, down: true })).toBe('E=257,N=256,device_name=NVIDIA_H20-3e,dtype=fp8_w8a8,block_shape=[128,128].json');
    const pc = { experts: 161, n: 192, deviceName: 'NVIDIA_H200', dtype: 'fp8_w8a8' as const, blockShape: null, perChannelQuant: true };
    expect(configFileName('sglang', pc)).toBe('E=161,N=192,device_name=NVIDIA_H200,dtype=fp8_w8a8,per_channel_quant=True.json');
    expect(configFileName('vllm', pc)).toBe('E=161,N=192,device_name=NVIDIA_H200,dtype=fp8_w8a8.json');
  });

  it('leaves out a block shape with a zero, and no dtype for bf16; null device is {device}', () => {
    expect(configFileName('sglang', { experts: 8, n: 7168, deviceName: null, dtype: null, blockShape: [0, 128] })).toBe('E=8,N=7168,device_name={device}.json');
  });
});
