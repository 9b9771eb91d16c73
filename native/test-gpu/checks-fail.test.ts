// The checks can fail: a corrupted expert's weights make checkUpGemm and checkLayer report
// errors far above the tolerance, while the untouched layer passes.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { MoeLayer } from '../src/runner';
import { gpuEnv } from './gpu-env';

after(async () => {
  await (await gpuEnv()).close();
});

const config = { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 };

test('a corrupted expert fails the up GEMM and whole-layer checks', async () => {
  const env = await gpuEnv();
  const layer = MoeLayer.create({ ctx: env.ctx, compiler: env.pool, shape: { E: 4, N: 128, K: 256, topk: 2, mode: 'bf16' } });
  try {
    const batch = layer.batch(40, { kind: 'uniform', seed: 3 });
    assert.ok((await batch.checkUpGemm(config)).ok);
    assert.ok((await batch.checkLayer(config)).ok);
    // Expert 1's W1 over expert 0's, on the device only: the reference still has the true weights.
    const bytes = layer.expertBytes('w1');
    layer.replica(0).w1.copyFrom(layer.replica(0).w1, { srcOffsetBytes: bytes, dstOffsetBytes: 0, bytes });
    const up = await batch.checkUpGemm(config);
    const whole = await batch.checkLayer(config);
    console.log(`# corrupted expert 0: up GEMM rel error ${up.comparison.relError.toExponential(2)}, layer ${whole.comparison.relError.toExponential(2)}`);
    assert.equal(up.ok, false);
    assert.equal(whole.ok, false);
    assert.ok(up.comparison.relError > 0.1);
  } finally {
    layer.dispose();
  }
});

test('a reference store is filled by the first check and read by the next batch', async () => {
  const env = await gpuEnv();
  const layer = MoeLayer.create({ ctx: env.ctx, compiler: env.pool, shape: { E: 4, N: 128, K: 256, topk: 2, mode: 'bf16' } });
  const kept = new Map<string, Float64Array>();
  const store = { get: (k: string) => kept.get(k) ?? null, put: (k: string, v: Float64Array) => void kept.set(k, v) };
  const references = { store, inputs: 'checks-fail test, seed 0' };
  try {
    const first = layer.batch(40, { kind: 'uniform', seed: 3 }, { references });
    assert.ok((await first.checkUpGemm(config)).ok);
    assert.equal(kept.size, 1);
    // A second batch on the same inputs reads the kept rows: altered, they make the same good
    // config fail (so they were read, not recomputed).
    const [key, values] = [...kept][0]!;
    kept.set(key, values.map((v) => v * 2));
    const second = layer.batch(40, { kind: 'uniform', seed: 3 }, { references });
    assert.equal((await second.checkUpGemm(config)).ok, false);
    // Stored rows of the wrong size are not used: the reference is computed again, and kept.
    kept.set(key, values.subarray(0, 5));
    const third = layer.batch(40, { kind: 'uniform', seed: 3 }, { references });
    assert.ok((await third.checkUpGemm(config)).ok);
    assert.equal(kept.get(key)!.length, values.length);
    first.dispose();
    second.dispose();
    third.dispose();
  } finally {
    layer.dispose();
  }
});
