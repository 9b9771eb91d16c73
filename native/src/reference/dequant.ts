import { bf16ToFloat } from './bf16';
import { fp16ToFloat } from './fp16';
import { fp8e4m3ToFloat } from './fp8-e4m3';
import type { HostTensor } from './random-inputs';

/** Rows and columns of one matrix of a tensor ([R, C] or one expert's of [E, R, C]). */
export function matrixDims(t: HostTensor): { rows: number; cols: number } {
  const d = t.dims;
  return { rows: d[d.length - 2]!, cols: d[d.length - 1]! };
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const decodeTables = new Map<'bf16' | 'fp16' | 'fp8e4m3', Float64Array>();

/** The float64 value of every bit pattern of a 16-bit (65536 entries) or fp8 (256) type, built once. */
function decodeTable(type: 'bf16' | 'fp16' | 'fp8e4m3'): Float64Array {
  let t = decodeTables.get(type);
  if (!t) {
    const f = type === 'bf16' ? bf16ToFloat : type === 'fp16' ? fp16ToFloat : fp8e4m3ToFloat;
    t = new Float64Array(type === 'fp8e4m3' ? 256 : 65536);
    for (let h = 0; h < t.length; h++) t[h] = f(h);
    decodeTables.set(type, t);
  }
  return t;
}

/**
 * Row r of matrix e (0 for activations) as the float64 values the kernel means: the stored
 * element times its scale (fp8), or the stored element (bf16/fp16). Decoded through lookup
 * tables (the references decode every element of each expert matrix they touch: fp8 ~30x,
 * bf16 ~1.5x faster than decoding element by element); 16-bit rows at an odd byte offset or on
 * a big-endian host are read through a DataView.
 */
export function dequantRow(t: HostTensor, e: number, r: number, out?: Float64Array): Float64Array {
  const { rows, cols } = matrixDims(t);
  const row = out ?? new Float64Array(cols);
  const base = (e * rows + r) * cols;
  switch (t.type) {
    case 'bf16':
    case 'fp16': {
      const table = decodeTable(t.type);
      if (LITTLE_ENDIAN && t.bytes.byteOffset % 2 === 0) {
        const u16 = new Uint16Array(t.bytes.buffer, t.bytes.byteOffset + base * 2, cols);
        for (let c = 0; c < cols; c++) row[c] = table[u16[c]!]!;
      } else {
        const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
        for (let c = 0; c < cols; c++) row[c] = table[dv.getUint16((base + c) * 2, true)]!;
      }
      return row;
    }
    case 'fp8e4m3': {
      const table = decodeTable('fp8e4m3');
      const [rb, cb] = t.scaleBlock!;
      const tilesR = Math.ceil(rows / rb);
      const tilesC = Math.ceil(cols / cb);
      const srow = (e * tilesR + Math.floor(r / rb)) * tilesC;
      for (let tc = 0, lo = 0; lo < cols; tc++, lo += cb) {
        const s = t.scales![srow + tc]!;
        const hi = Math.min(cols, lo + cb);
        for (let c = lo; c < hi; c++) row[c] = table[t.bytes[base + c]!]! * s;
      }
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
