import type { ConfigKey } from './config-key';
import type { Engine } from './engine';
import { deviceNameForEngine } from './device-name';
import { ENGINE_DTYPES, nameDtype } from './dtype';
import { BadFileNameError } from './errors/bad-file-name-error';

/** How a name spelled its block shape: `[128, 128]` (SGLang) or `[128,128]` (vLLM). */
export type BlockShapeSpelling = 'sglang' | 'vllm';

export interface ParsedFileName {
  key: ConfigKey;
  /** null when the name has no block shape. */
  blockShapeSpelling: BlockShapeSpelling | null;
}

const NAME =
  /^E=(\d+),N=(\d+),device_name=([^,]*?)(?:,dtype=([^,]*?))?(?:,block_shape=\[(\d+),( ?)(\d+)\])?(,per_channel_quant=True)?(_down)?\.json$/;

/** Characters that must never be part of a file name we read or write. */
export function unsafeNameReason(name: string): string | null {
  if (name.includes('\0')) return 'contains a NUL character';
  if (name.includes('/')) return "contains '/'";
  if (name.includes('\\')) return "contains '\\'";
  if (name === '.' || name === '..' || name.includes('..')) return "contains '..'";
  if (name.length === 0) return 'is empty';
  if (name.length > 255) return 'is longer than 255 characters';
  return null;
}

/**
 * Reads a config file name in either engine's spelling. Returns null when the name is not a
 * fused-MoE config name at all (no `E=..,N=..,device_name=` form).
 */
export function parseFileName(name: string): ParsedFileName | null {
  if (unsafeNameReason(name)) return null;
  const m = NAME.exec(name);
  if (!m) return null;
  const [, e, n, dev, dtype, bn, space, bk, pcq, down] = m;
  // A dtype "int4_w4a16_down" is really dtype int4_w4a16 of a down file: the regex's lazy dtype
  // and the optional _down group already split it that way.
  const blockShape: [number, number] | null = bn !== undefined && bk !== undefined ? [Number(bn), Number(bk)] : null;
  return {
    key: {
      E: Number(e),
      N: Number(n),
      deviceName: dev ?? '',
      dtype: dtype === undefined ? null : dtype,
      blockShape,
      perChannelQuant: pcq !== undefined,
      down: down !== undefined,
    },
    blockShapeSpelling: blockShape ? (space === ' ' ? 'sglang' : 'vllm') : null,
  };
}

/**
 * The file name `engine` asks for: `E={E},N={N},device_name={dev}[,dtype=..][,block_shape=..]`
 * `[,per_channel_quant=True][_down].json`. The block shape is written only when both numbers
 * are non-zero, with a space for SGLang and without for vLLM.
 */
export function formatFileName(engine: Engine, key: ConfigKey): string {
  if (!Number.isSafeInteger(key.E) || key.E <= 0 || !Number.isSafeInteger(key.N) || key.N <= 0) {
    throw new BadFileNameError(
      `E=${key.E}, N=${key.N} is not a valid shape: both must be positive integers; pass the per-rank expert count and intermediate size`,
    );
  }
  const devProblem = unsafeNameReason(key.deviceName) ?? (/[,\s]/.test(key.deviceName) ? 'contains a comma or space' : null);
  if (devProblem && key.deviceName.length > 0) {
    throw new BadFileNameError(
      `device name ${JSON.stringify(key.deviceName)} ${devProblem}; pass the GPU name as the driver reports it (spaces become _)`,
    );
  }
  if (engine === 'vllm' && (key.perChannelQuant || key.down)) {
    throw new BadFileNameError(
      `vLLM has no ${key.down ? '_down' : 'per_channel_quant'} files: it uses one config for both GEMMs; format this key for sglang or drop the flag`,
    );
  }
  let name = `E=${key.E},N=${key.N},device_name=${key.deviceName}`;
  if (key.dtype) name += `,dtype=${key.dtype}`;
  if (key.blockShape && key.blockShape[0] && key.blockShape[1]) {
    name += engine === 'sglang' ? `,block_shape=[${key.blockShape[0]}, ${key.blockShape[1]}]` : `,block_shape=[${key.blockShape[0]},${key.blockShape[1]}]`;
  }
  if (key.perChannelQuant) name += ',per_channel_quant=True';
  if (key.down) name += '_down';
  return `${name}.json`;
}

/**
 * The key `engine` asks for the configs of `key` (parsed from a name in either spelling): the
 * device name and dtype as `engine` names them. When `engine` never asks for such a file, the
 * reason instead.
 */
export function keyForEngine(engine: Engine, key: ConfigKey): { key: ConfigKey; reason: null } | { key: null; reason: string } {
  const out: ConfigKey = { ...key, deviceName: deviceNameForEngine(engine, key.deviceName), dtype: nameDtype(engine, key.dtype) };
  if (out.deviceName === '') return { key: null, reason: 'the device name is empty; the engine never asks for it' };
  if (engine === 'vllm' && (key.down || key.perChannelQuant)) {
    return { key: null, reason: `vLLM has no ${key.down ? '_down' : 'per_channel_quant'} files (one config drives both GEMMs)` };
  }
  if (engine === 'vllm' && key.dtype === 'int8_w8a8' && !(key.blockShape && key.blockShape[0] && key.blockShape[1])) {
    return { key: null, reason: 'vLLM looks int8_w8a8 models up under the bf16 name (no dtype): installing it there would replace the bf16 configs of this shape' };
  }
  if (out.dtype !== null && !ENGINE_DTYPES[engine].includes(out.dtype)) {
    return { key: null, reason: `${engine === 'sglang' ? 'SGLang' : 'vLLM'} never asks for dtype=${out.dtype}` };
  }
  return { key: out, reason: null };
}
