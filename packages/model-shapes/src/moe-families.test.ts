import { describe, expect, it } from 'vitest';
import { findFamily } from './moe-families';
import { kernelShapes } from './kernel-shapes';
import { resolveMoeShape } from './resolve-moe-shape';

describe('the family table', () => {
  it('covers every architecture the SGLang and vLLM tuners special-case, and more', () => {
    const tuned = [
      'MixtralForCausalLM', 'JambaForCausalLM', 'DbrxForCausalLM',
      'Qwen2MoeForCausalLM', 'Qwen3MoeForCausalLM', 'Qwen3NextForCausalLM', 'Qwen3VLMoeForConditionalGeneration',
      'Qwen3_5MoeForCausalLM', 'Qwen3_5MoeForConditionalGeneration', 'Qwen4ExpForCausalLM', 'Qwen4ExpForConditionalGeneration',
      'InternS2PreviewForConditionalGeneration', 'MellumForCausalLM',
      'DeepseekV2ForCausalLM', 'DeepseekV3ForCausalLM', 'DeepseekV32ForCausalLM', 'DeepseekV4ForCausalLM', 'DeepseekOCRForCausalLM',
      'Glm4MoeForCausalLM', 'Glm4MoeLiteForCausalLM', 'GlmMoeDsaForCausalLM', 'KimiVLForConditionalGeneration', 'MistralLarge3ForCausalLM',
      'Llama4ForConditionalGeneration', 'Grok1ForCausalLM', 'Grok1ImgGen', 'Grok1AForCausalLM',
      'BailingMoEForCausalLM', 'BailingMoeForCausalLM', 'BailingMoeV2ForCausalLM', 'BailingMoeV3ForCausalLM',
      'HYV3ForCausalLM', 'HunYuanMoEV1ForCausalLM', 'NemotronHForCausalLM', 'Gemma4ForConditionalGeneration', 'Lfm2MoeForCausalLM',
      'MiniMaxM3SparseForConditionalGeneration', 'UnlimitedOCRForCausalLM', 'GptOssForCausalLM', 'Ernie4_5_MoeForCausalLM',
      'Step3VLForConditionalGeneration', 'OlmoeForCausalLM', 'GraniteMoeForCausalLM', 'PhiMoEForCausalLM', 'Dots1ForCausalLM',
    ];
    const missing = tuned.filter((arch) => findFamily([arch], []) === null);
    expect(missing).toEqual([]);
  });

  it('SGLang fusion: GLM-4.7-Flash (Glm4MoeLite) fuses, DeepSeek-V4 does not, MiniMax-M3 always does', () => {
    const deepseekLike = { hidden_size: 2048, n_routed_experts: 64, n_shared_experts: 1, num_experts_per_tok: 4, moe_intermediate_size: 1536 };
    const e = (config: object) => kernelShapes(resolveMoeShape(config), { tp: 1, engine: 'sglang' }).localExperts;
    expect(e({ architectures: ['Glm4MoeLiteForCausalLM'], ...deepseekLike })).toBe(65);
    expect(e({ architectures: ['DeepseekV4ForCausalLM'], ...deepseekLike })).toBe(64);
    expect(e({ architectures: ['DeepseekV2ForCausalLM'], ...deepseekLike })).toBe(64);
    expect(e({ architectures: ['MiniMaxM3SparseForConditionalGeneration'], text_config: { hidden_size: 3072, num_local_experts: 128, num_experts_per_tok: 8, intermediate_size: 1024 } })).toBe(129);
  });

  it('a fusing architecture with two shared experts is not fused, and says why', () => {
    const s = resolveMoeShape({ architectures: ['DeepseekV3ForCausalLM'], hidden_size: 2048, n_routed_experts: 64, n_shared_experts: 2, num_experts_per_tok: 4, moe_intermediate_size: 1536 });
    expect(s.sglangFusesSharedExpert).toBe(false);
    expect(s.notes.join('\n')).toMatch(/only when there is exactly one .* this config has 2 x 1536/);
  });

  it('Nemotron-H experts work in the latent width when the config has one', () => {
    const base = { architectures: ['NemotronHForCausalLM'], hidden_size: 4096, n_routed_experts: 128, num_experts_per_tok: 6, moe_intermediate_size: 2688 };
    expect(resolveMoeShape(base).hidden).toBe(4096);
    const latent = resolveMoeShape({ ...base, moe_latent_size: 1024 });
    expect([latent.hidden, latent.sources.hidden]).toEqual([1024, 'moe_latent_size']);
  });
});
