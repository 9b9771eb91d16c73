import { float32Bits, roundHalfEven } from './float-bits';

/** The largest finite float8 e4m3fn value. */
export const FP8_E4M3_MAX = 448;

/**
 * float8 e4m3fn (the OCP "FN" variant CUDA and Triton use on NVIDIA: 4 exponent bits, bias 7,
 * 3 mantissa bits, no infinities, 0x7f/0xff are NaN) from float32, rounded to nearest even.
 * Saturating: anything beyond +-448 (infinities included) becomes +-448, as quantisation
 * with a scale expects. NaN stays NaN (0x7f with the sign).
 */
export function fp8e4m3FromFloat(x: number): number {
  const u = float32Bits(x);
  const sign = (u >>> 24) & 0x80;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff && mant !== 0) return sign | 0x7f;
  const a = Math.abs(Math.fround(x));
  if (a >= FP8_E4M3_MAX) return sign | 0x7e;
  if (a < 2 ** -6) {
    // Subnormal: k * 2^-9, k in 0..8 (k = 8 is the smallest normal, code 0x08).
    return sign | roundHalfEven(a / 2 ** -9);
  }
  const e = exp - 127 + 7; // 1..15
  let code = (e << 3) | (mant >>> 20);
  const rem = mant & 0xfffff;
  if (rem > 0x80000 || (rem === 0x80000 && (code & 1) === 1)) code += 1;
  if (code > 0x7e) code = 0x7e;
  return sign | code;
}

export function fp8e4m3ToFloat(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const e = (b >>> 3) & 0xf;
  const m = b & 0x7;
  if (e === 15 && m === 7) return NaN;
  if (e === 0) return sign * m * 2 ** -9;
  return sign * (1 + m / 8) * 2 ** (e - 7);
}
