// The installed engine's own fused_moe_kernel, launched by @moe/native, against the engine's own
// launch: for each engine stand-in (SGLang 0.5.10, SGLang 0.5.16, vLLM), each dtype mode, a
// batch that takes vLLM's naive path and one that takes the aligned path with EM trimming, and
// one config per BLOCK_SIZE_M, both GEMMs: the engine's recorded launch must equal MoE Kit's
// binding and the outputs must be bit-identical. Also the engine kernel's output against the
// float64 reference through the runner's normal check.
//
// MOE_ENGINE_STANDINS: the folder holding the stand-ins (default ../shared/reference/engines
// beside the repository). MOE_TEST_OUT: where to write every recorded launch (JSON lines).
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { openContext, type Context } from '../src/addon';
import { CompilePool } from '../src/compile';
import type { DtypeMode } from '../src/reference';
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import { MoeLayer } from '../src/runner';
import { defaultTestCacheDir } from './gpu-env';

const here = path.dirname(new URL(import.meta.url).pathname);
const standins = process.env.MOE_ENGINE_STANDINS ?? path.resolve(here, '..', '..', '..', 'shared', 'reference', 'engines');
const outFile = process.env.MOE_TEST_OUT ? path.join(process.env.MOE_TEST_OUT, 'engine-launches.jsonl') : null;

const ENGINES = existsSync(standins)
  ? readdirSync(standins, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()
  : [];

const MODES: readonly DtypeMode[] = ['bf16', 'fp8_w8a8', 'fp8_w8a8_block'];
// One config per BLOCK_SIZE_M; 16 and 32 with BLOCK_SIZE_N >= 64 take SGLang's fp8 swap_ab.
const CONFIGS: readonly TileConfig[] = [
  { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 128, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 },
  { BLOCK_SIZE_M: 32, BLOCK_SIZE_N: 128, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 16, num_warps: 4, num_stages: 4 },
  { BLOCK_SIZE_M: 64, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 },
  { BLOCK_SIZE_M: 128, BLOCK_SIZE_N: 128, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 8, num_stages: 3 },
];
// E=32, top-4: M=2 has 8 pairs (8 * 4 <= 32: vLLM's naive assignment); M=37 is aligned, below
// BLOCK_SIZE_M 64 and 128 (vLLM trims EM) and above 16 and 32.
const SHAPE = { E: 32, N: 256, K: 512, topk: 4 };
const BATCHES = [2, 37];

let ctx: Context | null = null;
after(() => ctx?.close());

if (ENGINES.length === 0) {
  test('engine stand-ins', { skip: `no engine stand-ins at ${standins}; set MOE_ENGINE_STANDINS to ../shared/reference/engines` }, () => {});
}

for (const name of ENGINES) {
  describe(`engine ${name}`, () => {
    let pool: CompilePool | null = null;
    after(async () => pool?.close());
    test('the worker finds the engine kernel', async () => {
      ctx ??= openContext(0);
      pool = await CompilePool.start({
        engine: 'auto',
        env: { PYTHONPATH: path.join(standins, name) },
        cacheDir: defaultTestCacheDir(),
        maxSharedBytes: ctx.device.sharedMemoryPerBlockOptin,
      });
      const e = pool.engine!;
      assert.ok(e, 'no engine info');
      assert.ok(name.startsWith(`${e.engine}-`), `${name}: found ${e.engine} ${e.version}`);
      assert.ok(name.includes(e.version.replace(/^0\.0\.0\+g/, '')), `${name}: version ${e.version}`);
      assert.match(e.sourceSha256, /^[0-9a-f]{64}$/);
      if (outFile) appendFileSync(outFile, `${JSON.stringify({ kind: 'engine', standin: name, info: e })}\n`);
    });
    for (const mode of MODES) {
      for (const M of BATCHES) {
        test(`${mode}, M=${M}: recorded launch equals the binding and outputs are bit-identical, up and down`, async () => {
          assert.ok(pool && ctx, 'engine pool did not start');
          const layer = MoeLayer.create({
            ctx,
            compiler: pool,
            kernel: 'engine',
            shape: { ...SHAPE, mode, blockShape: mode === 'fp8_w8a8_block' ? [128, 128] : null },
            seed: 5,
          });
          try {
            const batch = layer.batch(M, { kind: 'uniform', seed: 3 });
            // Compile everything first (in parallel), then check one by one.
            await Promise.all(CONFIGS.flatMap((c) => (['up', 'down'] as const).map((w) => layer.compile(batch.enginePlan(w, c).request))));
            const failures: string[] = [];
            for (const config of CONFIGS) {
              for (const which of ['up', 'down'] as const) {
                const r = await batch.engineCheck(which, config);
                if (outFile) {
                  const plan = batch.enginePlan(which, config);
                  appendFileSync(
                    outFile,
                    `${JSON.stringify({ kind: 'launch', standin: name, engine: r.engine, mode, M, shape: SHAPE, gemm: which, config, naive: r.naive, EM: r.EM, ok: r.ok, bitIdentical: r.bitIdentical, binary: r.binary, differences: r.differences, plan: { args: plan.args, constexprs: plan.constexprs, grid: plan.grid }, record: r.record })}\n`,
                  );
                }
                if (!r.ok) failures.push(`${which} ${tileConfigKey(config)}: ${r.differences.join('; ') || ''} ${r.bitIdentical ? '' : `${r.differingBytes} of ${r.outputBytes} output bytes differ`}`);
              }
            }
            assert.deepEqual(failures, []);
          } finally {
            layer.dispose();
          }
        });
      }
    }
    test('bf16 and fp8 block: the engine kernel through the runner matches the float64 reference (up GEMM and whole layer)', async () => {
      assert.ok(pool && ctx, 'engine pool did not start');
      for (const mode of ['bf16', 'fp8_w8a8_block'] as const) {
        const layer = MoeLayer.create({ ctx, compiler: pool, kernel: 'engine', shape: { ...SHAPE, mode, blockShape: mode === 'bf16' ? null : [128, 128] }, seed: 9 });
        try {
          const batch = layer.batch(37, { kind: 'uniform', seed: 4 });
          const up = await batch.checkUpGemm(CONFIGS[1]!);
          assert.ok(up.ok, `${mode} up: ${JSON.stringify(up.comparison)} align ${up.alignProblems.join(';')} unwritten ${up.unwrittenCount}`);
          const down = await batch.checkDownGemm(CONFIGS[0]!);
          assert.ok(down.ok, `${mode} down: ${JSON.stringify(down.comparison)} align ${down.alignProblems.join(';')} unwritten ${down.unwrittenCount}`);
          const whole = await batch.checkLayer(CONFIGS[2]!, CONFIGS[2]!);
          assert.ok(whole.ok, `${mode} layer: ${JSON.stringify(whole.comparison)} unwritten ${whole.unwrittenCount}`);
        } finally {
          layer.dispose();
        }
      }
    });
  });
}
