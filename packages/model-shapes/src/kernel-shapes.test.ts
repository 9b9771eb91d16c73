import { describe, expect, it } from 'vitest';
import { findCatalogEntry } from './catalog';
import { IndivisibleShapeError } from './errors/indivisible-shape-error';
import { InvalidShapeOptionError } from './errors/invalid-shape-option-error';
import { kernelShapes } from './kernel-shapes';
import { resolveMoeShape } from './resolve-moe-shape';
import type { Engine } from '@moe/engine-facts';
import type { DtypeOption } from './types';
import { vllmNames } from './__fixtures__/reference';

const shapeOf = (id: string) => resolveMoeShape(findCatalogEntry(id)?.config);
const v3 = shapeOf('deepseek-ai/DeepSeek-V3');
const mixtral = shapeOf('mistralai/Mixtral-8x7B-v0.1');
const qwen3 = shapeOf('Qwen/Qwen3-30B-A3B');

describe('kernelShapes', () => {
  it('expert parallelism: E = experts / ep, N = I / (tp / ep)', () => {
    // Qwen3-30B-A3B: 128 experts, I = 768. tp 8, ep 2 -> E 64, N 768 / 4 = 192.
    const k = kernelShapes(qwen3, { tp: 8, ep: 2, engine: 'vllm' });
    expect([k.localExperts, k.shardIntermediate, k.ep]).toEqual([64, 192, 2]);
    // tp 8, ep 8 -> every rank holds 16 whole experts.
    const full = kernelShapes(qwen3, { tp: 8, ep: 8, engine: 'sglang' });
    expect([full.localExperts, full.shardIntermediate]).toEqual([16, 768]);
  });

  it('SGLang fuses the DeepSeek-V3 shared expert only without expert parallelism', () => {
    expect(kernelShapes(v3, { tp: 8, engine: 'sglang' }).localExperts).toBe(257);
    expect(kernelShapes(v3, { tp: 8, engine: 'sglang' }).fusedSharedExpert).toBe(true);
    expect(kernelShapes(v3, { tp: 8, engine: 'vllm' }).localExperts).toBe(256);
    const ep = kernelShapes(v3, { tp: 8, ep: 8, engine: 'sglang' });
    expect([ep.localExperts, ep.shardIntermediate, ep.fusedSharedExpert]).toEqual([32, 2048, false]);
    expect(ep.notes.join('\n')).toMatch(/turns shared-expert fusion off under expert parallelism/);
  });

  it('dtype auto: fp8 block from quantization_config, none for bf16 models', () => {
    const fp8 = kernelShapes(v3, { tp: 8, engine: 'sglang' });
    expect([fp8.dtype, fp8.blockShape]).toEqual(['fp8_w8a8', [128, 128]]);
    const bf16 = kernelShapes(mixtral, { tp: 2, engine: 'sglang', dtype: 'auto' });
    expect([bf16.dtype, bf16.blockShape, bf16.perChannelQuant]).toEqual([null, null, false]);
    // bf16 / fp16 explicitly: no dtype in the name even for an fp8 checkpoint.
    expect(kernelShapes(v3, { tp: 8, engine: 'sglang', dtype: 'bf16' }).configFile).toBe('E=257,N=256,device_name={device}.json');
  });

  it('explicit dtypes give the engine strings; fp8 of a bf16 model is per-tensor (no block)', () => {
    const cases: [DtypeOption, Engine, string][] = [
      ['fp8_w8a8', 'sglang', 'E=8,N=7168,device_name=NVIDIA_H200,dtype=fp8_w8a8.json'],
      ['fp8_w8a8', 'vllm', 'E=8,N=7168,device_name=NVIDIA_H200,dtype=fp8_w8a8.json'],
      ['int8_w8a8', 'sglang', 'E=8,N=7168,device_name=NVIDIA_H200,dtype=int8_w8a8.json'],
      ['int8_w8a16', 'vllm', 'E=8,N=7168,device_name=NVIDIA_H200,dtype=int8_w8a16.json'],
      ['fp16', 'vllm', 'E=8,N=7168,device_name=NVIDIA_H200.json'],
    ];
    for (const [dtype, engine, file] of cases) {
      expect(kernelShapes(mixtral, { tp: 2, engine, dtype, deviceName: 'NVIDIA H200' }).configFile).toBe(file);
    }
  });

  it('vLLM has no int8_w8a8 name: it looks up the unquantised file', () => {
    const k = kernelShapes(mixtral, { tp: 2, engine: 'vllm', dtype: 'int8_w8a8', deviceName: 'NVIDIA H200' });
    expect(k.dtype).toBeNull();
    expect(k.configFile).toBe('E=8,N=7168,device_name=NVIDIA_H200.json');
  });

  it('int4_w4a16: SGLang halves N in the name (N = packed w2 width), vLLM does not (it doubles the packed width back)', () => {
    // Mixtral-8x7B tp 2: per-rank width 14336 / 2 = 7168; w2 packs two int4 per byte -> 3584 columns.
    // SGLang names the file by w2.shape[2] = 3584; vLLM by w2.shape[2] * 2 = 7168.
    const s = kernelShapes(mixtral, { tp: 2, engine: 'sglang', dtype: 'int4_w4a16', deviceName: 'NVIDIA A100-SXM4-80GB' });
    expect([s.shardIntermediate, s.fileN]).toEqual([7168, 3584]);
    expect(s.configFile).toBe('E=8,N=3584,device_name=NVIDIA_A100-SXM4-80GB,dtype=int4_w4a16.json');
    const v = kernelShapes(mixtral, { tp: 2, engine: 'vllm', dtype: 'int4_w4a16', deviceName: 'NVIDIA A100-SXM4-80GB' });
    expect([v.shardIntermediate, v.fileN]).toEqual([7168, 7168]);
    expect(v.configFile).toBe('E=8,N=7168,device_name=NVIDIA_A100-SXM4-80GB,dtype=int4_w4a16.json');
    expect(v.notes.join('\n')).not.toMatch(/half/);
  });

  it('int4_w4a16 Kimi-K2 (384 experts of 2048) at tp 8: vLLM asks for the N=256 file it ships for MI355X', () => {
    const kimi = resolveMoeShape({
      architectures: ['DeepseekV3ForCausalLM'],
      model_type: 'kimi_k2',
      hidden_size: 7168,
      n_routed_experts: 384,
      n_shared_experts: 1,
      num_experts_per_tok: 8,
      moe_intermediate_size: 2048,
      quantization_config: { quant_method: 'compressed-tensors', config_groups: { group_0: { weights: { num_bits: 4, type: 'int', strategy: 'group', group_size: 32 } } } },
    });
    const v = kernelShapes(kimi, { tp: 8, engine: 'vllm', deviceName: 'AMD Instinct MI355X' });
    expect(v.configFile).toBe('E=384,N=256,device_name=AMD_Instinct_MI355X,dtype=int4_w4a16.json');
    expect(vllmNames().has(v.configFile)).toBe(true);
  });

  it('without a device name the files keep the {device} placeholder', () => {
    const k = kernelShapes(mixtral, { tp: 2, engine: 'sglang' });
    expect(k.deviceName).toBeNull();
    expect(k.configFile).toBe('E=8,N=7168,device_name={device}.json');
    expect(k.downConfigFile).toBe('E=8,N=7168,device_name={device}_down.json');
  });

  it('a tp that does not divide the expert width names the valid tp values', () => {
    const odd = resolveMoeShape({ architectures: ['MixtralForCausalLM'], hidden_size: 1024, num_local_experts: 8, num_experts_per_tok: 2, intermediate_size: 1000 });
    // 1000 = 2^3 * 125: tp 1, 2, 4, 8 divide it, 16 does not.
    expect(() => kernelShapes(odd, { tp: 16, engine: 'vllm' })).toThrow(IndivisibleShapeError);
    expect(() => kernelShapes(odd, { tp: 16, engine: 'vllm' })).toThrow(/tp 16: its expert width 1000 does not split over tp\/ep = 16; valid tp values: 1, 2, 4, 8$/);
    // Qwen3-30B-A3B I = 768 = 2^8 * 3: tp 512 leaves 1.5; every power of two up to 64 divides it.
    expect(() => kernelShapes(qwen3, { tp: 512, engine: 'sglang' })).toThrow(/valid tp values: 1, 2, 4, 8, 16, 32, 64$/);
  });

  it('block-quantised weights need the per-rank width to be a multiple of the block', () => {
    // DeepSeek-V3 I = 2048 with 128-wide blocks: tp 16 gives 128 (ok), tp 32 gives 64 (not a block).
    expect(kernelShapes(v3, { tp: 16, engine: 'vllm' }).shardIntermediate).toBe(128);
    expect(() => kernelShapes(v3, { tp: 32, engine: 'vllm' })).toThrow(/per-rank width 64 is not a multiple of the 128-wide quantization block; valid tp values: 1, 2, 4, 8, 16$/);
  });

  it('bad options: unknown engine or dtype, non-integer tp, ep not dividing tp or the experts', () => {
    expect(() => kernelShapes(mixtral, { tp: 2, engine: 'trtllm' as Engine })).toThrow(/`engine` trtllm: unknown engine; pass one of sglang, vllm/);
    expect(() => kernelShapes(mixtral, { tp: 2, engine: 'vllm', dtype: 'fp4' as DtypeOption })).toThrow(/`dtype` fp4: unknown dtype; pass one of auto, bf16/);
    expect(() => kernelShapes(mixtral, { tp: 0, engine: 'vllm' })).toThrow(InvalidShapeOptionError);
    expect(() => kernelShapes(mixtral, { tp: 4, ep: 3, engine: 'vllm' })).toThrow(/`ep` 3 with `tp` 4: ep must divide tp/);
    // Mixtral has 8 experts: ep 16 (tp 16) cannot split them.
    expect(() => kernelShapes(mixtral, { tp: 16, ep: 16, engine: 'vllm' })).toThrow(/ep 16 does not divide its 8 routed experts; pass `ep` one of 1, 2, 4, 8/);
  });
});
