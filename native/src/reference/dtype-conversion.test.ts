import { describe, expect, it } from 'vitest';
import { bf16FromFloat, bf16ToFloat } from './bf16';
import { fp16FromFloat, fp16ToFloat } from './fp16';
import { fp8e4m3FromFloat, fp8e4m3ToFloat } from './fp8-e4m3';
import { decodeElements, encodeElements, roundToElement } from './element-type';

// Every expected bit pattern below is worked out by hand from the formats' definitions.
describe('bf16', () => {
  it('encodes exact values', () => {
    expect(bf16FromFloat(1)).toBe(0x3f80); // 0x3f800000 >> 16
    expect(bf16FromFloat(-2)).toBe(0xc000);
    expect(bf16FromFloat(0)).toBe(0x0000);
    expect(bf16FromFloat(-0)).toBe(0x8000);
    expect(bf16FromFloat(Infinity)).toBe(0x7f80);
    expect(bf16FromFloat(-Infinity)).toBe(0xff80);
  });
  it('rounds to nearest, ties to even', () => {
    // 0.1f = 0x3dcccccd: low half 0xcccd > 0x8000 rounds up.
    expect(bf16FromFloat(0.1)).toBe(0x3dcd);
    // 1 + 2^-8 = 0x3f808000: a tie, 0x3f80 is even: stays.
    expect(bf16FromFloat(1 + 2 ** -8)).toBe(0x3f80);
    // 1 + 3*2^-8 = 0x3f818000: a tie, 0x3f81 is odd: up to 0x3f82.
    expect(bf16FromFloat(1 + 3 * 2 ** -8)).toBe(0x3f82);
    // 1 + 2^-8 + 2^-20 is just above the tie: up.
    expect(bf16FromFloat(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81);
    // The largest float32 (0x7f7fffff) rounds past the largest bf16: infinity.
    expect(bf16FromFloat(3.4028234663852886e38)).toBe(0x7f80);
  });
  it('keeps NaN a NaN', () => {
    const h = bf16FromFloat(NaN);
    expect(h & 0x7f80).toBe(0x7f80);
    expect(h & 0x007f).not.toBe(0);
    expect(Number.isNaN(bf16ToFloat(h))).toBe(true);
  });
  it('decodes', () => {
    expect(bf16ToFloat(0x3f80)).toBe(1);
    expect(bf16ToFloat(0x3dcd)).toBe(0.10009765625); // 0x3dcd0000 = 1.6015625 * 2^-4
    expect(bf16ToFloat(0xc040)).toBe(-3);
  });
});

describe('fp16', () => {
  it('encodes exact values', () => {
    expect(fp16FromFloat(1)).toBe(0x3c00);
    expect(fp16FromFloat(-2)).toBe(0xc000);
    expect(fp16FromFloat(65504)).toBe(0x7bff);
    expect(fp16FromFloat(2 ** -14)).toBe(0x0400); // smallest normal
    expect(fp16FromFloat(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(fp16FromFloat(-0)).toBe(0x8000);
  });
  it('rounds to nearest, ties to even', () => {
    // 0.1 = 1.6 * 2^-4: exponent 11, mantissa 0.6*1024 = 614.4 -> 614 = 0x266.
    expect(fp16FromFloat(0.1)).toBe(0x2e66);
    // 65520 is half-way between 65504 and 65536 (= infinity): ties to even -> infinity.
    expect(fp16FromFloat(65520)).toBe(0x7c00);
    expect(fp16FromFloat(65519)).toBe(0x7bff);
    // 2^-25 is half of the smallest subnormal: a tie, 0 is even.
    expect(fp16FromFloat(2 ** -25)).toBe(0x0000);
    // 3 * 2^-25 = 1.5 subnormal steps: a tie, rounds to 2 steps.
    expect(fp16FromFloat(3 * 2 ** -25)).toBe(0x0002);
    // 0.75 subnormal steps rounds to 1.
    expect(fp16FromFloat(3 * 2 ** -26)).toBe(0x0001);
    // 1 + 2^-11 is a tie between 0x3c00 (even) and 0x3c01.
    expect(fp16FromFloat(1 + 2 ** -11)).toBe(0x3c00);
    expect(fp16FromFloat(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });
  it('decodes', () => {
    expect(fp16ToFloat(0x3c00)).toBe(1);
    expect(fp16ToFloat(0x7bff)).toBe(65504);
    expect(fp16ToFloat(0x0001)).toBe(2 ** -24);
    expect(fp16ToFloat(0x7c00)).toBe(Infinity);
    expect(Number.isNaN(fp16ToFloat(0x7e00))).toBe(true);
    expect(fp16ToFloat(0x2e66)).toBe(0.0999755859375);
  });
});

describe('fp8 e4m3fn', () => {
  it('encodes exact values', () => {
    expect(fp8e4m3FromFloat(1)).toBe(0x38); // exponent 0+7 = 7 -> 0 0111 000
    expect(fp8e4m3FromFloat(-2)).toBe(0xc0); // 1 1000 000
    expect(fp8e4m3FromFloat(448)).toBe(0x7e); // 1.75 * 2^8 -> 0 1111 110
    expect(fp8e4m3FromFloat(2 ** -6)).toBe(0x08); // smallest normal
    expect(fp8e4m3FromFloat(2 ** -9)).toBe(0x01); // smallest subnormal
    expect(fp8e4m3FromFloat(7 * 2 ** -9)).toBe(0x07); // largest subnormal
    expect(fp8e4m3FromFloat(0)).toBe(0x00);
    expect(fp8e4m3FromFloat(-0)).toBe(0x80);
  });
  it('rounds to nearest, ties to even, and saturates', () => {
    // 0.3 = 1.2 * 2^-2: mantissa 0.2*8 = 1.6 -> 2: 0 0101 010 = 0x2a (0.3125).
    expect(fp8e4m3FromFloat(0.3)).toBe(0x2a);
    // 1.0625 = 1 + 0.5 ulp: tie, 0x38 even -> stays.
    expect(fp8e4m3FromFloat(1.0625)).toBe(0x38);
    // 1.1875 = 1.125 + 0.5 ulp: tie between 0x39 (odd) and 0x3a -> 0x3a.
    expect(fp8e4m3FromFloat(1.1875)).toBe(0x3a);
    // 1.9375 is a tie between 1.875 (0x3f, odd) and 2.0: rounds up into the next binade.
    expect(fp8e4m3FromFloat(1.9375)).toBe(0x40);
    // Half a subnormal step (2^-10) is a tie with 0.
    expect(fp8e4m3FromFloat(2 ** -10)).toBe(0x00);
    expect(fp8e4m3FromFloat(3 * 2 ** -10)).toBe(0x02);
    // Beyond 448 saturates instead of becoming NaN.
    expect(fp8e4m3FromFloat(500)).toBe(0x7e);
    expect(fp8e4m3FromFloat(-1e9)).toBe(0xfe);
    expect(fp8e4m3FromFloat(Infinity)).toBe(0x7e);
    expect(fp8e4m3FromFloat(NaN) & 0x7f).toBe(0x7f);
  });
  it('decodes', () => {
    expect(fp8e4m3ToFloat(0x38)).toBe(1);
    expect(fp8e4m3ToFloat(0x7e)).toBe(448);
    expect(fp8e4m3ToFloat(0x2a)).toBe(0.3125);
    expect(fp8e4m3ToFloat(0x01)).toBe(2 ** -9);
    expect(fp8e4m3ToFloat(0xc0)).toBe(-2);
    expect(Number.isNaN(fp8e4m3ToFloat(0x7f))).toBe(true);
    expect(Number.isNaN(fp8e4m3ToFloat(0xff))).toBe(true);
  });
  it('round-trips every finite code', () => {
    for (let b = 0; b < 256; b++) {
      if ((b & 0x7f) === 0x7f) continue;
      expect(fp8e4m3FromFloat(fp8e4m3ToFloat(b))).toBe(b);
    }
  });
});

describe('encodeElements / decodeElements', () => {
  it('writes little-endian bytes', () => {
    expect([...encodeElements([1, -2], 'bf16')]).toEqual([0x80, 0x3f, 0x00, 0xc0]);
    expect([...encodeElements([1], 'fp16')]).toEqual([0x00, 0x3c]);
    expect([...encodeElements([1, 448], 'fp8e4m3')]).toEqual([0x38, 0x7e]);
    expect([...encodeElements([1], 'fp32')]).toEqual([0x00, 0x00, 0x80, 0x3f]);
    expect([...encodeElements([-1], 'int32')]).toEqual([0xff, 0xff, 0xff, 0xff]);
  });
  it('decodes what it encodes, at any byte offset', () => {
    const enc = encodeElements([0.5, -0.25, 3], 'bf16');
    const shifted = new Uint8Array(enc.length + 1);
    shifted.set(enc, 1);
    expect([...decodeElements(shifted.subarray(1), 'bf16')]).toEqual([0.5, -0.25, 3]);
  });
  it('roundToElement gives the stored value', () => {
    expect(roundToElement(0.1, 'bf16')).toBe(0.10009765625);
    expect(roundToElement(0.3, 'fp8e4m3')).toBe(0.3125);
    expect(roundToElement(0.1, 'fp16')).toBe(0.0999755859375);
  });
});
