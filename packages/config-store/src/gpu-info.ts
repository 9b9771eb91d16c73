import { deviceNameForEngine } from '@moe/engine-facts';

/**
 * What MoE Kit knows about a GPU: vendor, architecture, the shared memory one thread block may
 * use (CUDA's opt-in maximum per block) and how Triton's software pipeliner buffers the kernel's
 * A and B tiles there.
 * H100/H200/H20/H800/GH200 and B100/B200/GB200/B300: 227 KB; A100/A800/A30: 163 KB; Ada, GA10x
 * Ampere and consumer Blackwell (sm_86, sm_89, sm_120, sm_121): 99 KB. AMD GPUs are listed
 * without a limit: their Triton backend stages tiles in LDS by other rules that MoE Kit has not
 * measured, so it neither checks nor prunes them.
 */
export interface GpuInfo {
  vendor: 'nvidia' | 'amd';
  /** e.g. sm_90, gfx942 */
  arch: string;
  /** A short name of the family: hopper, blackwell, ampere, ada, ... */
  family: string;
  /** Bytes of shared memory per block, or null when MoE Kit does not check it. */
  sharedMemoryPerBlock: number | null;
  /**
   * Smallest BLOCK_SIZE_M at which Triton's MMA reads both operands from shared memory
   * (warp-group MMA), so the pipeliner keeps `num_stages` tile buffers instead of
   * `num_stages - 1`; null on GPUs without it. Measured with Triton 3.6 on H200 (sm_90);
   * assumed for sm_100, whose MMA also reads shared memory (see `wgmmaRuleMeasured`).
   */
  wgmmaMinBlockM: number | null;
  /** Whether the buffering rule above was checked against Triton's own numbers on this arch. */
  wgmmaRuleMeasured: boolean;
}

const KB = 1024;
const nvidia = (arch: string, family: string, kb: number, wgmmaMinBlockM: number | null, measured: boolean): GpuInfo =>
  Object.freeze({ vendor: 'nvidia', arch, family, sharedMemoryPerBlock: kb * KB, wgmmaMinBlockM, wgmmaRuleMeasured: measured });
const amd = (arch: string, family: string): GpuInfo =>
  Object.freeze({ vendor: 'amd', arch, family, sharedMemoryPerBlock: null, wgmmaMinBlockM: null, wgmmaRuleMeasured: false });

const HOPPER = nvidia('sm_90', 'hopper', 227, 64, true);
const BLACKWELL_DC = nvidia('sm_100', 'blackwell', 227, 64, false);
// Without wgmma the (num_stages - 1) rule is the only one there is: nothing left to assume.
const AMPERE_DC = nvidia('sm_80', 'ampere', 163, null, true);
const ADA = nvidia('sm_89', 'ada', 99, null, true);
const AMPERE_GA10X = nvidia('sm_86', 'ampere-ga10x', 99, null, true);
const BLACKWELL_CONSUMER = nvidia('sm_120', 'blackwell-consumer', 99, null, true);
const CDNA3 = amd('gfx942', 'cdna3');
const CDNA4 = amd('gfx950', 'cdna4');
const RDNA4 = amd('gfx1201', 'rdna4');
const RDNA35 = amd('gfx1151', 'rdna3.5');
const RDNA3 = amd('gfx1100', 'rdna3');

/** Patterns over the file-name spelling (spaces already replaced by `_`), first match wins. */
const TABLE: [RegExp, GpuInfo][] = [
  [/^NVIDIA_(H100|H200|H800|H20|GH200)(\b|_|-|$)/, HOPPER],
  [/^NVIDIA_(B100|B200|GB200|B300|GB300)(\b|_|-|$)/, BLACKWELL_DC],
  [/^NVIDIA_(A100|A800|A30)(\b|_|-|$)/, AMPERE_DC],
  [/^NVIDIA_((L40S|L40|L20|L4)(_|-|$)|GeForce_RTX_40\d\d|RTX_\d{4}_Ada_Generation)/, ADA],
  [/^NVIDIA_(A10G?|A40|A6000|RTX_A\d{4}|GeForce_RTX_30\d\d)(\b|_|-|$)/, AMPERE_GA10X],
  [/^NVIDIA_(RTX_PRO_\d{4}_Blackwell|GeForce_RTX_50\d\d|GB10)(\b|_|-|$)/, BLACKWELL_CONSUMER],
  [/^AMD_Instinct_MI3(00|08|25)/, CDNA3],
  [/^AMD_Radeon_Graphics$/, CDNA3],
  [/^AMD_Instinct_MI3(50|55)/, CDNA4],
  [/^AMD_Radeon_(R9700|RX9070)/, RDNA4],
  [/^AMD_Radeon_(8060S|890M)/, RDNA35],
  [/^AMD_Radeon_RX7900/, RDNA3],
];

/** Facts about the GPU a file name's device part names, or null when MoE Kit does not know it. */
export function gpuInfo(deviceName: string): GpuInfo | null {
  for (const [re, info] of TABLE) if (re.test(deviceName)) return info;
  return null;
}

/**
 * Facts about a GPU from the name its driver reports ("NVIDIA H100 80GB HBM3", "NVIDIA H200",
 * "AMD Instinct MI300X"), spelled as the engines spell it in file names first; null when MoE Kit
 * does not know the GPU (then nothing is checked or pruned).
 */
export function gpuInfoForDriverName(driverName: string): GpuInfo | null {
  return gpuInfo(deviceNameForEngine('sglang', driverName));
}

/** 'rocm' for AMD device names, else 'cuda' (what the engines' default rules branch on). */
export function platformOf(deviceName: string): 'cuda' | 'rocm' {
  const info = gpuInfo(deviceName);
  if (info) return info.vendor === 'amd' ? 'rocm' : 'cuda';
  return /^(AMD|Radeon)/.test(deviceName) ? 'rocm' : 'cuda';
}
