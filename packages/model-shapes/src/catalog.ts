/**
 * The embedded catalog: minimal Hugging Face config.json objects of popular MoE models, written
 * by hand from the repository's reference/model-facts.json. They go through the same resolver as
 * real files. Entries not checked against the real config.json have `confirmed: false` and list the
 * unconfirmed values in `unconfirmed` (key names or values taken from vendor pages).
 */
export interface CatalogEntry {
  /** The Hugging Face model id. */
  id: string;
  /** Other ids that mean the same config. */
  aliases: string[];
  /** True when every value here was read from the real config.json. */
  confirmed: boolean;
  /** Keys whose name or value is not confirmed (empty when confirmed). */
  unconfirmed: string[];
  /** Where the values come from, and anything to know. */
  note: string;
  config: Record<string, unknown>;
}

const BF16 = 'bfloat16';

/** Qwen3-235B-A22B and its Instruct-2507 release share every value written here. */
const QWEN3_235B_CONFIG = {
  architectures: ['Qwen3MoeForCausalLM'],
  model_type: 'qwen3_moe',
  hidden_size: 4096,
  num_hidden_layers: 94,
  num_experts: 128,
  num_experts_per_tok: 8,
  moe_intermediate_size: 1536,
  intermediate_size: 12288,
  decoder_sparse_step: 1,
  mlp_only_layers: [],
  torch_dtype: BF16,
};

