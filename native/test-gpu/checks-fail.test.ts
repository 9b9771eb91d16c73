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
