import { describe, expect, it } from 'vitest';
import { deviceNameForEngine, neverRequestedDevice } from './device-name';

describe('deviceNameForEngine', () => {
  it('replaces spaces with underscores for both engines', () => {
    expect(deviceNameForEngine('sglang', 'NVIDIA H100 80GB HBM3')).toBe('NVIDIA_H100_80GB_HBM3');
    expect(deviceNameForEngine('vllm', 'AMD Instinct MI300X')).toBe('AMD_Instinct_MI300X');
    expect(deviceNameForEngine('sglang', 'NVIDIA A100-SXM4-80GB')).toBe('NVIDIA_A100-SXM4-80GB');
    expect(deviceNameForEngine('sglang', '  NVIDIA B200 ')).toBe('NVIDIA_B200');
  });

  it('vLLM folds every name with an H200 word into NVIDIA_H200; SGLang keeps the name', () => {
    expect(deviceNameForEngine('vllm', 'NVIDIA H200 NVL')).toBe('NVIDIA_H200');
    expect(deviceNameForEngine('vllm', 'NVIDIA H200 141GB HBM3e')).toBe('NVIDIA_H200');
    expect(deviceNameForEngine('vllm', 'NVIDIA_H200_NVL')).toBe('NVIDIA_H200');
    expect(deviceNameForEngine('sglang', 'NVIDIA H200 NVL')).toBe('NVIDIA_H200_NVL');
  });

  it('vLLM folds only an H200 word: a GH200 keeps its own name', () => {
    expect(deviceNameForEngine('vllm', 'NVIDIA GH200 480GB')).toBe('NVIDIA_GH200_480GB');
    expect(deviceNameForEngine('vllm', 'NVIDIA GH200 144G HBM3e')).toBe('NVIDIA_GH200_144G_HBM3e');
  });

  it('vLLM on ROCm names a GPU from its PCI device id (any case); SGLang writes the id as given', () => {
    // vLLM's table (main, May 2026): 0x74a1 and 0x74b5 are MI300X, 0x74a5 MI325X, 0x744c RX 7900 XTX.
    expect(deviceNameForEngine('vllm', '0x74a1')).toBe('AMD_Instinct_MI300X');
    expect(deviceNameForEngine('vllm', '0x74A1')).toBe('AMD_Instinct_MI300X');
    expect(deviceNameForEngine('vllm', ' 0x74b5 ')).toBe('AMD_Instinct_MI300X');
    expect(deviceNameForEngine('vllm', '0x74a5')).toBe('AMD_Instinct_MI325X');
    expect(deviceNameForEngine('vllm', '0x744c')).toBe('AMD_Radeon_RX7900XTX');
    expect(deviceNameForEngine('vllm', '0x1234')).toBe('0x1234');
    expect(deviceNameForEngine('sglang', '0x74a1')).toBe('0x74a1');
  });
});

describe('neverRequestedDevice', () => {
  it('names the spelling vLLM asks for instead', () => {
    expect(neverRequestedDevice('vllm', 'NVIDIA_H200_NVL')).toBe('NVIDIA_H200');
    expect(neverRequestedDevice('vllm', 'Radeon_8060S_Graphics')).toBe('AMD_Radeon_8060S');
    expect(neverRequestedDevice('vllm', 'NVIDIA_H200')).toBeNull();
    expect(neverRequestedDevice('sglang', 'NVIDIA_H200_NVL')).toBeNull();
    expect(neverRequestedDevice('sglang', 'NVIDIA H100')).toBe('NVIDIA_H100');
  });
});
