/**
 * The known MoE families: every architecture the SGLang and vLLM tuners handle, and the other
 * common ones. A family says where the text model's fields live, which keys it prefers, whether
 * `intermediate_size` is the expert width in it (never for families that keep a dense MLP
 * under that key), how its shared experts are counted, and whether SGLang fuses a shared expert.
 * Architectures not listed here go through the generic alias rules (resolve-moe-shape.ts).
 */
export interface MoeFamily {
  id: string;
  architectures: string[];
  modelTypes: string[];
  /** Where the text model's fields live ('' is the root), tried in order. */
  scopes: string[];
  /** Expert-count keys tried before the generic aliases. */
  experts?: string[];
  /** Top-k keys tried before the generic aliases. */
  topk?: string[];
  /** Hidden-size keys tried before the generic ones (Nemotron-H's experts work in a latent width). */
  hidden?: string[];
  /** True where `intermediate_size` is the width of one expert (after any MoE-specific key). */
  intermediateSizeIsExpertWidth: boolean;
  /**
   * Shared experts: 'generic' reads the shared count/width aliases; 'one-of-expert-width' is one
   * implicit shared expert as wide as a routed one (Llama-4); 'none' has none.
   */
  shared: 'generic' | 'one-of-expert-width' | 'none';
  /**
   * SGLang fuses a shared expert into the routed experts (E + 1 at ep = 1): 'single-shared' when
   * the config has exactly one shared expert as wide as a routed one, 'always' where SGLang adds
   * one whatever the config says, 'never' otherwise.
   */
  sglangFusion: 'never' | 'single-shared' | 'always';
}

const ROOT = [''];

function family(f: Partial<MoeFamily> & Pick<MoeFamily, 'id' | 'architectures' | 'modelTypes'>): MoeFamily {
  return {
    scopes: ROOT,
    intermediateSizeIsExpertWidth: false,
    shared: 'generic',
    sglangFusion: 'never',
    ...f,
  };
}