export const MODEL_CATALOG: readonly CatalogEntry[] = [
  {
    id: 'LiquidAI/LFM2-8B-A1B',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'Layers 0-1 are dense (intermediate_size 7168); the 22 MoE layers use moe_intermediate_size.',
    config: {
      architectures: ['Lfm2MoeForCausalLM'],
      model_type: 'lfm2_moe',
      hidden_size: 2048,
      num_hidden_layers: 24,
      num_dense_layers: 2,
      num_experts: 32,
      num_experts_per_tok: 4,
      moe_intermediate_size: 1792,
      intermediate_size: 7168,
      dtype: BF16,
    },
  },
  {
    id: 'LiquidAI/LFM2-24B-A2B',
    aliases: [],
    confirmed: false,
    unconfirmed: ['architectures', 'num_experts', 'num_experts_per_tok', 'moe_intermediate_size', 'dtype'],
    note: 'From the vendor blog: key names assumed from LFM2-8B-A1B (same model_type), dtype and dense width not seen.',
    config: {
      architectures: ['Lfm2MoeForCausalLM'],
      model_type: 'lfm2_moe',
      hidden_size: 2048,
      num_hidden_layers: 40,
      num_dense_layers: 2,
      num_experts: 64,
      num_experts_per_tok: 4,
      moe_intermediate_size: 1536,
    },
  },
  {
    id: 'mistralai/Mixtral-8x7B-v0.1',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'Every layer is MoE: intermediate_size is the expert width.',
    config: {
      architectures: ['MixtralForCausalLM'],
      model_type: 'mixtral',
      hidden_size: 4096,
      num_hidden_layers: 32,
      num_local_experts: 8,
      num_experts_per_tok: 2,
      intermediate_size: 14336,
      torch_dtype: BF16,
    },
  },
  {
    id: 'mistralai/Mixtral-8x22B-v0.1',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'Every layer is MoE: intermediate_size is the expert width.',
    config: {
      architectures: ['MixtralForCausalLM'],
      model_type: 'mixtral',
      hidden_size: 6144,
      num_hidden_layers: 56,
      num_local_experts: 8,
      num_experts_per_tok: 2,
      intermediate_size: 16384,
      torch_dtype: BF16,
    },
  },
  {
    id: 'Qwen/Qwen1.5-MoE-A2.7B',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'One shared expert (shared_expert_intermediate_size 5632); intermediate_size is the unused dense width.',
    config: {
      architectures: ['Qwen2MoeForCausalLM'],
      model_type: 'qwen2_moe',
      hidden_size: 2048,
      num_hidden_layers: 24,
      num_experts: 60,
      num_experts_per_tok: 4,
      moe_intermediate_size: 1408,
      shared_expert_intermediate_size: 5632,
      intermediate_size: 5632,
      decoder_sparse_step: 1,
      mlp_only_layers: [],
      torch_dtype: BF16,
    },
  },
  {
    id: 'Qwen/Qwen2-57B-A14B',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'One shared expert (20480 wide); intermediate_size 18944 is unused.',
    config: {
      architectures: ['Qwen2MoeForCausalLM'],
      model_type: 'qwen2_moe',
      hidden_size: 3584,
      num_hidden_layers: 28,
      num_experts: 64,
      num_experts_per_tok: 8,
      moe_intermediate_size: 2560,
      shared_expert_intermediate_size: 20480,
      intermediate_size: 18944,
      decoder_sparse_step: 1,
      torch_dtype: BF16,
    },
  },
  {
    id: 'Qwen/Qwen3-30B-A3B',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'No shared expert; intermediate_size 6144 is unused.',
    config: {
      architectures: ['Qwen3MoeForCausalLM'],
      model_type: 'qwen3_moe',
      hidden_size: 2048,
      num_hidden_layers: 48,
      num_experts: 128,
      num_experts_per_tok: 8,
      moe_intermediate_size: 768,
      intermediate_size: 6144,
      decoder_sparse_step: 1,
      mlp_only_layers: [],
      torch_dtype: BF16,
    },
  },
  {
    id: 'Qwen/Qwen3-235B-A22B',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'No shared expert; intermediate_size 12288 is unused.',
    config: QWEN3_235B_CONFIG,
  },
  {
    id: 'Qwen/Qwen3-235B-A22B-Instruct-2507',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'Same MoE shape as Qwen3-235B-A22B.',
    config: QWEN3_235B_CONFIG,
  },
  {
    id: 'deepseek-ai/DeepSeek-V2-Lite',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'Two shared experts of the expert width; layer 0 is dense (intermediate_size 10944).',
    config: {
      architectures: ['DeepseekV2ForCausalLM'],
      model_type: 'deepseek_v2',
      hidden_size: 2048,
      num_hidden_layers: 27,
      n_routed_experts: 64,
      n_shared_experts: 2,
      num_experts_per_tok: 6,
      moe_intermediate_size: 1408,
      intermediate_size: 10944,
      first_k_dense_replace: 1,
      moe_layer_freq: 1,
      torch_dtype: BF16,
    },
  },
  {
    id: 'deepseek-ai/DeepSeek-V2',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'Two shared experts of the expert width; layer 0 is dense (intermediate_size 12288).',
    config: {
      architectures: ['DeepseekV2ForCausalLM'],
      model_type: 'deepseek_v2',
      hidden_size: 5120,
      num_hidden_layers: 60,
      n_routed_experts: 160,
      n_shared_experts: 2,
      num_experts_per_tok: 6,
      moe_intermediate_size: 1536,
      intermediate_size: 12288,
      first_k_dense_replace: 1,
      moe_layer_freq: 1,
      torch_dtype: BF16,
    },
  },
  {
    id: 'deepseek-ai/DeepSeek-V3',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'Shipped as block-wise fp8 ([128, 128]); one shared expert, which SGLang fuses (E=257); layers 0-2 are dense.',
    config: {
      architectures: ['DeepseekV3ForCausalLM'],
      model_type: 'deepseek_v3',
      hidden_size: 7168,
      num_hidden_layers: 61,
      n_routed_experts: 256,
      n_shared_experts: 1,
      num_experts_per_tok: 8,
      moe_intermediate_size: 2048,
      intermediate_size: 18432,
      first_k_dense_replace: 3,
      moe_layer_freq: 1,
      torch_dtype: BF16,
      quantization_config: {
        activation_scheme: 'dynamic',
        fmt: 'e4m3',
        quant_method: 'fp8',
        weight_block_size: [128, 128],
      },
    },
  },
  {
    id: 'openai/gpt-oss-20b',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'MXFP4 experts; intermediate_size (2880, equal to hidden) is the expert width; no torch_dtype key.',
    config: {
      architectures: ['GptOssForCausalLM'],
      model_type: 'gpt_oss',
      hidden_size: 2880,
      num_hidden_layers: 24,
      num_local_experts: 32,
      num_experts_per_tok: 4,
      experts_per_token: 4,
      intermediate_size: 2880,
      quantization_config: {
        quant_method: 'mxfp4',
        modules_to_not_convert: ['model.layers.*.self_attn', 'model.layers.*.mlp.router', 'model.embed_tokens', 'lm_head'],
      },
    },
  },
  {
    id: 'openai/gpt-oss-120b',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'Same per-expert shape as gpt-oss-20b with 128 experts; torch dtype not verified (none written here).',
    config: {
      architectures: ['GptOssForCausalLM'],
      model_type: 'gpt_oss',
      hidden_size: 2880,
      num_hidden_layers: 36,
      num_local_experts: 128,
      num_experts_per_tok: 4,
      experts_per_token: 4,
      intermediate_size: 2880,
      quantization_config: {
        quant_method: 'mxfp4',
        modules_to_not_convert: ['model.layers.*.self_attn', 'model.layers.*.mlp.router', 'model.embed_tokens', 'lm_head'],
      },
    },
  },
  {
    id: 'meta-llama/Llama-4-Scout-17B-16E-Instruct',
    aliases: [],
    confirmed: false,
    unconfirmed: ['text_config.num_local_experts', 'text_config.num_experts_per_tok', 'text_config.intermediate_size', 'text_config.intermediate_size_mlp', 'torch_dtype'],
    note: 'Text fields under text_config; one shared expert of the expert width per MoE layer (SGLang does not fuse it); intermediate_size_mlp is the dense width.',
    config: {
      architectures: ['Llama4ForConditionalGeneration'],
      model_type: 'llama4',
      torch_dtype: BF16,
      text_config: {
        model_type: 'llama4_text',
        hidden_size: 5120,
        num_hidden_layers: 48,
        num_local_experts: 16,
        num_experts_per_tok: 1,
        intermediate_size: 8192,
        intermediate_size_mlp: 16384,
        interleave_moe_layer_step: 1,
        torch_dtype: BF16,
      },
    },
  },
  {
    id: 'allenai/OLMoE-1B-7B-0924',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'Every layer is MoE: intermediate_size (1024) is the expert width.',
    config: {
      architectures: ['OlmoeForCausalLM'],
      model_type: 'olmoe',
      hidden_size: 2048,
      num_hidden_layers: 16,
      num_experts: 64,
      num_experts_per_tok: 8,
      intermediate_size: 1024,
      torch_dtype: BF16,
    },
  },
  {
    id: 'ibm-granite/granite-3.0-3b-a800m-instruct',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'Every layer is MoE: intermediate_size (512) is the expert width.',
    config: {
      architectures: ['GraniteMoeForCausalLM'],
      model_type: 'granitemoe',
      hidden_size: 1536,
      num_hidden_layers: 32,
      num_local_experts: 40,
      num_experts_per_tok: 8,
      intermediate_size: 512,
      torch_dtype: BF16,
    },
  },
  {
    id: 'zai-org/GLM-4.5',
    aliases: ['zai-org/GLM-4.7'],
    confirmed: false,
    unconfirmed: ['n_routed_experts', 'n_shared_experts', 'num_experts_per_tok', 'moe_intermediate_size', 'intermediate_size', 'first_k_dense_replace', 'torch_dtype'],
    note: "GLM-4.5's own config.json was not seen (values from a model with the same shape); one shared expert, which SGLang fuses (E=161).",
    config: {
      architectures: ['Glm4MoeForCausalLM'],
      model_type: 'glm4_moe',
      hidden_size: 5120,
      num_hidden_layers: 92,
      n_routed_experts: 160,
      n_shared_experts: 1,
      num_experts_per_tok: 8,
      moe_intermediate_size: 1536,
      intermediate_size: 12288,
      first_k_dense_replace: 3,
      torch_dtype: BF16,
    },
  },
  {
    id: 'inclusionAI/Ling-lite-base',
    aliases: [],
    confirmed: true,
    unconfirmed: [],
    note: 'Two shared experts of the expert width; intermediate_size 5632 is unused (no dense layer).',
    config: {
      architectures: ['BailingMoeForCausalLM'],
      model_type: 'bailing_moe',
      hidden_size: 2048,
      num_hidden_layers: 28,
      num_experts: 64,
      num_shared_experts: 2,
      num_experts_per_tok: 6,
      moe_intermediate_size: 1408,
      intermediate_size: 5632,
      first_k_dense_replace: 0,
      torch_dtype: BF16,
    },
  },
  {
    id: 'MiniMaxAI/MiniMax-M1-40k',
    aliases: [],
    confirmed: false,
    unconfirmed: ['num_local_experts', 'num_experts_per_tok', 'model_type'],
    note: 'Only hidden_size, intermediate_size, the layer pattern and the architecture were seen in the official file; the expert count (32) and top-k (2) are NOT verified.',
    config: {
      architectures: ['MiniMaxText01ForCausalLM'],
      model_type: 'minimax_m1',
      hidden_size: 6144,
      num_hidden_layers: 80,
      num_local_experts: 32,
      num_experts_per_tok: 2,
      intermediate_size: 9216,
      shared_intermediate_size: 0,
    },
  },
  {
    id: 'tencent/Tencent-Hunyuan-Large',
    aliases: ['tencent/Hunyuan-A52B-Pretrain'],
    confirmed: true,
    unconfirmed: [],
    note: 'One shared expert; shared MLP and experts are both intermediate_size wide (use_mixed_mlp_moe).',
    config: {
      architectures: ['HunYuanForCausalLM'],
      model_type: 'hunyuan',
      hidden_size: 6400,
      num_hidden_layers: 64,
      num_experts: 16,
      moe_topk: 1,
      num_shared_expert: 1,
      intermediate_size: 18304,
      use_mixed_mlp_moe: true,
      torch_dtype: BF16,
    },
  },
];

/**
 * The catalog entry for a model id or name: exact id or alias (case-insensitive), else the part
 * after the organisation ('LFM2-8B-A1B') when exactly one entry has it.
 */
export function findCatalogEntry(name: string): CatalogEntry | undefined {
  const wanted = name.trim().toLowerCase();
  const ids = (e: CatalogEntry) => [e.id, ...e.aliases].map((id) => id.toLowerCase());
  const exact = MODEL_CATALOG.find((e) => ids(e).includes(wanted));
  if (exact || wanted.includes('/')) return exact;
  const byName = MODEL_CATALOG.filter((e) => ids(e).some((id) => id.split('/')[1] === wanted));
  return byName.length === 1 ? byName[0] : undefined;
}

/** Catalog ids that contain `name` (case-insensitive), for "did you mean" hints. */
export function suggestCatalogIds(name: string): string[] {
  const wanted = name.trim().toLowerCase().split('/').pop() ?? '';
  if (wanted.length < 3) return [];
  return MODEL_CATALOG.filter((e) => [e.id, ...e.aliases].some((id) => id.toLowerCase().includes(wanted))).map((e) => e.id);
}
