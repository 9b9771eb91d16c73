/** Bytes per element of the A (activations) and B (weights) tiles and of the output tile. */
export interface ElementBytes {
  a: number;
  b: number;
  out: number;
}

/**
 * Element sizes per engine dtype string (ENGINES.md): none (bf16/fp16) is 2/2/2; fp8 and int8
 * weights are 1 byte; int4 weights are packed two per byte; the output is 16-bit except float32.
 */
export function elementBytesFor(dtype: string | null | undefined): ElementBytes {
  switch (dtype ?? 'bf16') {
    case 'fp8_w8a8':
    case 'int8_w8a8':
      return { a: 1, b: 1, out: 2 };
    case 'fp8_w8a16':
    case 'int8_w8a16':
      return { a: 2, b: 1, out: 2 };
    case 'int4_w4a16':
      return { a: 2, b: 0.5, out: 2 };
    case 'float32':
      return { a: 4, b: 4, out: 4 };
    default:
      return { a: 2, b: 2, out: 2 };
  }
}
