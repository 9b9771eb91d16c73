import type { TileConfig } from '@moe/engine-facts';

/**
 * The six launch parameters of the fused-MoE GEMM: @moe/engine-facts' `TileConfig`, their one
 * declaration (its key is engine-facts' `tileConfigKey`).
 * @deprecated Use `TileConfig` (from @moe/engine-facts, or re-exported here). Kept as a type
 * alias so code written against earlier @moe/native versions still compiles.
 */
export type GemmConfig = TileConfig;
