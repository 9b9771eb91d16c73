import { describe, expect, it } from 'vitest';
import { findCatalogEntry } from './catalog';
import { kernelShapes } from './kernel-shapes';
import { resolveMoeShape } from './resolve-moe-shape';
import { sglangNames, vllmNames } from './__fixtures__/reference';
import type { Engine } from '@moe/engine-facts';
import type { KernelShapeOptions } from './types';

const sglang = sglangNames();
const vllm = vllmNames();

function names(model: string, options: KernelShapeOptions) {
  const shape = resolveMoeShape(findCatalogEntry(model)?.config);
  return kernelShapes(shape, options);
}

function shipped(engine: Engine, file: string): boolean {
  return (engine === 'sglang' ? sglang : vllm).has(file);
}

describe('names match the files the engines ship', () => {
  it('LFM2-8B-A1B at TP1/2/4/8 on SGLang and H100: E=32 with N=1792/896/448/224', () => {
    const files = [1, 2, 4, 8].map(
      (tp) => names('LiquidAI/LFM2-8B-A1B', { tp, engine: 'sglang', deviceName: 'NVIDIA H100 80GB HBM3' }).configFile,
    );
    expect(files).toEqual([
      'E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json',
      'E=32,N=896,device_name=NVIDIA_H100_80GB_HBM3.json',
      'E=32,N=448,device_name=NVIDIA_H100_80GB_HBM3.json',
      'E=32,N=224,device_name=NVIDIA_H100_80GB_HBM3.json',
    ]);
    for (const f of files) expect(shipped('sglang', f), f).toBe(true);
  });

  it('Mixtral-8x7B at TP2 gives E=8,N=7168 on both engines', () => {
    for (const engine of ['sglang', 'vllm'] as const) {
      const k = names('mistralai/Mixtral-8x7B-v0.1', { tp: 2, engine, deviceName: 'NVIDIA H100 80GB HBM3' });
      expect(k.configFile).toBe('E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json');
      expect(shipped(engine, k.configFile)).toBe(true);
    }
  });

  it('DeepSeek-V3 fp8 at TP8: SGLang fuses the shared expert (E=257) and writes [128, 128]', () => {
    const k = names('deepseek-ai/DeepSeek-V3', { tp: 8, engine: 'sglang', deviceName: 'NVIDIA H200' });
    expect(k.configFile).toBe('E=257,N=256,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128, 128].json');
    expect(k.downConfigFile).toBe('E=257,N=256,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128, 128]_down.json');
    expect(shipped('sglang', k.configFile)).toBe(true);
    expect(shipped('sglang', k.downConfigFile as string)).toBe(true);
    expect(k.blockShape).toEqual([128, 128]);
  });

  it('DeepSeek-V3 fp8 at TP8 on vLLM: E=256 and [128,128], no down file', () => {
    const k = names('deepseek-ai/DeepSeek-V3', { tp: 8, engine: 'vllm', deviceName: 'NVIDIA H200' });
    expect(k.configFile).toBe('E=256,N=256,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128,128].json');
    expect(k.downConfigFile).toBeNull();
    expect(shipped('vllm', k.configFile)).toBe(true);
  });

  it('GLM-4.5 at TP8: SGLang E=161, vLLM E=160, both N=192', () => {
    const s = names('zai-org/GLM-4.5', { tp: 8, engine: 'sglang', deviceName: 'NVIDIA H200' });
    expect(s.configFile).toBe('E=161,N=192,device_name=NVIDIA_H200.json');
    expect(shipped('sglang', s.configFile)).toBe(true);
    const v = names('zai-org/GLM-4.5', { tp: 8, engine: 'vllm', deviceName: 'NVIDIA H200', dtype: 'fp8_w8a8' });
    expect(v.configFile).toBe('E=160,N=192,device_name=NVIDIA_H200,dtype=fp8_w8a8.json');
    expect(shipped('vllm', v.configFile)).toBe(true);
  });

  it('Llama-4-Scout keeps E=16 on SGLang (no fused shared expert)', () => {
    const s = names('meta-llama/Llama-4-Scout-17B-16E-Instruct', { tp: 8, engine: 'sglang', deviceName: 'NVIDIA H100 80GB HBM3' });
    expect(s.configFile).toBe('E=16,N=1024,device_name=NVIDIA_H100_80GB_HBM3.json');
    expect(shipped('sglang', s.configFile)).toBe(true);
    const v = names('meta-llama/Llama-4-Scout-17B-16E-Instruct', { tp: 8, engine: 'vllm', deviceName: 'NVIDIA H200 NVL' });
    expect(v.configFile).toBe('E=16,N=1024,device_name=NVIDIA_H200.json');
    expect(shipped('vllm', v.configFile)).toBe(true);
  });

  it('Qwen2-57B-A14B at TP8 fp8 and Qwen1.5-MoE at TP1..8 on vLLM (MI300X)', () => {
    const q = names('Qwen/Qwen2-57B-A14B', { tp: 8, engine: 'sglang', deviceName: 'NVIDIA H100 80GB HBM3', dtype: 'fp8_w8a8' });
    expect(q.configFile).toBe('E=64,N=320,device_name=NVIDIA_H100_80GB_HBM3,dtype=fp8_w8a8.json');
    expect(shipped('sglang', q.configFile)).toBe(true);
    for (const tp of [1, 2, 4, 8]) {
      const k = names('Qwen/Qwen1.5-MoE-A2.7B', { tp, engine: 'vllm', deviceName: 'AMD Instinct MI300X' });
      expect(shipped('vllm', k.configFile), k.configFile).toBe(true);
    }
  });

  it('Mixtral-8x22B at TP1/2/4/8 on vLLM (MI300X) and Qwen3-235B fp8 block at TP4 on SGLang', () => {
    for (const tp of [1, 2, 4, 8]) {
      const k = names('mistralai/Mixtral-8x22B-v0.1', { tp, engine: 'vllm', deviceName: 'AMD Instinct MI300X' });
      expect(shipped('vllm', k.configFile), k.configFile).toBe(true);
    }
    const qwen = resolveMoeShape({
      ...findCatalogEntry('Qwen/Qwen3-235B-A22B')?.config,
      quantization_config: { quant_method: 'fp8', activation_scheme: 'dynamic', weight_block_size: [128, 128] },
    });
    const k = kernelShapes(qwen, { tp: 4, engine: 'sglang', deviceName: 'NVIDIA H200' });
    expect(k.configFile).toBe('E=128,N=384,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128, 128].json');
    expect(shipped('sglang', k.configFile)).toBe(true);
  });

  it('GLM-4.5 with per-channel fp8 (compressed-tensors) at TP8: SGLang adds per_channel_quant=True', () => {
    const glm = resolveMoeShape({
      ...findCatalogEntry('zai-org/GLM-4.5')?.config,
      quantization_config: {
        quant_method: 'compressed-tensors',
        config_groups: {
          group_0: {
            weights: { num_bits: 8, type: 'float', strategy: 'channel' },
            input_activations: { num_bits: 8, type: 'float', strategy: 'token', dynamic: true },
          },
        },
      },
    });
    const k = kernelShapes(glm, { tp: 8, engine: 'sglang', deviceName: 'NVIDIA H200' });
    expect(k.configFile).toBe('E=161,N=192,device_name=NVIDIA_H200,dtype=fp8_w8a8,per_channel_quant=True.json');
    expect(shipped('sglang', k.configFile)).toBe(true);
    const v = kernelShapes(glm, { tp: 8, engine: 'vllm', deviceName: 'NVIDIA H200' });
    expect(v.configFile).toBe('E=160,N=192,device_name=NVIDIA_H200,dtype=fp8_w8a8.json');
    expect(shipped('vllm', v.configFile)).toBe(true);
  });
});
