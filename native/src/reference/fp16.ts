import { float32Bits } from './float-bits';

/**
 * IEEE-754 binary16 from float32, rounded to nearest even, with subnormals; values that round
 * past 65504 become infinity; NaN stays a quiet NaN.
 */
export function fp16FromFloat(x: number): number {
  const u = float32Bits(x);
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x0200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal (or zero): k * 2^-24 with k = round(value / 2^-24).
    if (exp === 0) return sign; // float32 subnormals are far below 2^-25
    const m = mant | 0x800000; // value = m * 2^(exp - 150)
    const shift = 126 - exp; // value / 2^-24 = m / 2^shift
    if (shift > 24) return sign;
    let k = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (k & 1) === 1)) k += 1;
    return sign | k;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h += 1;
  return sign | h;
}

export function fp16ToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}
