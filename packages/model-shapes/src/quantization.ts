import { isObject, type ConfigObject } from './config-fields';
import type { EngineDtype, MoeQuant } from './types';

function blockPair(value: unknown): [number, number] | undefined {
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    return [value[0] as number, value[1] as number];
  }
  return undefined;
}

function bits(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** compressed-tensors: the first config group's weight/activation schemes -> kernel dtype. */
function compressedTensors(qc: ConfigObject): Omit<MoeQuant, 'method'> {
  const groups = isObject(qc.config_groups) ? Object.values(qc.config_groups).filter(isObject) : [];
  const group = groups[0];
  const weights = group && isObject(group.weights) ? group.weights : undefined;
  if (!weights) return { kernelDtype: null };
  const acts = group && isObject(group.input_activations) ? group.input_activations : undefined;
  const wBits = bits(weights.num_bits);
  const wType = weights.type;
  const aBits = acts ? bits(acts.num_bits) : undefined;
  let kernelDtype: EngineDtype | null = null;
  if (wBits === 8 && wType === 'float' && aBits === 8) kernelDtype = 'fp8_w8a8';
  else if (wBits === 8 && wType === 'int' && aBits === 8) kernelDtype = 'int8_w8a8';
  else if (wBits === 8 && wType === 'int' && aBits === undefined) kernelDtype = 'int8_w8a16';
  else if (wBits === 4 && wType === 'int' && aBits === undefined) kernelDtype = 'int4_w4a16';
  const result: Omit<MoeQuant, 'method'> = { kernelDtype };
  if (weights.strategy === 'channel') result.perChannel = true;
  if (weights.strategy === 'block') {
    const block = blockPair(weights.block_structure);
    if (block) result.blockShape = block;
  }
  if (acts && typeof acts.dynamic === 'boolean') result.activationScheme = acts.dynamic ? 'dynamic' : 'static';
  return result;
}

/**
 * What a quantization_config means for the fused-MoE kernel: the dtype string the engines run it
 * with (fp8 -> fp8_w8a8 with the weight block shape; SGLang's blockwise_int8 -> int8_w8a8 with
 * its block shape; int8/int4 weight-only -> int8_w8a16 /
 * int4_w4a16; ...), or kernelDtype null for methods that do not run the Triton fused-MoE kernel
 * with a tuned config (mxfp4, nvfp4, bitsandbytes, ...). Returns null when there is no
 * quantization_config.
 */
export function parseQuantization(qc: unknown): MoeQuant | null {
  if (!isObject(qc)) return null;
  const method = typeof qc.quant_method === 'string' ? qc.quant_method : 'unknown';
  const quant: MoeQuant = { method, kernelDtype: null };
  if (typeof qc.activation_scheme === 'string') quant.activationScheme = qc.activation_scheme;
  switch (method) {
    case 'fp8': {
      quant.kernelDtype = 'fp8_w8a8';
      const block = blockPair(qc.weight_block_size);
      if (block) quant.blockShape = block;
      break;
    }
    case 'fbgemm_fp8':
    case 'w8a8_fp8':
      quant.kernelDtype = 'fp8_w8a8';
      quant.perChannel = true;
      break;
    case 'blockwise_int8': {
      quant.kernelDtype = 'int8_w8a8';
      const block = blockPair(qc.weight_block_size);
      if (block) quant.blockShape = block;
      break;
    }
    case 'w8a8_int8':
      quant.kernelDtype = 'int8_w8a8';
      quant.perChannel = true;
      break;
    case 'experts_int8':
      quant.kernelDtype = 'int8_w8a16';
      break;
    case 'awq':
    case 'awq_marlin':
    case 'gptq':
    case 'gptq_marlin':
    case 'moe_wna16': {
      const b = bits(qc.bits) ?? bits(qc.w_bit);
      quant.kernelDtype = b === 4 ? 'int4_w4a16' : b === 8 ? 'int8_w8a16' : null;
      break;
    }
    case 'compressed-tensors':
      Object.assign(quant, compressedTensors(qc));
      break;
    default:
      break;
  }
  return quant;
}
