import type { DtypeMode } from './moe-problem';

/**
 * Largest accepted relative error ||got - ref|| / ||ref|| per dtype mode. The reference
 * consumes the same quantised operands as the device, so what remains is fp32 accumulation
 * order and the rounding of stored outputs: bf16 keeps 8 significant bits (2^-9 relative
 * rounding), fp16 11 bits. The whole layer in fp8 re-quantises the intermediate activation
 * (3 mantissa bits), where one rounding step of difference costs up to 1/16 of an element.
 */
export const TOLERANCE: Readonly<Record<DtypeMode, { readonly gemm: number; readonly layer: number }>> = {
  bf16: { gemm: 1e-2, layer: 1e-2 },
  fp16: { gemm: 2e-3, layer: 3e-3 },
  fp8_w8a8: { gemm: 1e-2, layer: 3e-2 },
  fp8_w8a8_block: { gemm: 1e-2, layer: 3e-2 },
};

export interface Comparison {
  /** ||got - ref|| / ||ref|| over the finite rows (Infinity when any value is NaN). */
  readonly relError: number;
  readonly maxAbsError: number;
  readonly maxAbsRef: number;
  /** Rows with a NaN or an infinity in `got` (unwritten when the output was poisoned). */
  readonly badRows: readonly number[];
  readonly tolerance: number;
  readonly ok: boolean;
}

/**
 * Compares device rows (decoded to float64, same row order and width as `ref`) with the
 * reference. NaN never passes.
 */
export function compareRows(got: Float64Array, ref: Float64Array, width: number, rowIds: readonly number[], tolerance: number): Comparison {
  if (got.length !== ref.length) throw new Error(`compareRows: ${got.length} values against ${ref.length} reference values`);
  let num = 0;
  let den = 0;
  let maxAbsError = 0;
  let maxAbsRef = 0;
  const badRows: number[] = [];
  for (let r = 0; r < got.length / width; r++) {
    let bad = false;
    for (let c = r * width; c < (r + 1) * width; c++) {
      const g = got[c]!;
      const x = ref[c]!;
      if (!Number.isFinite(g)) {
        bad = true;
        continue;
      }
      const d = g - x;
      num += d * d;
      den += x * x;
      maxAbsError = Math.max(maxAbsError, Math.abs(d));
      maxAbsRef = Math.max(maxAbsRef, Math.abs(x));
    }
    if (bad) badRows.push(rowIds[r] ?? r);
  }
  const relError = badRows.length > 0 ? Infinity : den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
  return { relError, maxAbsError, maxAbsRef, badRows, tolerance, ok: relError <= tolerance };
}

/** Picks rows `rowIds` of a row-major [*, width] array. */
export function selectRows(all: Float64Array, width: number, rowIds: readonly number[]): Float64Array {
  const out = new Float64Array(rowIds.length * width);
  rowIds.forEach((r, i) => out.set(all.subarray(r * width, (r + 1) * width), i * width));
  return out;
}
