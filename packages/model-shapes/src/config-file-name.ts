import { DEVICE_PLACEHOLDER } from './engine-device-name';
import type { Engine, EngineDtype } from './types';

export interface ConfigFileNameParts {
  /** E: experts on the rank. */
  experts: number;
  /** N: the per-rank intermediate size as the engine puts it in the name. */
  n: number;
  /** Engine-normalised device name; null writes the `{device}` placeholder. */
  deviceName: string | null;
  dtype: EngineDtype | null;
  blockShape: [number, number] | null;
  perChannelQuant?: boolean;
  /** SGLang's down-projection file. */
  down?: boolean;
}

/**
 * The fused-MoE config file name an engine looks for:
 * `E={E},N={N},device_name={dev}[,dtype={d}][,block_shape=[bn, bk]][,per_channel_quant=True][_down].json`.
 * SGLang writes the block shape with a space after the comma, vLLM without; a block shape with a
 * zero in it is left out; per_channel_quant and _down exist in SGLang only. (This is the
 * formatting half of the name codec; @moe/config-store owns the full codec, see
 * docs/decisions/0001-file-names-in-model-shapes.md.)
 */
export function configFileName(engine: Engine, parts: ConfigFileNameParts): string {
  let name = `E=${parts.experts},N=${parts.n},device_name=${parts.deviceName ?? DEVICE_PLACEHOLDER}`;
  if (parts.dtype) name += `,dtype=${parts.dtype}`;
  const block = parts.blockShape;
  if (block && block[0] !== 0 && block[1] !== 0) {
    name += engine === 'sglang' ? `,block_shape=[${block[0]}, ${block[1]}]` : `,block_shape=[${block[0]},${block[1]}]`;
  }
  if (engine === 'sglang' && parts.perChannelQuant) name += ',per_channel_quant=True';
  if (engine === 'sglang' && parts.down) name += '_down';
  return `${name}.json`;
}
