import type { Engine } from './engine';

/**
 * vLLM on ROCm names a GPU from its PCI device id through a small table (vLLM main, May 2026);
 * other ids fall back to the marketing name amdsmi reports.
 */
export const VLLM_ROCM_DEVICE_IDS: Readonly<Record<string, string>> = {
  '0x74a0': 'AMD_Instinct_MI300A',
  '0x74a1': 'AMD_Instinct_MI300X',
  '0x74b5': 'AMD_Instinct_MI300X',
  '0x74a2': 'AMD_Instinct_MI308X',
  '0x74a5': 'AMD_Instinct_MI325X',
  '0x74b9': 'AMD_Instinct_MI325X',
  '0x74a9': 'AMD_Instinct_MI300X_HF',
  '0x74bd': 'AMD_Instinct_MI300X_HF',
  '0x744c': 'AMD_Radeon_RX7900XTX',
  '0x150e': 'AMD_Radeon_890M',
  '0x1586': 'AMD_Radeon_8060S',
  '0x7550': 'AMD_Radeon_RX9070XT',
  '0x7551': 'AMD_Radeon_R9700',
};

/** Marketing names whose GPU vLLM names through the id table instead (so it never asks for them). */
const VLLM_MARKET_NAME_ALIASES: Readonly<Record<string, string>> = {
  Radeon_8060S_Graphics: 'AMD_Radeon_8060S',
  'AMD_Radeon_8060S_Graphics': 'AMD_Radeon_8060S',
  Radeon_890M_Graphics: 'AMD_Radeon_890M',
  'AMD_Radeon_890M_Graphics': 'AMD_Radeon_890M',
};

/**
 * The device part of a file name as `engine` spells it, from the name the driver reports
 * ("NVIDIA H100 80GB HBM3") or from a file-name spelling. Both engines replace spaces with `_`;
 * vLLM maps every name with an `H200` word to `NVIDIA_H200`, and on ROCm maps PCI device ids
 * ("0x74a1") through its table.
 */
export function deviceNameForEngine(engine: Engine, name: string): string {
  let out = name.trim().replace(/ /g, '_');
  if (engine === 'vllm') {
    const id = out.toLowerCase();
    if (/^0x[0-9a-f]{4}$/.test(id) && VLLM_ROCM_DEVICE_IDS[id]) return VLLM_ROCM_DEVICE_IDS[id] as string;
    if (out.split('_').includes('H200')) out = 'NVIDIA_H200';
  }
  return out;
}

/**
 * For a device part found in a file name: the spelling the engine uses instead when it never
 * asks for this one (e.g. vLLM asks for `NVIDIA_H200`, never `NVIDIA_H200_NVL`), else null.
 */
export function neverRequestedDevice(engine: Engine, deviceName: string): string | null {
  if (deviceName.includes(' ')) return deviceName.replace(/ /g, '_');
  if (engine !== 'vllm') return null;
  const alias = VLLM_MARKET_NAME_ALIASES[deviceName];
  if (alias) return alias;
  const normal = deviceNameForEngine('vllm', deviceName);
  return normal !== deviceName ? normal : null;
}
