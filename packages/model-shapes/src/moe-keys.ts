/** Where a text model's fields may live in configs of architectures we have never seen. */
export const GENERIC_SCOPES = ['', 'text_config', 'thinker_config.text_config', 'language_config', 'llm_config'];
/** Nested configs whose architectures and model_type name the model too. */
export const NESTED_ROOTS = ['text_config', 'thinker_config.text_config', 'language_config', 'llm_config'];
export const EXPERT_KEYS = ['num_local_experts', 'num_experts', 'n_routed_experts', 'moe_num_experts', 'ffn_config.moe_num_experts'];
export const TOPK_KEYS = ['num_experts_per_tok', 'moe_top_k', 'moe_k', 'moe_topk', 'top_k_experts', 'ffn_config.moe_top_k', 'experts_per_token'];
/** Keys that can only mean the width of one expert. */
export const EXPERT_WIDTH_KEYS = ['moe_intermediate_size', 'ffn_config.ffn_hidden_size', 'expert_hidden_dim'];
export const HIDDEN_KEYS = ['hidden_size', 'd_model', 'n_embd'];
export const SHARED_COUNT_KEYS = ['n_shared_experts', 'num_shared_experts', 'num_shared_expert', 'moe_num_shared_experts'];
export const SHARED_WIDTH_KEYS = ['shared_expert_intermediate_size', 'moe_shared_expert_intermediate_size', 'shared_intermediate_size', 'share_expert_dim'];
export const DTYPE_KEYS = ['torch_dtype', 'dtype'];
export const QUANT_KEYS = ['quantization_config', 'compression_config'];

/**
 * The largest expert count, top-k or width taken from a config.json or an override: no model
 * comes near it, and every shape derived from it (2 x width, file names, lookups) stays exact.
 */
export const MAX_SHAPE_DIMENSION = 2 ** 31 - 1;
