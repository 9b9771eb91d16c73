/** Bytes per element of the A (activations) and B (weights) tiles and of the output tile. */
export interface ElementBytes {
  a: number;
  b: number;
  out: number;
}

const SIXTEEN_BIT: ElementBytes = Object.freeze({ a: 2, b: 2, out: 2 });

/**
 * Element sizes per dtype part of a file name (the engines' dtype strings, ENGINES.md): none
 * (bf16/fp16) is 2/2/2; fp8 and int8 operands are 1 byte; int4 weights are packed two per byte;
 * the output is 16-bit except float32. Two spellings no engine asks for today are known too:
 * `bf16` (a 16-bit file with a needless dtype part) and `float8`, vLLM's 2024 name for what is
 * now `fp8_w8a8` (fp8 weights and fp8 activations). Null for any other string: its sizes are
 * unknown, so nothing is estimated.
 */
export function elementBytes(dtype: string | null | undefined): ElementBytes | null {
  switch (dtype ?? null) {
    case null:
    case 'bf16':
    case 'fp16':
      return SIXTEEN_BIT;
    case 'float32':
      return { a: 4, b: 4, out: 4 };
    case 'fp8_w8a8':
    case 'int8_w8a8':
    case 'float8':
      return { a: 1, b: 1, out: 2 };
    case 'int8_w8a16':
    case 'fp8_w8a16':
      return { a: 2, b: 1, out: 2 };
    case 'int4_w4a16':
      return { a: 2, b: 0.5, out: 2 };
    default:
      return null;
  }
}
