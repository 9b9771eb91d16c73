// @moe/engine-facts: how SGLang and vLLM name GPUs, dtypes and fused-MoE config files, and the
// kernel config type. Pure functions and types, no dependencies: every MoE Kit package uses them.
export type { Engine } from './engine';
export { ENGINES, isEngine } from './engine';
export { deviceNameForEngine, neverRequestedDevice, VLLM_ROCM_DEVICE_IDS } from './device-name';
export { ENGINE_DTYPES, BLOCK_QUANT_DTYPES, isEngineDtype, nameDtype } from './dtype';
export type { ConfigKey } from './config-key';
export { sameConfigKey } from './config-key';
export type { ParsedFileName, BlockShapeSpelling } from './file-name';
export { parseFileName, formatFileName, keyForEngine, unsafeNameReason } from './file-name';
export type { TileConfig, TileConfigField, KernelConfig, KernelConfigField, FieldRule } from './kernel-config';
export {
  TILE_CONFIG_FIELDS,
  tileConfigKey,
  tileConfigOf,
  KERNEL_CONFIG_FIELDS,
  REQUIRED_FIELDS,
  LAUNCH_DEFAULT_FIELDS,
  ROCM_ONLY_FIELDS,
  FIELD_RULES,
  engineFields,
  checkFieldValue,
  isPowerOfTwo,
  tritonLaunchDefaults,
  orderKernelConfig,
  sameKernelConfig,
} from './kernel-config';
export { ENGINE_GRID_VALUES, engineGrid, tileConfig } from './engine-grid';
export { BadFileNameError } from './errors/bad-file-name-error';
