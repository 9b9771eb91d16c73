// An out-of-bounds launch kills only the process that made it: the parent, with its own
// context, checks a kernel before and after and goes on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MoeLayer } from '../src/runner';
import { defaultTestCacheDir, gpuEnv } from './gpu-env';

const here = path.dirname(fileURLToPath(import.meta.url));
const config = { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 };

after(async () => {
  await (await gpuEnv()).close();
});

test('an out-of-bounds launch kills only its worker process; the parent goes on', async () => {
  const env = await gpuEnv();
  const layer = MoeLayer.create({ ctx: env.ctx, compiler: env.pool, shape: { E: 8, N: 128, K: 256, topk: 2, mode: 'bf16' }, down: false });
  try {
    const batch = layer.batch(20, { kind: 'uniform', seed: 9 });
    assert.ok((await batch.checkUpGemm(config)).ok, 'the parent works before the child runs');

    const child = spawnSync(process.execPath, [path.join(here, 'oob-child.js')], {
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, MOE_CACHE_DIR: defaultTestCacheDir() },
    });
    const lines = (child.stdout ?? '').trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1] ?? '{}') as { dead?: boolean; deadReason?: string; error?: string };
    console.log(`# child exit ${child.status}, signal ${child.signal}: ${JSON.stringify(report)}`);
    assert.equal(child.status, 3, `the child should fault and exit 3; stderr: ${child.stderr}`);
    assert.equal(report.dead, true, 'the child context is marked dead');
    assert.match(`${report.error} ${report.deadReason}`, /ILLEGAL_ADDRESS|illegal/i);

    assert.equal(env.ctx.dead, false, 'the parent context is alive');
    const again = await batch.checkUpGemm(config);
    assert.ok(again.ok, 'the parent still runs kernels correctly');
  } finally {
    layer.dispose();
  }
});
