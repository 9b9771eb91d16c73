/**
 * What MoE Kit knows about a GPU from the device name in a file name: vendor, architecture and
 * the shared memory one thread block may use (CUDA's opt-in maximum per block).
 * H100/H200/H20/H800/B200/GB200/B300: 227 KB; A100/A800/A30: 163 KB; Ada and consumer
 * Blackwell (sm_89, sm_120, sm_121): 99 KB. AMD GPUs are listed without a limit: their Triton
 * backend pipelines through registers and LDS differently, so MoE Kit does not estimate them.
 */
export interface GpuInfo {
  vendor: 'nvidia' | 'amd';
  /** e.g. sm_90, gfx942 */
  arch: string;
  /** Bytes of shared memory per block, or null when MoE Kit does not check it. */
  sharedMemoryPerBlock: number | null;
}

const KB = 1024;
const HOPPER = { vendor: 'nvidia', arch: 'sm_90', sharedMemoryPerBlock: 227 * KB } as const;
const BLACKWELL_DC = { vendor: 'nvidia', arch: 'sm_100', sharedMemoryPerBlock: 227 * KB } as const;
const AMPERE_DC = { vendor: 'nvidia', arch: 'sm_80', sharedMemoryPerBlock: 163 * KB } as const;
const ADA = { vendor: 'nvidia', arch: 'sm_89', sharedMemoryPerBlock: 99 * KB } as const;
const AMPERE_GA10X = { vendor: 'nvidia', arch: 'sm_86', sharedMemoryPerBlock: 99 * KB } as const;
const BLACKWELL_CONSUMER = { vendor: 'nvidia', arch: 'sm_120', sharedMemoryPerBlock: 99 * KB } as const;
const CDNA3 = { vendor: 'amd', arch: 'gfx942', sharedMemoryPerBlock: null } as const;
const CDNA4 = { vendor: 'amd', arch: 'gfx950', sharedMemoryPerBlock: null } as const;
const RDNA4 = { vendor: 'amd', arch: 'gfx1201', sharedMemoryPerBlock: null } as const;
const RDNA35 = { vendor: 'amd', arch: 'gfx1151', sharedMemoryPerBlock: null } as const;
const RDNA3 = { vendor: 'amd', arch: 'gfx1100', sharedMemoryPerBlock: null } as const;

/** Patterns over the file-name spelling (spaces already replaced by `_`), first match wins. */
const TABLE: [RegExp, GpuInfo][] = [
  [/^NVIDIA_(H100|H200|H800|H20|GH200)(\b|_|-|$)/, HOPPER],
  [/^NVIDIA_(B200|GB200|B300|GB300)(\b|_|-|$)/, BLACKWELL_DC],
  [/^NVIDIA_(A100|A800|A30)(\b|_|-|$)/, AMPERE_DC],
  [/^NVIDIA_((L40S|L40|L20|L4)(_|-|$)|GeForce_RTX_40\d\d|RTX_\d{4}_Ada_Generation)/, ADA],
  [/^NVIDIA_(A10|A40|A6000|RTX_A\d{4}|GeForce_RTX_30\d\d)(\b|_|-|$)/, AMPERE_GA10X],
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

/** 'rocm' for AMD device names, else 'cuda' (what the engines' default rules branch on). */
export function platformOf(deviceName: string): 'cuda' | 'rocm' {
  const info = gpuInfo(deviceName);
  if (info) return info.vendor === 'amd' ? 'rocm' : 'cuda';
  return /^(AMD|Radeon)/.test(deviceName) ? 'rocm' : 'cuda';
}
