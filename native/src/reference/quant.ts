import { FP8_E4M3_MAX, fp8e4m3FromFloat, fp8e4m3ToFloat } from './fp8-e4m3';

/**
 * fp8 w8a8 quantisation semantics, as the kernels apply them: a stored value x is
 * fp8(x / scale), its meaning is code * scale, and scales are float32 (scale = amax / 448).
 *
 * - per-tensor: one activation scale for all of A; one weight scale per expert.
 * - block [bn, bk]: activation scales per token and per group of bk along K ([M, ceil(K/bk)]);
 *   weight scales per expert and per [bn, bk] tile ([E, ceil(Nout/bn), ceil(K/bk)]).
 */
export function scaleForAmax(amax: number): number {
  return Math.fround(Math.max(amax, 1e-12) / FP8_E4M3_MAX);
}

export function quantizeFp8(x: number, scale: number): number {
  return fp8e4m3FromFloat(x / scale);
}

export function dequantizeFp8(code: number, scale: number): number {
  return fp8e4m3ToFloat(code) * scale;
}

/** Per-token-group quantisation of rows [rows, cols] (groups of `group` along cols). */
export function quantizeTokenGroups(
  values: Float64Array,
  rows: number,
  cols: number,
  group: number,
): { codes: Uint8Array; scales: Float32Array } {
  const groups = Math.ceil(cols / group);
  const codes = new Uint8Array(rows * cols);
  const scales = new Float32Array(rows * groups);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      const lo = g * group;
      const hi = Math.min(cols, lo + group);
      let amax = 0;
      for (let c = lo; c < hi; c++) amax = Math.max(amax, Math.abs(values[r * cols + c]!));
      const s = scaleForAmax(amax);
      scales[r * groups + g] = s;
      for (let c = lo; c < hi; c++) codes[r * cols + c] = quantizeFp8(values[r * cols + c]!, s);
    }
  }
  return { codes, scales };
}

/** Per-tensor quantisation with a dynamic scale (amax of all values). */
export function quantizePerTensor(values: Float64Array): { codes: Uint8Array; scale: number } {
  let amax = 0;
  for (const v of values) amax = Math.max(amax, Math.abs(v));
  const scale = scaleForAmax(amax);
  const codes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) codes[i] = quantizeFp8(values[i]!, scale);
  return { codes, scale };
}
