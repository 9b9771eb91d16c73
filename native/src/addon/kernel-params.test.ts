import { describe, expect, it } from 'vitest';
import { NativeArgumentError } from './errors/native-argument-error';
import { PARAM_SLOT_BYTES, packKernelParams, toDim3 } from './kernel-params';
import { tritonScratchBytes } from './triton-scratch';

const hex = (u8: Uint8Array) => Buffer.from(u8).toString('hex');

describe('packKernelParams', () => {
  it('writes each parameter little-endian at the start of its own 8-byte slot', () => {
    const buffer = { ptr: 0x7f0012345600n, bytes: 64, freed: false };
    const packed = packKernelParams('p', [
      { type: 'ptr', value: buffer as never },
      { type: 'ptr', value: null },
      { type: 'i32', value: -2 },
      { type: 'u32', value: 0xdeadbeef },
      { type: 'i64', value: -(2n ** 40n) },
      { type: 'u64', value: 2n ** 53n },
      { type: 'f32', value: 1.5 },
    ]);
    expect(packed.byteLength).toBe(7 * PARAM_SLOT_BYTES);
    const slots = hex(packed).match(/.{16}/g);
    expect(slots).toEqual([
      '00563412007f0000', // 0x7f0012345600
      '0000000000000000', // null pointer
      'feffffff00000000', // -2 as int32, rest of the slot unused
      'efbeadde00000000', // 0xdeadbeef
      '0000000000ffffff', // -(2^40) as int64: 2^64 - 2^40 = 0xffffff00_00000000
      '0000000000002000', // 2^53
      '0000c03f00000000', // 1.5f = 0x3fc00000
    ]);
  });

  it('names the parameter, the problem and the range', () => {
    const bad: [unknown, RegExp][] = [
      [{ type: 'i32', value: 2 ** 31 }, /f\(params\[0\]\.value\): 2147483648 is out of range; pass an integer from -2147483648 to 2147483647/],
      [{ type: 'u32', value: -1 }, /out of range/],
      [{ type: 'i32', value: 1.5 }, /1\.5 is not an integer/],
      [{ type: 'i64', value: 2 ** 60 }, /1152921504606847000 is beyond 2\^53 - 1, not a safe integer; pass a bigint/],
      [{ type: 'ptr', value: -1n }, /-1n? is out of range|out of range/],
      [{ type: 'f32', value: '1' }, /"1" is not a number/],
      [{ type: 'f16', value: 1 }, /f\(params\[0\]\.type\): "f16" is not a parameter type; use ptr, i32, u32, i64, u64 or f32/],
      [{ type: 'ptr', value: { ptr: 1n, bytes: 4, freed: true } }, /the buffer was freed/],
    ];
    for (const [param, message] of bad) {
      expect(() => packKernelParams('f(params)', [param as never])).toThrow(message);
      expect(() => packKernelParams('f(params)', [param as never])).toThrow(NativeArgumentError);
    }
  });
});

describe('toDim3', () => {
  it('fills missing sizes with 1 and checks each against its limit', () => {
    expect(toDim3('g', 7, [10, 10, 10])).toEqual([7, 1, 1]);
    expect(toDim3('g', [7, 2], [10, 10, 10])).toEqual([7, 2, 1]);
    expect(() => toDim3('g', [1, 11], [10, 10, 10])).toThrow('g[1]: 11 is out of range; pass an integer from 1 to 10');
    expect(() => toDim3('g', 0, [10, 10, 10])).toThrow('g[0]: 0 is out of range');
    expect(() => toDim3('g', [1, 1, 1, 1] as never, [10, 10, 10])).toThrow('has 4 sizes');
  });
});

describe('tritonScratchBytes', () => {
  it('is the per-program size times the programs and CTAs of the launch', () => {
    // 256 bytes x (12 x 3 x 1) programs x 2 CTAs
    expect(tritonScratchBytes(256, [12, 3], 2)).toBe(18432);
    expect(tritonScratchBytes(0, 100)).toBe(0);
  });
});
