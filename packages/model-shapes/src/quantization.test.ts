import { describe, expect, it } from 'vitest';
import { sglangNames, vllmNames } from './__fixtures__/reference';
import { kernelShapes } from './kernel-shapes';
import { parseQuantization } from './quantization';
import { resolveMoeShape } from './resolve-moe-shape';

describe('parseQuantization', () => {
  it('no quantization_config is null', () => {
    expect(parseQuantization(undefined)).toBeNull();
    expect(parseQuantization(null)).toBeNull();
  });

  it('fp8 with and without a weight block', () => {
    expect(parseQuantization({ quant_method: 'fp8', activation_scheme: 'dynamic', weight_block_size: [128, 128] })).toEqual({
      method: 'fp8', kernelDtype: 'fp8_w8a8', blockShape: [128, 128], activationScheme: 'dynamic',
    });
    expect(parseQuantization({ quant_method: 'fp8', activation_scheme: 'static' })).toEqual({ method: 'fp8', kernelDtype: 'fp8_w8a8', activationScheme: 'static' });
  });

  it('SGLang block-wise int8 (blockwise_int8 + weight_block_size) runs int8_w8a8 with the block', () => {
    const q = { quant_method: 'blockwise_int8', activation_scheme: 'dynamic', weight_block_size: [128, 128] };
    expect(parseQuantization(q)).toEqual({ method: 'blockwise_int8', kernelDtype: 'int8_w8a8', blockShape: [128, 128], activationScheme: 'dynamic' });
    // A 256-expert model of expert width 2048 at tp 16 on A100 asks for a file SGLang ships.
    const shape = resolveMoeShape({
      architectures: ['AcmeMoeForCausalLM'], hidden_size: 7168, n_routed_experts: 256, num_experts_per_tok: 8, moe_intermediate_size: 2048, quantization_config: q,
    });
    const k = kernelShapes(shape, { tp: 16, engine: 'sglang', deviceName: 'NVIDIA A100-SXM4-80GB' });
    expect(k.configFile).toBe('E=256,N=128,device_name=NVIDIA_A100-SXM4-80GB,dtype=int8_w8a8,block_shape=[128, 128].json');
    expect(sglangNames().has(k.configFile)).toBe(true);
    // vLLM has no int8_w8a8 dtype string but still passes the block shape into the name.
    const v = kernelShapes(shape, { tp: 2, engine: 'vllm', deviceName: 'AMD Instinct MI325X' });
    expect(v.configFile).toBe('E=256,N=1024,device_name=AMD_Instinct_MI325X,block_shape=[128,128].json');
    expect(vllmNames().has(v.configFile)).toBe(true);
  });

  it('per-channel int8/fp8 methods and weight-only int methods', () => {
    expect(parseQuantization({ quant_method: 'w8a8_int8' })).toEqual({ method: 'w8a8_int8', kernelDtype: 'int8_w8a8', perChannel: true });
    expect(parseQuantization({ quant_method: 'w8a8_fp8' })).toEqual({ method: 'w8a8_fp8', kernelDtype: 'fp8_w8a8', perChannel: true });
    expect(parseQuantization({ quant_method: 'awq', bits: 4 })?.kernelDtype).toBe('int4_w4a16');
    expect(parseQuantization({ quant_method: 'gptq', bits: 8 })?.kernelDtype).toBe('int8_w8a16');
    expect(parseQuantization({ quant_method: 'mxfp4' })).toEqual({ method: 'mxfp4', kernelDtype: null });
  });

  it('compressed-tensors: the first group decides', () => {
    const group = (weights: object, input_activations?: object) => ({
      quant_method: 'compressed-tensors',
      config_groups: { group_0: { weights, ...(input_activations ? { input_activations } : {}) } },
    });
    expect(parseQuantization(group({ num_bits: 8, type: 'float', strategy: 'block', block_structure: [128, 128] }, { num_bits: 8, type: 'float', dynamic: true }))).toEqual({
      method: 'compressed-tensors', kernelDtype: 'fp8_w8a8', blockShape: [128, 128], activationScheme: 'dynamic',
    });
    expect(parseQuantization(group({ num_bits: 4, type: 'int', strategy: 'group', group_size: 32 }))?.kernelDtype).toBe('int4_w4a16');
    expect(parseQuantization(group({ num_bits: 8, type: 'int', strategy: 'channel' }, { num_bits: 8, type: 'int', dynamic: true }))).toMatchObject({ kernelDtype: 'int8_w8a8', perChannel: true });
  });
});
