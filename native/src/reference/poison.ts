/**
 * The byte outputs are filled with before a kernel runs: 0xff repeated is a NaN in every
 * float type the kernels write (bf16 0xffff, fp16 0xffff, fp32 0xffffffff, fp8 e4m3fn 0xff),
 * so an output element the kernel never wrote decodes as NaN and fails the comparison.
 */
export const POISON_BYTE = 0xff;

/**
 * Rows (of `width` elements) holding a NaN or an infinity, straight from device bytes: after
 * poisoning, these are rows the kernel left unwritten (or wrote garbage to).
 */
export function nonFiniteRows(bytes: Uint8Array, type: 'bf16' | 'fp16' | 'fp32', width: number): number[] {
  const rows: number[] = [];
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  if (type === 'fp32') {
    const v = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >>> 2);
    for (let r = 0; r < v.length / width; r++) {
      for (let i = r * width; i < (r + 1) * width; i++) {
        if ((v[i]! & 0x7f800000) === 0x7f800000) {
          rows.push(r);
          break;
        }
      }
    }
    return rows;
  }
  const exp = type === 'bf16' ? 0x7f80 : 0x7c00;
  const v = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >>> 1);
  for (let r = 0; r < v.length / width; r++) {
    for (let i = r * width; i < (r + 1) * width; i++) {
      if ((v[i]! & exp) === exp) {
        rows.push(r);
        break;
      }
    }
  }
  return rows;
}
