import { bf16ToFloat } from './bf16';
import { fp16ToFloat } from './fp16';
import { fp8e4m3ToFloat } from './fp8-e4m3';
import type { HostTensor } from './random-inputs';

/** Rows and columns of one matrix of a tensor ([R, C] or one expert's of [E, R, C]). */
export function matrixDims(t: HostTensor): { rows: number; cols: number } {
  const d = t.dims;
  return { rows: d[d.length - 2]!, cols: d[d.length - 1]! };
}

/**
 * Row r of matrix e (0 for activations) as the float64 values the kernel means: the stored
 * element times its scale (fp8), or the stored element (bf16/fp16).
 */
export function dequantRow(t: HostTensor, e: number, r: number, out?: Float64Array): Float64Array {
  const { rows, cols } = matrixDims(t);
  const row = out ?? new Float64Array(cols);
  const base = (e * rows + r) * cols;
  switch (t.type) {
    case 'bf16':
    case 'fp16': {
      const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
      const f = t.type === 'bf16' ? bf16ToFloat : fp16ToFloat;
      for (let c = 0; c < cols; c++) row[c] = f(dv.getUint16((base + c) * 2, true));
      return row;
    }
    case 'fp8e4m3': {
      const [rb, cb] = t.scaleBlock!;
      const tilesR = Math.ceil(rows / rb);
      const tilesC = Math.ceil(cols / cb);
      const srow = (e * tilesR + Math.floor(r / rb)) * tilesC;
      for (let c = 0; c < cols; c++) row[c] = fp8e4m3ToFloat(t.bytes[base + c]!) * t.scales![srow + Math.floor(c / cb)]!;
      return row;
    }
    default:
      throw new Error(`dequantRow: ${t.type} is not an operand type`);
  }
}

/** Matrix e as float64 rows (row-major [rows * cols]). */
export function dequantMatrix(t: HostTensor, e: number): Float64Array {
  const { rows, cols } = matrixDims(t);
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) dequantRow(t, e, r, out.subarray(r * cols, (r + 1) * cols));
  return out;
}
