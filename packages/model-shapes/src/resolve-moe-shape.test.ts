import { describe, expect, it } from 'vitest';
import { findCatalogEntry } from './catalog';
import { InvalidModelConfigError } from './errors/invalid-model-config-error';
import { InvalidShapeOptionError } from './errors/invalid-shape-option-error';
import { NotMoeModelError } from './errors/not-moe-model-error';
import { UnresolvedMoeFieldError } from './errors/unresolved-moe-field-error';
import { resolveMoeShape } from './resolve-moe-shape';

const catalog = (id: string) => findCatalogEntry(id)?.config;

function core(config: unknown, overrides = {}) {
  const s = resolveMoeShape(config, overrides);
  return { hidden: s.hidden, experts: s.experts, topk: s.topk, intermediate: s.intermediate };
}

describe('resolveMoeShape on known families', () => {
  it('LFM2: num_experts / moe_intermediate_size, never the dense intermediate_size', () => {
    const s = resolveMoeShape(catalog('LiquidAI/LFM2-8B-A1B'));
    expect(core(catalog('LiquidAI/LFM2-8B-A1B'))).toEqual({ hidden: 2048, experts: 32, topk: 4, intermediate: 1792 });
    expect(s.family).toBe('lfm2-moe');
    expect(s.architecture).toBe('Lfm2MoeForCausalLM');
    expect(s.modelType).toBe('lfm2_moe');
    expect(s.dtype).toBe('bfloat16');
    expect(s.sources).toMatchObject({ hidden: 'hidden_size', experts: 'num_experts', topk: 'num_experts_per_tok', intermediate: 'moe_intermediate_size', dtype: 'dtype' });
    expect(s.sharedExperts).toBeNull();
    expect(s.quant).toBeNull();
  });

  it('Llama-4: everything under text_config; one implicit shared expert; intermediate_size_mlp ignored', () => {
    const s = resolveMoeShape(catalog('meta-llama/Llama-4-Scout-17B-16E-Instruct'));
    expect([s.hidden, s.experts, s.topk, s.intermediate]).toEqual([5120, 16, 1, 8192]);
    expect(s.sources.experts).toBe('text_config.num_local_experts');
    expect(s.sources.intermediate).toBe('text_config.intermediate_size');
    expect(s.sharedExperts).toEqual({ count: 1, intermediate: 8192 });
    expect(s.sglangFusesSharedExpert).toBe(false);
  });

  it('shared experts: Qwen2-MoE width key, DeepSeek count x expert width, Hunyuan, MiniMax none', () => {
    expect(resolveMoeShape(catalog('Qwen/Qwen1.5-MoE-A2.7B')).sharedExperts).toEqual({ count: 1, intermediate: 5632 });
    expect(resolveMoeShape(catalog('deepseek-ai/DeepSeek-V2-Lite')).sharedExperts).toEqual({ count: 2, intermediate: 1408 });
    expect(resolveMoeShape(catalog('inclusionAI/Ling-lite-base')).sharedExperts).toEqual({ count: 2, intermediate: 1408 });
    expect(resolveMoeShape(catalog('tencent/Tencent-Hunyuan-Large')).sharedExperts).toEqual({ count: 1, intermediate: 18304 });
    expect(resolveMoeShape(catalog('MiniMaxAI/MiniMax-M1-40k')).sharedExperts).toBeNull();
    const v3 = resolveMoeShape(catalog('deepseek-ai/DeepSeek-V3'));
    expect(v3.sharedExperts).toEqual({ count: 1, intermediate: 2048 });
    expect(v3.sglangFusesSharedExpert).toBe(true);
    expect(v3.quant).toEqual({ method: 'fp8', kernelDtype: 'fp8_w8a8', blockShape: [128, 128], activationScheme: 'dynamic' });
    // DeepSeek-V2 has two shared experts: nothing is fused.
    expect(resolveMoeShape(catalog('deepseek-ai/DeepSeek-V2')).sglangFusesSharedExpert).toBe(false);
  });

  it('a family is found by model_type when architectures is missing', () => {
    const { architectures: _drop, ...rest } = catalog('deepseek-ai/DeepSeek-V3') as Record<string, unknown>;
    const s = resolveMoeShape(rest);
    expect(s.family).toBe('deepseek-v3');
    expect(s.architecture).toBe('deepseek_v3');
    expect(s.intermediate).toBe(2048);
  });

  it('a family that keeps its dense MLP in intermediate_size refuses it as the expert width', () => {
    const config = { architectures: ['DeepseekV3ForCausalLM'], hidden_size: 7168, n_routed_experts: 256, num_experts_per_tok: 8, intermediate_size: 18432 };
    expect(() => resolveMoeShape(config)).toThrow(UnresolvedMoeFieldError);
    expect(() => resolveMoeShape(config)).toThrow(/deepseek-v3 keeps its dense MLP width in intermediate_size \(intermediate_size = 18432\).*`intermediate`/);
    expect(resolveMoeShape(config, { intermediate: 2048 }).intermediate).toBe(2048);
  });

  it('a re-saved Qwen3-MoE config that writes num_local_experts still resolves', () => {
    const s = resolveMoeShape({ architectures: ['Qwen3MoeForCausalLM'], hidden_size: 4096, num_local_experts: 128, num_experts_per_tok: 8, moe_intermediate_size: 1536, intermediate_size: 12288 });
    expect([s.experts, s.intermediate]).toEqual([128, 1536]);
    expect(s.sources.experts).toBe('num_local_experts');
  });
});

