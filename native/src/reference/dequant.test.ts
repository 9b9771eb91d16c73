import { describe, expect, it } from 'vitest';
import { bf16ToFloat } from './bf16';
import { dequantRow } from './dequant';
import { fp16ToFloat } from './fp16';
import { fp8e4m3ToFloat } from './fp8-e4m3';
import type { HostTensor } from './random-inputs';

/** Row r of matrix e decoded element by element, as the element types define it (fp8: code x its tile's scale). */
function byElement(t: HostTensor, e: number, r: number): Float64Array {
  const [rows, cols] = t.dims.slice(-2) as [number, number];
  const out = new Float64Array(cols);
  const base = (e * rows + r) * cols;
  const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  for (let c = 0; c < cols; c++) {
    if (t.type === 'fp8e4m3') {
      const [rb, cb] = t.scaleBlock!;
      const s = t.scales![(e * Math.ceil(rows / rb) + Math.floor(r / rb)) * Math.ceil(cols / cb) + Math.floor(c / cb)]!;
      out[c] = fp8e4m3ToFloat(t.bytes[base + c]!) * s;
    } else {
      out[c] = (t.type === 'bf16' ? bf16ToFloat : fp16ToFloat)(dv.getUint16((base + c) * 2, true));
    }
  }
  return out;
}

describe('dequantRow (table decode)', () => {
  function same(t: HostTensor, e: number, r: number): void {
    const got = dequantRow(t, e, r);
    const want = byElement(t, e, r);
    const differ: string[] = [];
    for (let c = 0; c < want.length; c++) if (!Object.is(got[c], want[c])) differ.push(`col ${c}: ${got[c]} vs ${want[c]}`);
    expect(differ, `${t.type} expert ${e} row ${r}`).toEqual([]);
  }
  const all16 = new Uint8Array(new Uint16Array(Array.from({ length: 65536 }, (_, h) => h)).buffer);

  it('decodes every bf16 and fp16 bit pattern as the element type defines it', () => {
    for (const type of ['bf16', 'fp16'] as const) {
      const t: HostTensor = { type, dims: [2, 4, 8192], bytes: all16 };
      for (let e = 0; e < 2; e++) for (let r = 0; r < 4; r++) same(t, e, r);
    }
  });

  it('reads bytes at an odd offset too', () => {
    const shifted = new Uint8Array(all16.length + 1);
    shifted.set(all16, 1);
    same({ type: 'bf16', dims: [1, 2, 8], bytes: shifted.subarray(1, 33) }, 0, 1);
  });

  it('decodes every fp8 code times its per-tensor or block scale', () => {
    // [E=2, 4, 64]: each expert's 4 rows hold the 256 codes once. Per-tensor scales 0.5 and 3.
    const bytes = Uint8Array.from({ length: 512 }, (_, i) => i & 0xff);
    same({ type: 'fp8e4m3', dims: [2, 4, 64], bytes, scales: Float32Array.from([0.5, 3]), scaleDims: [2], scaleBlock: [4, 64] }, 1, 2);
    // Block [2, 24]: 2 row tiles x 3 column tiles (the last partial) per expert.
    const scales = Float32Array.from({ length: 12 }, (_, i) => 0.25 * (i + 1));
    const t: HostTensor = { type: 'fp8e4m3', dims: [2, 4, 64], bytes, scales, scaleDims: [2, 2, 3], scaleBlock: [2, 24] };
    for (let e = 0; e < 2; e++) for (let r = 0; r < 4; r++) same(t, e, r);
  });
});
