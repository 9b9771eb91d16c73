/**
 * What limits a config on one GPU model before it is compiled: the shared memory one block may
 * opt in to, and how Triton's software pipeliner buffers the A and B tiles there.
 */
export interface GpuLimits {
  /** A short name of the profile ("hopper", "ampere", ...). */
  name: string;
  /** Bytes of shared memory one thread block may use (the opt-in maximum). */
  sharedMemoryBytes: number;
  /**
   * Smallest BLOCK_SIZE_M at which the warp-group MMA (wgmma, Hopper) reads both operands from
   * shared memory, so the pipeliner keeps `num_stages` tile buffers instead of `num_stages - 1`.
   * Infinity on GPUs without it.
   */
  wgmmaMinBlockM: number;
}

/** H100 / H200 / H20 (sm_90): 227 KB opt-in; wgmma for BLOCK_SIZE_M >= 64. */
export const HOPPER: GpuLimits = { name: 'hopper', sharedMemoryBytes: 232_448, wgmmaMinBlockM: 64 };
/** A100 / A800 / A30 (sm_80): 163 KB opt-in; mma.sync only. */
export const AMPERE: GpuLimits = { name: 'ampere', sharedMemoryBytes: 166_912, wgmmaMinBlockM: Infinity };
/** L4 / L40(S) / RTX 40xx / RTX A-series Ada and consumer Ampere (sm_86, sm_89): 99 KB opt-in. */
export const ADA: GpuLimits = { name: 'ada', sharedMemoryBytes: 101_376, wgmmaMinBlockM: Infinity };
/**
 * B200 / GB200 (sm_100): 227 KB opt-in. Its tensor-core MMA also reads operands from shared
 * memory; the Hopper buffering rule is assumed (not yet checked against a recorded table).
 */
export const BLACKWELL: GpuLimits = { name: 'blackwell', sharedMemoryBytes: 232_448, wgmmaMinBlockM: 64 };
/** AMD Instinct MI200/MI300 (gfx90a/gfx942): 64 KB of LDS per workgroup. */
export const CDNA: GpuLimits = { name: 'cdna', sharedMemoryBytes: 65_536, wgmmaMinBlockM: Infinity };

const BY_NAME: [RegExp, GpuLimits][] = [
  [/\b(H100|H200|H800|H20|GH200)\b/i, HOPPER],
  [/\b(B200|GB200|B100|B300|GB300)\b/i, BLACKWELL],
  [/\b(A100|A800|A30)\b/i, AMPERE],
  [/\b(L4|L40S?|L20|RTX|A10G?|A40|A6000|A5000|A4000)\b/i, ADA],
  [/\b(MI2\d\d|MI3\d\dX?|Instinct)\b/i, CDNA],
];

/**
 * The limits of a GPU from its name as the driver reports it ("NVIDIA H200", "NVIDIA H100 80GB
 * HBM3"), or undefined for a GPU this table does not know (then nothing is pruned).
 */
export function gpuLimitsFor(deviceName: string): GpuLimits | undefined {
  for (const [pattern, limits] of BY_NAME) if (pattern.test(deviceName)) return limits;
  return undefined;
}
