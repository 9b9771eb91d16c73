import { float32Bits, float32FromBits } from './float-bits';

/**
 * bfloat16: the upper 16 bits of a float32, rounded to nearest even. NaN stays a quiet NaN
 * with its sign; values that round past the largest finite bf16 become infinity.
 */
export function bf16FromFloat(x: number): number {
  const u = float32Bits(x);
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x007fffff) !== 0) {
    return ((u >>> 16) | 0x0040) & 0xffff;
  }
  const lsb = (u >>> 16) & 1;
  return ((u + 0x7fff + lsb) >>> 16) & 0xffff;
}

export function bf16ToFloat(h: number): number {
  return float32FromBits((h & 0xffff) << 16);
}
