import { ENGINES, deviceNameForEngine, formatFileName, type ConfigKey, type Engine } from '@moe/engine-facts';
import { z } from 'zod';
import { IndivisibleShapeError } from './errors/indivisible-shape-error';
import { InvalidShapeOptionError } from './errors/invalid-shape-option-error';
import type { DtypeOption, EngineDtype, KernelShape, KernelShapeOptions, MoeShape } from './types';

/** What names carry in place of the device when none is known. */
export const DEVICE_PLACEHOLDER = '{device}';

export const DTYPE_OPTIONS: readonly DtypeOption[] = ['auto', 'bf16', 'fp16', 'fp8_w8a8', 'int8_w8a8', 'int8_w8a16', 'int4_w4a16'];

const optionsSchema = z.object({
  tp: z.number().int().positive(),
  ep: z.number().int().positive().optional(),
  engine: z.string(),
  dtype: z.string().optional(),
  deviceName: z.string().nullable().optional(),
});

/** The tp values (powers of two up to 64, multiples of ep) that split `intermediate` evenly. */
function validTps(intermediate: number, ep: number, blockK: number | null): number[] {
  const out: number[] = [];
  for (let tp = 1; tp <= 64; tp *= 2) {
    if (tp % ep !== 0) continue;
    const shard = intermediate / (tp / ep);
    if (!Number.isInteger(shard)) continue;
    if (blockK && shard % blockK !== 0) continue;
    out.push(tp);
  }
  return out;
}

function engineDtype(shape: MoeShape, option: DtypeOption): EngineDtype | null {
  if (option === 'auto') return shape.quant?.kernelDtype ?? null;
  if (option === 'bf16' || option === 'fp16') return null;
  return option;
}

/**
 * The kernel shape one rank runs for `shape` under (tp, ep) in `engine`, and the file names that
 * engine looks for:
 * - E = experts / ep, plus one where SGLang fuses the shared expert (its DeepSeek-V3/V3.2,
 *   Kimi-K2, GLM-4.x MoE and Mistral-Large-3 paths, and only without expert parallelism);
 *   vLLM never adds one;
 * - N = I / (tp / ep); for packed int4_w4a16 SGLang halves it once more (it names the file by
 *   w2's packed width), while vLLM doubles that width back, so its N stays I / (tp / ep);
 * - dtype: `auto` takes the quantization_config's kernel dtype (fp8 -> fp8_w8a8 and its block
 *   shape; none -> null). vLLM has no int8_w8a8 name: it looks up the unquantised file.
 */
export function kernelShapes(shape: MoeShape, options: KernelShapeOptions): KernelShape {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? 'option');
    // In our words, not the schema library's ("Too big: expected int to be <=9007199254740991").
    throw new InvalidShapeOptionError(`\`${key}\`: expected a positive integer; pass e.g. \`${key}\` ${key === 'ep' ? '1' : '1,2,4,8'}`);
  }
  const { tp } = parsed.data;
  const ep = parsed.data.ep ?? 1;
  const engine = parsed.data.engine as Engine;
  if (!ENGINES.includes(engine)) {
    throw new InvalidShapeOptionError(`\`engine\` ${parsed.data.engine}: unknown engine; pass one of ${ENGINES.join(', ')}`);
  }
  const dtypeOption = (parsed.data.dtype ?? 'auto') as DtypeOption;
  if (!DTYPE_OPTIONS.includes(dtypeOption)) {
    throw new InvalidShapeOptionError(`\`dtype\` ${parsed.data.dtype}: unknown dtype; pass one of ${DTYPE_OPTIONS.join(', ')}`);
  }
  if (tp % ep !== 0) {
    throw new InvalidShapeOptionError(`\`ep\` ${ep} with \`tp\` ${tp}: ep must divide tp (the experts are split over ep ranks inside the tp group); pass an ep that divides ${tp}`);
  }
  const notes: string[] = [];
  if (shape.experts % ep !== 0) {
    const valid = [1, 2, 4, 8, 16, 32, 64].filter((e) => shape.experts % e === 0);
    throw new IndivisibleShapeError(
      `${shape.label}: ep ${ep} does not divide its ${shape.experts} routed experts; pass \`ep\` one of ${valid.join(', ')}`,
    );
  }

  let dtype = engineDtype(shape, dtypeOption);
  const fromModel = shape.quant && shape.quant.kernelDtype === dtype;
  let blockShape: [number, number] | null = dtype && fromModel && shape.quant?.blockShape ? shape.quant.blockShape : null;
  if (dtype === 'int4_w4a16') blockShape = null; // its [0, group] shape never appears in names
  const perChannelQuant = engine === 'sglang' && !!(fromModel && shape.quant?.perChannel) && (dtype === 'fp8_w8a8' || dtype === 'int8_w8a8');
  if (engine === 'vllm' && dtype === 'int8_w8a8') {
    notes.push('vLLM names no int8_w8a8 files: it looks up the unquantised name for int8_w8a8 models');
    dtype = null;
  }

  const split = tp / ep;
  const shard = shape.intermediate / split;
  const blockK = blockShape ? blockShape[1] : null;
  if (!Number.isInteger(shard) || (blockK !== null && shard % blockK !== 0)) {
    const why = !Number.isInteger(shard)
      ? `its expert width ${shape.intermediate} does not split over tp/ep = ${split}`
      : `the per-rank width ${shard} is not a multiple of the ${blockK}-wide quantization block`;
    const valid = validTps(shape.intermediate, ep, blockK);
    throw new IndivisibleShapeError(
      `${shape.label}: tp ${tp}${ep > 1 ? ` with ep ${ep}` : ''}: ${why}; valid tp values: ${valid.length > 0 ? valid.join(', ') : 'none'}`,
    );
  }

  const fused = engine === 'sglang' && shape.sglangFusesSharedExpert && ep === 1;
  if (engine === 'sglang' && shape.sglangFusesSharedExpert && ep > 1) {
    notes.push('SGLang turns shared-expert fusion off under expert parallelism (on NVIDIA GPUs): E has no fused expert');
  }
  const localExperts = shape.experts / ep + (fused ? 1 : 0);
  let fileN = shard;
  if (dtype === 'int4_w4a16') {
    if (shard % 2 !== 0) {
      throw new IndivisibleShapeError(`${shape.label}: tp ${tp}: int4_w4a16 packs two values per byte but the per-rank width ${shard} is odd; pick a smaller tp`);
    }
    // Both engines key the file on the packed w2 width (shard / 2); vLLM doubles it back first.
    if (engine === 'sglang') {
      fileN = shard / 2;
      notes.push('int4_w4a16 packs two weights per byte: SGLang names the file by the packed width, half the per-rank expert width');
    }
  }
  const deviceName = options.deviceName ? deviceNameForEngine(engine, options.deviceName) : null;
  // perChannelQuant is false for vLLM (set above), which has no such files.
  const key: ConfigKey = { E: localExperts, N: fileN, deviceName: deviceName ?? DEVICE_PLACEHOLDER, dtype, blockShape, perChannelQuant, down: false };
  return {
    engine,
    tp,
    ep,
    architecture: shape.architecture,
    hidden: shape.hidden,
    experts: shape.experts,
    topk: shape.topk,
    intermediate: shape.intermediate,
    localExperts,
    shardIntermediate: shard,
    fileN,
    fusedSharedExpert: fused,
    dtype,
    blockShape,
    perChannelQuant,
    deviceName,
    configFile: formatFileName(engine, key),
    downConfigFile: engine === 'sglang' ? formatFileName(engine, { ...key, down: true }) : null,
    notes,
  };
}
