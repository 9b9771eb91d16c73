import type { Engine } from './types';

/**
 * The device name as an engine writes it into config file names, from the name the GPU reports.
 * Both engines replace spaces with underscores ('NVIDIA H100 80GB HBM3' -> 'NVIDIA_H100_80GB_HBM3').
 * vLLM also folds every name with an `H200` word into one ('NVIDIA H200 NVL' -> 'NVIDIA_H200'; a
 * GH200 keeps its own name), SGLang does not.
 */
export function engineDeviceName(engine: Engine, rawName: string): string {
  const name = rawName.trim().replace(/ /g, '_');
  if (engine === 'vllm' && name.split('_').includes('H200')) return 'NVIDIA_H200';
  return name;
}

/** What names carry in place of the device when none is known. */
export const DEVICE_PLACEHOLDER = '{device}';
