// Timing sanity: the same config timed twice agrees within 3%; rotation gives several input
// sets when one set fits in L2.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MoeLayer } from '../src/runner';
import { gpuEnv } from './gpu-env';

after(async () => {
  await (await gpuEnv()).close();
});

const config = { BLOCK_SIZE_M: 64, BLOCK_SIZE_N: 128, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 };

test('the same config timed twice agrees within 3% (LFM2-8B-A1B up GEMM, M=256)', async () => {
  const env = await gpuEnv();
  const layer = MoeLayer.create({ ctx: env.ctx, compiler: env.pool, shape: { E: 32, N: 1792, K: 2048, topk: 4, mode: 'bf16' }, down: false });
  try {
    const batch = layer.batch(256, { kind: 'uniform', seed: 0 });
    assert.ok((await batch.checkUpGemm(config)).ok);
    const a = await batch.timeUpGemm(config, { repeats: 30 });
    const b = await batch.timeUpGemm(config, { repeats: 30 });
    const diff = Math.abs(a.medianUs - b.medianUs) / Math.min(a.medianUs, b.medianUs);
    console.log(`# up GEMM: ${a.medianUs.toFixed(2)} us then ${b.medianUs.toFixed(2)} us (${(diff * 100).toFixed(2)}%), input sets ${a.inputSets}`);
    assert.ok(diff < 0.03, `timings ${a.medianUs} and ${b.medianUs} differ by ${(diff * 100).toFixed(2)}%`);
  } finally {
    layer.dispose();
  }
});

test('the whole layer timed twice agrees within 3%; small inputs rotate through several sets', async () => {
  const env = await gpuEnv();
  const layer = MoeLayer.create({ ctx: env.ctx, compiler: env.pool, shape: { E: 8, N: 256, K: 512, topk: 2, mode: 'bf16' } });
  try {
    const batch = layer.batch(64, { kind: 'uniform', seed: 1 });
    assert.ok((await batch.checkLayer(config)).ok);
    const a = await batch.timeLayer(config, config, { repeats: 30 });
    const b = await batch.timeLayer(config, config, { repeats: 30 });
    const diff = Math.abs(a.medianUs - b.medianUs) / Math.min(a.medianUs, b.medianUs);
    console.log(`# whole layer: ${a.medianUs.toFixed(2)} us then ${b.medianUs.toFixed(2)} us (${(diff * 100).toFixed(2)}%), input sets ${a.inputSets}`);
    assert.ok(a.inputSets > 1, 'a 1 MB working set rotates through several input sets');
    assert.ok(diff < 0.03, `timings ${a.medianUs} and ${b.medianUs} differ by ${(diff * 100).toFixed(2)}%`);
    const flushed = await batch.timeLayer(config, config, { repeats: 10, l2Flush: true });
    assert.ok(Number.isFinite(flushed.medianUs) && flushed.medianUs > 0);
  } finally {
    layer.dispose();
  }
});