export const MOE_FAMILIES: readonly MoeFamily[] = [
  // intermediate_size is the expert width: every layer is MoE (or dense layers share that width).
  family({ id: 'mixtral', architectures: ['MixtralForCausalLM'], modelTypes: ['mixtral'], experts: ['num_local_experts'], intermediateSizeIsExpertWidth: true, shared: 'none' }),
  family({ id: 'jamba', architectures: ['JambaForCausalLM'], modelTypes: ['jamba'], experts: ['num_experts'], intermediateSizeIsExpertWidth: true, shared: 'none' }),
  family({ id: 'phimoe', architectures: ['PhiMoEForCausalLM'], modelTypes: ['phimoe'], experts: ['num_local_experts'], intermediateSizeIsExpertWidth: true, shared: 'none' }),
  family({ id: 'olmoe', architectures: ['OlmoeForCausalLM', 'FlexOlmoForCausalLM'], modelTypes: ['olmoe', 'flex_olmo'], experts: ['num_experts'], intermediateSizeIsExpertWidth: true, shared: 'none' }),
  family({ id: 'granitemoe', architectures: ['GraniteMoeForCausalLM', 'GraniteMoeSharedForCausalLM', 'GraniteMoeHybridForCausalLM'], modelTypes: ['granitemoe', 'granitemoeshared', 'granitemoehybrid'], experts: ['num_local_experts'], intermediateSizeIsExpertWidth: true }),
  family({ id: 'gpt-oss', architectures: ['GptOssForCausalLM'], modelTypes: ['gpt_oss'], experts: ['num_local_experts'], topk: ['num_experts_per_tok', 'experts_per_token'], intermediateSizeIsExpertWidth: true, shared: 'none' }),
  family({ id: 'minimax', architectures: ['MiniMaxText01ForCausalLM', 'MiniMaxM1ForCausalLM', 'MiniMaxM2ForCausalLM'], modelTypes: ['minimax', 'minimax_text_01', 'minimax_m1', 'minimax_m2'], experts: ['num_local_experts'], intermediateSizeIsExpertWidth: true }),
  // SGLang's MiniMax-M3 serving fuses its shared expert by default.
  family({ id: 'minimax-m3', architectures: ['MiniMaxM3SparseForConditionalGeneration'], modelTypes: ['minimax_m3'], scopes: ['text_config', ''], experts: ['num_local_experts'], intermediateSizeIsExpertWidth: true, sglangFusion: 'always' }),
  family({ id: 'grok', architectures: ['Grok1ForCausalLM', 'Grok1ModelForCausalLM', 'Grok1AForCausalLM', 'Grok1ImgGen'], modelTypes: ['grok-1', 'grok1'], experts: ['num_local_experts'], intermediateSizeIsExpertWidth: true, shared: 'none' }),
  family({ id: 'hunyuan', architectures: ['HunYuanForCausalLM', 'HunYuanMoEV1ForCausalLM'], modelTypes: ['hunyuan', 'hunyuan_v1_moe'], experts: ['num_experts'], topk: ['moe_topk'], intermediateSizeIsExpertWidth: true }),
  family({ id: 'hunyuan-v3', architectures: ['HYV3ForCausalLM'], modelTypes: ['hy_v3'], experts: ['num_experts'] }),
  family({ id: 'dbrx', architectures: ['DbrxForCausalLM'], modelTypes: ['dbrx'], experts: ['ffn_config.moe_num_experts'], topk: ['ffn_config.moe_top_k'], shared: 'none' }),
  // Llama-4: intermediate_size is the expert (and its one shared expert); intermediate_size_mlp is the dense MLP.
  family({ id: 'llama4', architectures: ['Llama4ForConditionalGeneration', 'Llama4ForCausalLM'], modelTypes: ['llama4', 'llama4_text'], scopes: ['text_config', ''], experts: ['num_local_experts'], intermediateSizeIsExpertWidth: true, shared: 'one-of-expert-width' }),
  // A dense MLP lives under intermediate_size: the expert width must come from a MoE-specific key.
  family({ id: 'qwen2-moe', architectures: ['Qwen2MoeForCausalLM'], modelTypes: ['qwen2_moe'], experts: ['num_experts'] }),
  family({ id: 'qwen3-moe', architectures: ['Qwen3MoeForCausalLM'], modelTypes: ['qwen3_moe'], experts: ['num_experts'] }),
  family({ id: 'qwen3-next', architectures: ['Qwen3NextForCausalLM'], modelTypes: ['qwen3_next'], experts: ['num_experts'] }),
  family({ id: 'qwen3-vl-moe', architectures: ['Qwen3VLMoeForConditionalGeneration'], modelTypes: ['qwen3_vl_moe'], scopes: ['text_config', ''], experts: ['num_experts'] }),
  family({ id: 'qwen3.5-moe', architectures: ['Qwen3_5MoeForConditionalGeneration', 'Qwen3_5MoeForCausalLM'], modelTypes: ['qwen3_5_moe', 'qwen3_5_moe_text'], scopes: ['text_config', ''], experts: ['num_experts'] }),
  family({ id: 'qwen-like', architectures: ['Qwen4ExpForCausalLM', 'Qwen4ExpForConditionalGeneration', 'InternS2PreviewForConditionalGeneration', 'MellumForCausalLM'], modelTypes: [], scopes: ['text_config', ''], experts: ['num_experts'] }),
  family({ id: 'qwen3-omni-moe', architectures: ['Qwen3OmniMoeForConditionalGeneration'], modelTypes: ['qwen3_omni_moe'], scopes: ['thinker_config.text_config', ''], experts: ['num_experts'] }),
  family({ id: 'deepseek', architectures: ['DeepseekForCausalLM'], modelTypes: ['deepseek'], experts: ['n_routed_experts'] }),
  family({ id: 'deepseek-v2', architectures: ['DeepseekV2ForCausalLM', 'DeepseekOCRForCausalLM', 'UnlimitedOCRForCausalLM'], modelTypes: ['deepseek_v2'], scopes: ['', 'language_config'], experts: ['n_routed_experts'] }),
  family({ id: 'deepseek-v3', architectures: ['DeepseekV3ForCausalLM', 'DeepseekV32ForCausalLM'], modelTypes: ['deepseek_v3', 'deepseek_v32', 'kimi_k2'], experts: ['n_routed_experts'], sglangFusion: 'single-shared' }),
  // SGLang keeps DeepSeek-V4's shared expert apart by default.
  family({ id: 'deepseek-v4', architectures: ['DeepseekV4ForCausalLM'], modelTypes: ['deepseek_v4'], experts: ['n_routed_experts'] }),
  family({ id: 'mistral-large-3', architectures: ['MistralLarge3ForCausalLM'], modelTypes: ['mistral_large_3'], experts: ['n_routed_experts'], sglangFusion: 'single-shared' }),
  family({ id: 'kimi-vl', architectures: ['KimiVLForConditionalGeneration', 'KimiK25ForConditionalGeneration'], modelTypes: ['kimi_vl', 'kimi_k25'], scopes: ['text_config', ''], experts: ['n_routed_experts'] }),
  family({ id: 'glm4-moe', architectures: ['Glm4MoeForCausalLM', 'Glm4MoeLiteForCausalLM', 'GlmMoeDsaForCausalLM'], modelTypes: ['glm4_moe', 'glm4_moe_lite', 'glm_moe_dsa'], experts: ['n_routed_experts'], sglangFusion: 'single-shared' }),
  family({ id: 'glm4v-moe', architectures: ['Glm4vMoeForConditionalGeneration'], modelTypes: ['glm4v_moe'], scopes: ['text_config', ''], experts: ['n_routed_experts'] }),
  family({ id: 'dots1', architectures: ['Dots1ForCausalLM'], modelTypes: ['dots1'], experts: ['n_routed_experts'] }),
  family({ id: 'ernie4.5-moe', architectures: ['Ernie4_5_MoeForCausalLM', 'Ernie4_5_VLMoeForConditionalGeneration'], modelTypes: ['ernie4_5_moe', 'ernie4_5_moe_vl'], experts: ['moe_num_experts'], topk: ['moe_k'] }),
  family({ id: 'bailing-moe', architectures: ['BailingMoeForCausalLM', 'BailingMoEForCausalLM', 'BailingMoeV2ForCausalLM', 'BailingMoeV3ForCausalLM'], modelTypes: ['bailing_moe', 'bailing_moe_v2'], experts: ['num_experts'] }),
  family({ id: 'lfm2-moe', architectures: ['Lfm2MoeForCausalLM'], modelTypes: ['lfm2_moe'], experts: ['num_experts'], shared: 'none' }),
  family({ id: 'nemotron-h', architectures: ['NemotronHForCausalLM'], modelTypes: ['nemotron_h'], experts: ['n_routed_experts'], hidden: ['moe_latent_size'] }),
  family({ id: 'gemma4', architectures: ['Gemma4ForConditionalGeneration', 'Gemma4ForCausalLM'], modelTypes: ['gemma4', 'gemma4_text'], scopes: ['text_config', ''], experts: ['num_experts'], topk: ['top_k_experts'] }),
  family({ id: 'step3', architectures: ['Step3VLForConditionalGeneration', 'Step3TextForCausalLM'], modelTypes: ['step3_vl', 'step3_text'], scopes: ['text_config', ''], experts: ['moe_num_experts'], topk: ['moe_top_k'] }),
];

/** The family of a config's architecture (any of `architectures`), else of its model_type. */
export function findFamily(architectures: string[], modelTypes: string[]): MoeFamily | null {
  for (const arch of architectures) {
    const hit = MOE_FAMILIES.find((f) => f.architectures.includes(arch));
    if (hit) return hit;
  }
  for (const type of modelTypes) {
    const hit = MOE_FAMILIES.find((f) => f.modelTypes.includes(type));
    if (hit) return hit;
  }
  return null;
}
