import type { Engine } from './engine';

/**
 * The dtype part of file names each engine can ask for. bf16 and fp16 have none: they share the
 * file without `,dtype=`. `int8_w8a8` is SGLang only; `fp8_w8a16` is vLLM only.
 */
export const ENGINE_DTYPES: Readonly<Record<Engine, readonly string[]>> = {
  sglang: ['fp8_w8a8', 'int8_w8a8', 'int8_w8a16', 'int4_w4a16', 'float32'],
  vllm: ['fp8_w8a8', 'int8_w8a16', 'int4_w4a16', 'fp8_w8a16', 'float32'],
};

/** Dtypes that come with a `[block_n, block_k]` block quantization in the name. */
export const BLOCK_QUANT_DTYPES: readonly string[] = ['fp8_w8a8', 'int8_w8a8'];

export function isEngineDtype(engine: Engine, dtype: string | null): boolean {
  return dtype === null || ENGINE_DTYPES[engine].includes(dtype);
}

/**
 * The dtype part `engine` writes in the name of a file for this kernel dtype. vLLM has no
 * int8_w8a8 string: it looks int8_w8a8 models up under the name without a dtype (the bf16 name,
 * or the bf16 name with the block shape when block-quantized).
 */
export function nameDtype(engine: Engine, dtype: string | null): string | null {
  return engine === 'vllm' && dtype === 'int8_w8a8' ? null : dtype;
}
