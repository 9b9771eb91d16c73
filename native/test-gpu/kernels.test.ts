// Every kernel (align x3, fused_moe_gemm up and down, silu_and_mul, fp8 quantisation, moe_sum)
// in every dtype mode, on shapes that hit the edge cases, checked against the CPU reference.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { DtypeMode } from '../src/reference';
import type { RoutingSpec } from '../src/reference';
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import { MoeLayer, type CheckReport } from '../src/runner';
import { gpuEnv } from './gpu-env';

interface Case {
  readonly name: string;
  readonly E: number;
  readonly N: number;
  readonly K: number;
  readonly topk: number;
  readonly M: number;
  readonly routing: RoutingSpec;
}

const CASES: readonly Case[] = [
  // K = 200: not a multiple of BLOCK_SIZE_K 32, 64 or 128 (EVEN_K false), nor of the fp8 group 128.
  { name: 'K not a multiple of BLOCK_SIZE_K', E: 8, N: 96, K: 200, topk: 2, M: 37, routing: { kind: 'uniform', seed: 1 } },
  { name: 'M=1', E: 32, N: 128, K: 256, topk: 4, M: 1, routing: { kind: 'uniform', seed: 2 } },
  // 5 tokens x top-2 of 64 experts under a strong skew: most experts get no tokens.
  { name: 'experts with zero tokens', E: 64, N: 128, K: 256, topk: 2, M: 5, routing: { kind: 'zipf', s: 1.5, seed: 3 } },
  { name: 'E=256 with top-8', E: 256, N: 64, K: 512, topk: 8, M: 48, routing: { kind: 'uniform', seed: 4 } },
  { name: 'several row blocks per expert', E: 16, N: 256, K: 384, topk: 2, M: 300, routing: { kind: 'uniform', seed: 5 } },
];

const MODES: readonly DtypeMode[] = ['bf16', 'fp16', 'fp8_w8a8', 'fp8_w8a8_block'];

const CONFIGS: readonly TileConfig[] = [
  { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 32, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 },
  { BLOCK_SIZE_M: 64, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 32, GROUP_SIZE_M: 8, num_warps: 4, num_stages: 3 },
  { BLOCK_SIZE_M: 32, BLOCK_SIZE_N: 128, BLOCK_SIZE_K: 128, GROUP_SIZE_M: 16, num_warps: 8, num_stages: 4 },
];

function explain(r: CheckReport): string {
  const c = r.comparison;
  return (
    `${r.stage} ${r.config}: rel error ${c.relError.toExponential(2)} (tolerance ${c.tolerance}), max abs err ${c.maxAbsError.toExponential(2)} ` +
    `of max |ref| ${c.maxAbsRef.toExponential(2)}, unwritten rows ${r.unwrittenCount} [${r.unwrittenRows.join(',')}], ` +
    `align: ${r.alignProblems.slice(0, 3).join('; ') || 'ok'}, rows checked ${r.rowsChecked}${r.sampled ? ' (sampled)' : ''}`
  );
}

after(async () => {
  await (await gpuEnv()).close();
});

for (const mode of MODES) {
  describe(`dtype mode ${mode}`, () => {
    for (const c of CASES) {
      test(`${c.name}: E=${c.E} N=${c.N} K=${c.K} top-${c.topk} M=${c.M}`, async () => {
        const env = await gpuEnv();
        const layer = MoeLayer.create({
          ctx: env.ctx,
          compiler: env.pool,
          shape: { E: c.E, N: c.N, K: c.K, topk: c.topk, mode, blockShape: mode === 'fp8_w8a8_block' ? [128, 128] : null },
          seed: 11,
        });
        try {
          const batch = layer.batch(c.M, c.routing);
          const failures: string[] = [];
          for (const config of CONFIGS) {
            const up = await batch.checkUpGemm(config);
            const whole = await batch.checkLayer(config);
            for (const r of [up, whole]) {
              console.log(`# ${r.ok ? 'OK  ' : 'FAIL'} ${mode} ${c.name}: ${explain(r)}`);
              if (!r.ok) failures.push(`${tileConfigKey(config)} ${explain(r)}`);
            }
          }
          assert.deepEqual(failures, []);
        } finally {
          layer.dispose();
        }
      });
    }
  });
}