describe('resolveMoeShape on architectures it has never seen (generic aliases)', () => {
  it('1. renamed keys: n_routed_experts, moe_top_k, expert_hidden_dim, d_model', () => {
    const config = { architectures: ['ZetaMoeForCausalLM'], d_model: 3072, n_routed_experts: 48, moe_top_k: 6, expert_hidden_dim: 1280 };
    expect(core(config)).toEqual({ hidden: 3072, experts: 48, topk: 6, intermediate: 1280 });
    const s = resolveMoeShape(config);
    expect(s.family).toBeNull();
    expect(s.architecture).toBe('ZetaMoeForCausalLM');
    expect(s.sources).toMatchObject({ hidden: 'd_model', experts: 'n_routed_experts', topk: 'moe_top_k', intermediate: 'expert_hidden_dim' });
  });

  it('2. moe_num_experts / moe_k, and moe_intermediate_size wins over a distractor intermediate_size', () => {
    const config = { architectures: ['NovaForCausalLM'], hidden_size: 2560, moe_num_experts: 72, moe_k: 4, moe_intermediate_size: 640, intermediate_size: 10240 };
    expect(core(config)).toEqual({ hidden: 2560, experts: 72, topk: 4, intermediate: 640 });
  });

  it('3. ffn_config nesting (DBRX-like): ffn_config.moe_num_experts / moe_top_k / ffn_hidden_size', () => {
    const config = { architectures: ['OrbitForCausalLM'], d_model: 6144, ffn_config: { moe_num_experts: 16, moe_top_k: 4, ffn_hidden_size: 10752 } };
    expect(core(config)).toEqual({ hidden: 6144, experts: 16, topk: 4, intermediate: 10752 });
    expect(resolveMoeShape(config).sources.experts).toBe('ffn_config.moe_num_experts');
  });

  it('4. text_config nesting of a multimodal model; the vision tower is ignored', () => {
    const config = {
      architectures: ['PrismVLForConditionalGeneration'],
      vision_config: { hidden_size: 1152, intermediate_size: 4304 },
      text_config: { hidden_size: 2048, num_experts: 64, num_experts_per_tok: 6, moe_intermediate_size: 896, intermediate_size: 8192 },
    };
    expect(core(config)).toEqual({ hidden: 2048, experts: 64, topk: 6, intermediate: 896 });
    expect(resolveMoeShape(config).sources.hidden).toBe('text_config.hidden_size');
  });

  it('5. thinker_config.text_config nesting (omni models)', () => {
    const config = {
      architectures: ['EchoOmniForConditionalGeneration'],
      thinker_config: { audio_config: { d_model: 1280 }, text_config: { hidden_size: 2048, num_experts: 128, num_experts_per_tok: 8, moe_intermediate_size: 768 } },
    };
    expect(core(config)).toEqual({ hidden: 2048, experts: 128, topk: 8, intermediate: 768 });
    expect(resolveMoeShape(config).sources.experts).toBe('thinker_config.text_config.num_experts');
  });

  it('6. per-layer lists with dense layers: the MoE layers value is taken and the note says layers differ', () => {
    const config = {
      architectures: ['LatticeForCausalLM'],
      hidden_size: 4096,
      num_experts: [0, 0, 32, 32, 32, 32],
      num_experts_per_tok: 4,
      moe_intermediate_size: [0, 0, 1536, 1536, 1536, 1536],
    };
    const s = resolveMoeShape(config);
    expect([s.experts, s.intermediate]).toEqual([32, 1536]);
    expect(s.notes.join('\n')).toMatch(/num_experts is a per-layer list whose layers differ: the 4 MoE layers of 6 take 32/);
    expect(s.notes.join('\n')).toMatch(/moe_intermediate_size .* the 4 MoE layers of 6 take 1536/);
  });

  it('7. a per-layer list that agrees everywhere (Hunyuan-A13B style moe_topk)', () => {
    const config = { architectures: ['TidalForCausalLM'], hidden_size: 4096, num_experts: 64, moe_topk: [8, 8, 8, 8], moe_intermediate_size: 3072 };
    const s = resolveMoeShape(config);
    expect(s.topk).toBe(8);
    expect(s.notes.join('\n')).toMatch(/moe_topk is a per-layer list \(4 entries\), all 8/);
  });

  it('8. MoE layers that disagree fail and name the override', () => {
    const config = { architectures: ['RiftForCausalLM'], hidden_size: 4096, num_experts: 64, num_experts_per_tok: 8, moe_intermediate_size: [1024, 2048, 1024] };
    expect(() => resolveMoeShape(config)).toThrow(UnresolvedMoeFieldError);
    expect(() => resolveMoeShape(config)).toThrow(/moe_intermediate_size differs across MoE layers \(1024, 2048\).*`intermediate`/);
    expect(resolveMoeShape(config, { intermediate: 1024 }).intermediate).toBe(1024);
  });

  it('9. only intermediate_size, every layer MoE: it is the expert width (with a note)', () => {
    const config = { architectures: ['CedarForCausalLM'], hidden_size: 3072, num_local_experts: 8, num_experts_per_tok: 2, intermediate_size: 8192 };
    const s = resolveMoeShape(config);
    expect(s.intermediate).toBe(8192);
    expect(s.notes.join('\n')).toMatch(/taken as the expert width: no MoE-specific width key and no dense layers declared/);
  });

  it('10. only intermediate_size with dense layers declared: refuses, lists the candidates and --intermediate', () => {
    const config = { architectures: ['BirchForCausalLM'], hidden_size: 3072, n_routed_experts: 64, num_experts_per_tok: 6, intermediate_size: 11264, first_k_dense_replace: 1 };
    expect(() => resolveMoeShape(config)).toThrow(UnresolvedMoeFieldError);
    expect(() => resolveMoeShape(config)).toThrow(
      /cannot tell the expert width of BirchForCausalLM.*first_k_dense_replace=1.*candidates: moe_intermediate_size, ffn_config.ffn_hidden_size, expert_hidden_dim, intermediate_size.*`intermediate`/,
    );
    for (const dense of [{ decoder_sparse_step: 2 }, { mlp_only_layers: [0, 5] }, { num_dense_layers: 3 }, { moe_layer_freq: 2 }]) {
      expect(() => resolveMoeShape({ ...config, first_k_dense_replace: 0, ...dense })).toThrow(UnresolvedMoeFieldError);
    }
  });

  it('10b. dense layers declared as lists or a start index also make intermediate_size ambiguous', () => {
    const config = { architectures: ['BirchForCausalLM'], hidden_size: 3072, n_routed_experts: 64, num_experts_per_tok: 6, intermediate_size: 11264 };
    for (const dense of [{ moe_layer_freq: [0, 1, 1, 1] }, { moe_layer_start_index: 1 }, { mlp_layer_types: ['dense', 'sparse', 'sparse'] }]) {
      expect(() => resolveMoeShape({ ...config, ...dense }), JSON.stringify(dense)).toThrow(UnresolvedMoeFieldError);
    }
    // Lists that mark every layer MoE are no evidence.
    for (const allMoe of [{ moe_layer_freq: [1, 1, 1] }, { moe_layer_start_index: 0 }, { mlp_layer_types: ['sparse', 'sparse'] }]) {
      expect(resolveMoeShape({ ...config, ...allMoe }).intermediate, JSON.stringify(allMoe)).toBe(11264);
    }
  });

  it('10c. a per-layer intermediate_size whose MoE layers differ from the dense ones is read at the MoE layers', () => {
    const config = {
      architectures: ['AlderForCausalLM'],
      hidden_size: 4096,
      num_experts: [0, 0, 64, 64],
      num_experts_per_tok: 8,
      intermediate_size: [11008, 11008, 1024, 1024],
    };
    const s = resolveMoeShape(config);
    expect(s.intermediate).toBe(1024);
    expect(s.notes.join('\n')).toMatch(/intermediate_size is a per-layer list whose layers differ: the 2 MoE layers of 4 take 1024/);
    // The same width in every layer cannot tell the dense MLP from the experts.
    expect(() => resolveMoeShape({ ...config, intermediate_size: [11008, 11008, 11008, 11008] })).toThrow(UnresolvedMoeFieldError);
  });

  it('11. intermediate_size next to its own dense key (intermediate_size_mlp) is the expert width', () => {
    const config = { architectures: ['MapleForCausalLM'], hidden_size: 5120, num_local_experts: 16, num_experts_per_tok: 1, intermediate_size: 8192, intermediate_size_mlp: 16384, interleave_moe_layer_step: 2 };
    expect(resolveMoeShape(config).intermediate).toBe(8192);
  });

  it('12. top_k_experts and n_embd aliases; distractor keys do not count', () => {
    const config = {
      architectures: ['QuartzForCausalLM'],
      n_embd: 1024,
      num_local_experts: 24,
      top_k_experts: 3,
      expert_hidden_dim: 512,
      num_attention_heads: 16,
      router_aux_loss_coef: 0.01,
      vocab_size: 32000,
    };
    expect(core(config)).toEqual({ hidden: 1024, experts: 24, topk: 3, intermediate: 512 });
  });

  it('13. generic shared experts: a width key, or a count of expert-wide ones', () => {
    const base = { architectures: ['FernForCausalLM'], hidden_size: 2048, n_routed_experts: 64, num_experts_per_tok: 6, moe_intermediate_size: 1024 };
    expect(resolveMoeShape({ ...base, shared_expert_intermediate_size: 4096 }).sharedExperts).toEqual({ count: 1, intermediate: 4096 });
    expect(resolveMoeShape({ ...base, n_shared_experts: 2 }).sharedExperts).toEqual({ count: 2, intermediate: 1024 });
    expect(resolveMoeShape({ ...base, n_shared_experts: 0 }).sharedExperts).toBeNull();
    expect(resolveMoeShape(base).sglangFusesSharedExpert).toBe(false);
  });
});

