import { describe, expect, it } from 'vitest';
import { fakeCompileSuccess } from '../compile/__fixtures__/compile-success';
import type { CompileSuccess } from '../compile/types';
import { packParams } from './loaded-kernel';

function result(params: CompileSuccess['params']): CompileSuccess {
  return fakeCompileSuccess({ kernel: 'silu_and_mul', params });
}

const params: CompileSuccess['params'] = [
  { name: 'x_ptr', type: 'ptr', tritonType: '*bf16', specialization: 'div16' },
  { name: 'out_ptr', type: 'ptr', tritonType: '*bf16', specialization: 'div16' },
  { name: 'N', type: 'i32', tritonType: 'i32', specialization: 'div16' },
  { name: 'stride_x_row', type: 'i32', tritonType: 'i32', specialization: 'none' },
];

describe('packParams', () => {
  it('packs by the binary\'s param order, whatever the order of the arguments', () => {
    const packed = packParams(result(params), { stride_x_row: 7, N: 32, out_ptr: 0x2000n, x_ptr: 0x1000n, extra: 5 });
    expect(packed).toEqual([
      { type: 'ptr', value: 0x1000n },
      { type: 'ptr', value: 0x2000n },
      { type: 'i32', value: 32 },
      { type: 'i32', value: 7 },
    ]);
  });
  it('names a missing argument', () => {
    expect(() => packParams(result(params), { x_ptr: 0x1000n, out_ptr: 0x2000n, N: 32 })).toThrow(/no value for its runtime parameter "stride_x_row"/);
  });
  it('refuses values that break the compiled specialisation', () => {
    expect(() => packParams(result(params), { x_ptr: 0x1000n, out_ptr: 0x2000n, N: 30, stride_x_row: 1 })).toThrow(/N=30 breaks the "div16"/);
    expect(() => packParams(result(params), { x_ptr: 0x1008n, out_ptr: 0x2000n, N: 32, stride_x_row: 1 })).toThrow(/x_ptr=4104 breaks/);
  });
});
