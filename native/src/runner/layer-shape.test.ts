import { describe, expect, it } from 'vitest';
import { layerShapeOf } from './layer-shape';

describe('layerShapeOf', () => {
  // LFM2-8B-A1B at TP1: 32 experts, intermediate 1792, hidden 2048, top-4, bf16.
  const lfm2 = { localExperts: 32, shardIntermediate: 1792, hidden: 2048, topk: 4, dtype: null, blockShape: null };
  it('maps E, N, K, top-k and the dtype mode', () => {
    expect(layerShapeOf(lfm2)).toEqual({ E: 32, N: 1792, K: 2048, topk: 4, mode: 'bf16', blockShape: null });
    expect(layerShapeOf(lfm2, 'fp16').mode).toBe('fp16');
  });
  it('fp8 per-tensor and block-wise', () => {
    expect(layerShapeOf({ ...lfm2, dtype: 'fp8_w8a8' }).mode).toBe('fp8_w8a8');
    const b = layerShapeOf({ ...lfm2, dtype: 'fp8_w8a8', blockShape: [128, 128] });
    expect(b.mode).toBe('fp8_w8a8_block');
    expect(b.blockShape).toEqual([128, 128]);
  });
  it('names the modes it does not run', () => {
    expect(() => layerShapeOf({ ...lfm2, dtype: 'int4_w4a16' })).toThrow(/int4_w4a16.*bf16, fp16 and fp8_w8a8/);
  });
});
