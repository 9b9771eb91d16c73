import type { Engine } from './engine';

/**
 * The six launch parameters of the fused-MoE Triton GEMM that every config entry has: what the
 * tuner searches and the kernel is compiled for. The engines' files write them in this order.
 */
export interface TileConfig {
  BLOCK_SIZE_M: number;
  BLOCK_SIZE_N: number;
  BLOCK_SIZE_K: number;
  GROUP_SIZE_M: number;
  num_warps: number;
  num_stages: number;
}

export type TileConfigField = keyof TileConfig;

/** The six fields in the engines' key order. */
export const TILE_CONFIG_FIELDS = [
  'BLOCK_SIZE_M',
  'BLOCK_SIZE_N',
  'BLOCK_SIZE_K',
  'GROUP_SIZE_M',
  'num_warps',
  'num_stages',
] as const satisfies readonly TileConfigField[];

/** A stable string key of the six fields ("64/128/64/1/4/3"), for maps, sets and cache keys. */
export function tileConfigKey(config: TileConfig): string {
  return TILE_CONFIG_FIELDS.map((f) => config[f]).join('/');
}

/** The six fields of `config`, in the engines' order (a fresh object; other fields left out). */
export function tileConfigOf(config: TileConfig): TileConfig {
  return {
    BLOCK_SIZE_M: config.BLOCK_SIZE_M,
    BLOCK_SIZE_N: config.BLOCK_SIZE_N,
    BLOCK_SIZE_K: config.BLOCK_SIZE_K,
    GROUP_SIZE_M: config.GROUP_SIZE_M,
    num_warps: config.num_warps,
    num_stages: config.num_stages,
  };
}

/**
 * One entry of a config file: the six launch parameters plus the optional fields that appear in
 * ROCm files (waves_per_eu, matrix_instr_nonkdim, kpack), some vLLM files (SPLIT_K), SGLang down
 * files (USE_TMA) and a few CUDA files (num_ctas).
 */
export interface KernelConfig extends TileConfig {
  waves_per_eu?: number;
  matrix_instr_nonkdim?: number;
  kpack?: number;
  SPLIT_K?: number;
  USE_TMA?: boolean;
  num_ctas?: number;
}

export type KernelConfigField = keyof KernelConfig;

/** Every field, in the order the engines' tuners write them. */
export const KERNEL_CONFIG_FIELDS: readonly KernelConfigField[] = [
  'BLOCK_SIZE_M',
  'BLOCK_SIZE_N',
  'BLOCK_SIZE_K',
  'GROUP_SIZE_M',
  'SPLIT_K',
  'num_warps',
  'num_ctas',
  'num_stages',
  'waves_per_eu',
  'matrix_instr_nonkdim',
  'kpack',
  'USE_TMA',
];

/** Fields without which the engine fails (it indexes them directly or the kernel needs them). */
export const REQUIRED_FIELDS: readonly KernelConfigField[] = ['BLOCK_SIZE_M', 'BLOCK_SIZE_N', 'BLOCK_SIZE_K', 'GROUP_SIZE_M'];

/** Fields Triton fills with its launch defaults when absent. */
export const LAUNCH_DEFAULT_FIELDS: readonly KernelConfigField[] = ['num_warps', 'num_stages'];

/** Fields each engine passes on to its kernel; anything else makes the launch fail. */
export function engineFields(engine: Engine): readonly KernelConfigField[] {
  return KERNEL_CONFIG_FIELDS.filter((f) => (engine === 'sglang' ? f !== 'SPLIT_K' : f !== 'USE_TMA'));
}

/** Fields only AMD's Triton backend understands. */
export const ROCM_ONLY_FIELDS: readonly KernelConfigField[] = ['waves_per_eu', 'matrix_instr_nonkdim', 'kpack'];

export interface FieldRule {
  kind: 'int' | 'bool';
  min?: number;
  max?: number;
  powerOfTwo?: boolean;
  oneOf?: readonly number[];
}

/** Value rules per field (Triton's constraints: tl.arange and tl.dot need powers of two >= 16). */
export const FIELD_RULES: Record<KernelConfigField, FieldRule> = {
  BLOCK_SIZE_M: { kind: 'int', min: 16, max: 1024, powerOfTwo: true },
  BLOCK_SIZE_N: { kind: 'int', min: 16, max: 1024, powerOfTwo: true },
  BLOCK_SIZE_K: { kind: 'int', min: 16, max: 1024, powerOfTwo: true },
  GROUP_SIZE_M: { kind: 'int', min: 1, max: 4096 },
  SPLIT_K: { kind: 'int', min: 1, max: 64, powerOfTwo: true },
  num_warps: { kind: 'int', min: 1, max: 32, powerOfTwo: true },
  num_ctas: { kind: 'int', min: 1, max: 16, powerOfTwo: true },
  num_stages: { kind: 'int', min: 0, max: 16 },
  waves_per_eu: { kind: 'int', min: 0, max: 16 },
  matrix_instr_nonkdim: { kind: 'int', oneOf: [0, 4, 16, 32] },
  kpack: { kind: 'int', oneOf: [1, 2] },
  USE_TMA: { kind: 'bool' },
};

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** Why `value` is not acceptable for `field`, or null when it is. */
export function checkFieldValue(field: KernelConfigField, value: unknown): string | null {
  const rule = FIELD_RULES[field];
  if (rule.kind === 'bool') return typeof value === 'boolean' ? null : `${field} must be true or false, got ${show(value)}`;
  if (typeof value !== 'number' || !Number.isInteger(value)) return `${field} must be an integer, got ${show(value)}`;
  if (rule.oneOf && !rule.oneOf.includes(value)) return `${field} must be one of ${rule.oneOf.join(', ')}, got ${value}`;
  if (rule.min !== undefined && value < rule.min) return `${field} must be at least ${rule.min}, got ${value}`;
  if (rule.max !== undefined && value > rule.max) return `${field} must be at most ${rule.max}, got ${value}`;
  if (rule.powerOfTwo && !isPowerOfTwo(value)) return `${field} must be a power of two, got ${value}`;
  return null;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Triton's launch defaults for fields a config leaves out (CUDA: 4 warps, 3 stages; ROCm: 4, 2). */
export function tritonLaunchDefaults(platform: 'cuda' | 'rocm'): { num_warps: number; num_stages: number } {
  return { num_warps: 4, num_stages: platform === 'rocm' ? 2 : 3 };
}

/** Puts a config's fields in the tuners' order (unknown keys are not part of KernelConfig). */
export function orderKernelConfig(config: KernelConfig): KernelConfig {
  const out: Record<string, unknown> = {};
  for (const f of KERNEL_CONFIG_FIELDS) if (config[f] !== undefined) out[f] = config[f];
  return out as unknown as KernelConfig;
}

export function sameKernelConfig(a: KernelConfig, b: KernelConfig): boolean {
  return KERNEL_CONFIG_FIELDS.every((f) => a[f] === b[f]);
}
