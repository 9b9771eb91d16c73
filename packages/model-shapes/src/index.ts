// The engine facts (Engine, device names, file names) live in @moe/engine-facts.
export type { Engine } from '@moe/engine-facts';
export { ENGINES } from '@moe/engine-facts';
export type {
  DtypeOption,
  EngineDtype,
  KernelShape,
  KernelShapeOptions,
  LoadModelConfigOptions,
  LoadedModelConfig,
  MoeQuant,
  MoeShape,
  MoeShapeOverrides,
  MoeShapeSources,
} from './types';
export { loadModelConfig, parseModelConfig } from './load-model-config';
export { hubCacheDir, cachedModelFile } from './hf-cache';
export { resolveMoeShape, type ResolveOptions, EXPERT_KEYS, TOPK_KEYS, EXPERT_WIDTH_KEYS, HIDDEN_KEYS, MAX_SHAPE_DIMENSION } from './resolve-moe-shape';
export { kernelShapes, DTYPE_OPTIONS, DEVICE_PLACEHOLDER } from './kernel-shapes';
export { parseQuantization } from './quantization';
export { MOE_FAMILIES, findFamily, type MoeFamily } from './moe-families';
export { MODEL_CATALOG, findCatalogEntry, suggestCatalogIds, type CatalogEntry } from './catalog';
export { ModelNotFoundError } from './errors/model-not-found-error';
export { InvalidModelConfigError } from './errors/invalid-model-config-error';
export { NotMoeModelError } from './errors/not-moe-model-error';
export { UnresolvedMoeFieldError } from './errors/unresolved-moe-field-error';
export { IndivisibleShapeError } from './errors/indivisible-shape-error';
export { InvalidShapeOptionError } from './errors/invalid-shape-option-error';
export { HubUnreachableError } from './errors/hub-unreachable-error';
export { HubAccessDeniedError } from './errors/hub-access-denied-error';