describe('resolveMoeShape on bad input', () => {
  it('a dense model is not a Mixture-of-Experts model', () => {
    const llama = { architectures: ['LlamaForCausalLM'], hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32 };
    expect(() => resolveMoeShape(llama)).toThrow(NotMoeModelError);
    expect(() => resolveMoeShape(llama)).toThrow(
      /^config.json of LlamaForCausalLM: not a Mixture-of-Experts model: no expert-count key found, looked for num_local_experts, num_experts, n_routed_experts, moe_num_experts, ffn_config.moe_num_experts, text_config.num_local_experts.*`experts`/,
    );
    expect(() => resolveMoeShape(llama, {}, { label: 'meta-llama/Llama-3-8B' })).toThrow(/^meta-llama\/Llama-3-8B: not a Mixture-of-Experts model/);
  });

  it('an expert count of 0 means a dense model, not a broken config', () => {
    // Dense checkpoints of MoE-capable families write the expert keys as 0.
    const dense = { architectures: ['AcmeForCausalLM'], hidden_size: 2560, num_experts: 0, num_experts_per_tok: 0, intermediate_size: 8192 };
    expect(() => resolveMoeShape(dense)).toThrow(NotMoeModelError);
    expect(() => resolveMoeShape(dense)).toThrow(
      /^config.json of AcmeForCausalLM: not a Mixture-of-Experts model: num_experts = 0 routed experts; if it is a MoE model, pass `experts` <routed experts> \(with `topk` and `intermediate`\)$/,
    );
    // A zero in one place does not hide the real count elsewhere.
    const nested = { architectures: ['AcmeVL'], num_experts: 0, text_config: { hidden_size: 2048, num_experts: 64, num_experts_per_tok: 8, moe_intermediate_size: 1024 } };
    expect(core(nested)).toEqual({ hidden: 2048, experts: 64, topk: 8, intermediate: 1024 });
    expect(core(dense, { experts: 8, topk: 2 })).toEqual({ hidden: 2560, experts: 8, topk: 2, intermediate: 8192 });
  });

  it('top-k larger than the expert count is refused', () => {
    const odd = { architectures: ['AcmeMoe'], hidden_size: 2048, num_experts: 4, num_experts_per_tok: 8, moe_intermediate_size: 1024 };
    expect(() => resolveMoeShape(odd)).toThrow(InvalidModelConfigError);
    expect(() => resolveMoeShape(odd)).toThrow(
      /^config.json of AcmeMoe: top-k 8 \(num_experts_per_tok\) is more than the 4 routed experts \(num_experts\); fix the config.json or pass `topk` and `experts`$/,
    );
    expect(() => resolveMoeShape(odd, { topk: 16 })).toThrow(/top-k 16 \(override \(`topk`\)\) is more than the 4 routed experts/);
    expect(core(odd, { topk: 4 }).topk).toBe(4);
  });

  it('a key written as a string or boolean names the key, not "no key found"', () => {
    const quoted = { architectures: ['AcmeMoe'], hidden_size: 2048, num_experts: '64', num_experts_per_tok: 8, moe_intermediate_size: 1024 };
    expect(() => resolveMoeShape(quoted)).toThrow(InvalidModelConfigError);
    expect(() => resolveMoeShape(quoted)).toThrow(/^config.json of AcmeMoe: num_experts = "64" is not a number; fix the config.json or pass `experts` <value>$/);
    const topk = { ...quoted, num_experts: 64, num_experts_per_tok: true };
    expect(() => resolveMoeShape(topk)).toThrow(/: num_experts_per_tok = true is not a number; fix the config.json or pass `topk` <value>$/);
    const width = { ...quoted, num_experts: 64, moe_intermediate_size: '1024' };
    expect(() => resolveMoeShape(width)).toThrow(/: moe_intermediate_size = "1024" is not a number; fix the config.json or pass `intermediate` <value>$/);
    const hidden = { ...quoted, num_experts: 64, hidden_size: '2048' };
    expect(() => resolveMoeShape(hidden)).toThrow(/: hidden_size = "2048" is not a number; fix the config.json$/);
  });

  it('overrides make a config without MoE keys usable', () => {
    const llama = { architectures: ['LlamaForCausalLM'], hidden_size: 4096, intermediate_size: 14336 };
    expect(core(llama, { experts: 8, topk: 2, intermediate: 14336 })).toEqual({ hidden: 4096, experts: 8, topk: 2, intermediate: 14336 });
    expect(resolveMoeShape(llama, { experts: 8, topk: 2, intermediate: 14336 }).sources.experts).toBe('override (`experts`)');
  });

  it('a missing top-k names --topk', () => {
    expect(() => resolveMoeShape({ hidden_size: 1024, num_experts: 8, moe_intermediate_size: 512 })).toThrow(/no top-k key found.*`topk`/);
  });

  it('not an object, or non-positive numbers', () => {
    expect(() => resolveMoeShape([1, 2])).toThrow(InvalidModelConfigError);
    expect(() => resolveMoeShape(null)).toThrow(/expected a JSON object/);
    const bad = { architectures: ['MixtralForCausalLM'], hidden_size: 4096, num_local_experts: -8, num_experts_per_tok: 2, intermediate_size: 14336 };
    expect(() => resolveMoeShape(bad)).toThrow(/num_local_experts = -8 is not a positive integer; fix the config.json or pass `experts` <value>$/);
    expect(() => resolveMoeShape({ ...bad, num_local_experts: 8, num_experts_per_tok: 1.5 })).toThrow(/num_experts_per_tok = 1.5 is not a positive integer; fix the config.json or pass `topk` <value>$/);
    // There is no --hidden flag: the fix is the config.json.
    expect(() => resolveMoeShape({ ...bad, num_local_experts: 8, hidden_size: 0 })).toThrow(/: hidden_size = 0 is not a positive integer; fix the config.json$/);
  });

  it('overrides must be positive integers', () => {
    expect(() => resolveMoeShape(catalog('LiquidAI/LFM2-8B-A1B'), { topk: 0 })).toThrow(InvalidShapeOptionError);
    expect(() => resolveMoeShape(catalog('LiquidAI/LFM2-8B-A1B'), { experts: 1.5 })).toThrow(/`experts`: expected a positive integer/);
  });
});
