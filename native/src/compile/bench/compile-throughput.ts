// Compile throughput of the pool over the engines' tuning grid, cold and warm cache.
//
//   node compile-throughput.mjs --workers 16 --count 320 [--smoke] [--python python3] [--json out.json]
//
// The shape is LFM2-8B-A1B TP1's up GEMM at M=64 (E=32, 2N=3584, K=2048, top-4, bf16).
// "cold": empty MOE kit cache and empty Triton cache; "warm": a new pool on the same cache.
// --smoke first compiles one request of every kernel and mode and prints its params.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { engineGrid, type TileConfig } from '@moe/engine-facts';
import { CompilePool } from '../compile-pool';
import {
  alignCompileRequests,
  alignPlan,
  fp8QuantRequest,
  gemmCompileRequest,
  moeSumRequest,
  siluAndMulRequest,
  type GemmMode,
} from '../requests';
import type { CompileRequest, CompileResult } from '../types';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const workers = Number(flag('workers', String(os.availableParallelism())));
const count = Number(flag('count', '320'));
const python = flag('python', process.env.MOE_PYTHON ?? 'python3');
const jsonOut = flag('json', '');
const target = { backend: 'cuda', arch: flag('arch', 'sm_90'), warpSize: 32 } as const;
const MAX_SHARED = 232448; // H100/H200 opt-in shared memory per block

function grid(): TileConfig[] {
  return engineGrid();
}

const E = 32;
const N = 3584;
const K = 2048;
const TOPK = 4;
const M = 64;

function gemmRequest(config: TileConfig, mode: GemmMode = 'bf16', mulRoutedWeight = false): CompileRequest {
  const numel = M * TOPK;
  const quant = mode === 'fp8_w8a8_block';
  return gemmCompileRequest({
    mode,
    config,
    topK: TOPK,
    mulRoutedWeight,
    target,
    ints: {
      N,
      K,
      EM: numel + E * (config.BLOCK_SIZE_M - 1),
      num_valid_tokens: numel,
      stride_am: K,
      stride_ak: 1,
      stride_be: N * K,
      stride_bk: 1,
      stride_bn: K,
      stride_cm: N,
      stride_cn: 1,
      ...(quant ? { stride_asm: K / 128, stride_ask: 1, stride_bse: (N / 128) * (K / 128), stride_bsk: 1, stride_bsn: K / 128 } : {}),
    },
  });
}

function summarize(results: CompileResult[]) {
  const kinds: Record<string, number> = {};
  for (const r of results) {
    const k = r.ok ? 'ok' : r.kind;
    kinds[k] = (kinds[k] ?? 0) + 1;
  }
  return kinds;
}

async function timedRun(label: string, requests: CompileRequest[], cacheDir: string, tritonCache: string) {
  const t0 = performance.now();
  const pool = await CompilePool.start({ python, workers, cacheDir, maxSharedBytes: MAX_SHARED, env: { TRITON_CACHE_DIR: tritonCache } });
  const t1 = performance.now();
  const results = await Promise.all(requests.map((r) => pool.compile(r)));
  const t2 = performance.now();
  const stats = pool.stats();
  await pool.close();
  const secs = (t2 - t1) / 1000;
  const compileSecs = results.filter((r) => r.ok && !r.fromCache).map((r) => (r.ok ? r.compileSeconds : 0)).sort((a, b) => a - b);
  const row = {
    label,
    configs: requests.length,
    workers,
    startSeconds: +((t1 - t0) / 1000).toFixed(2),
    compileWallSeconds: +secs.toFixed(2),
    configsPerSecond: +(requests.length / secs).toFixed(1),
    configsPerSecondWithStart: +(requests.length / ((t2 - t0) / 1000)).toFixed(1),
    results: summarize(results),
    fromCache: results.filter((r) => r.fromCache).length,
    medianCompileSeconds: compileSecs.length ? +compileSecs[Math.floor(compileSecs.length / 2)]!.toFixed(2) : null,
    maxCompileSeconds: compileSecs.length ? +compileSecs[compileSecs.length - 1]!.toFixed(2) : null,
    workersUsed: stats.workers,
  };
  console.log(JSON.stringify(row));
  return { row, results };
}

async function smoke(cacheDir: string, tritonCache: string) {
  const cfg: TileConfig = { BLOCK_SIZE_M: 64, BLOCK_SIZE_N: 128, BLOCK_SIZE_K: 128, GROUP_SIZE_M: 8, num_warps: 4, num_stages: 3 };
  const plan = alignPlan(M * TOPK, E, cfg.BLOCK_SIZE_M);
  const align = alignCompileRequests(plan, target);
  const alignMap = alignCompileRequests(plan, target, { hasExpertMap: true });
  const requests: Array<[string, CompileRequest]> = [
    ['fused_moe_gemm bf16', gemmRequest(cfg)],
    ['fused_moe_gemm bf16 MUL_ROUTED_WEIGHT', gemmRequest(cfg, 'bf16', true)],
    ['fused_moe_gemm fp16', gemmRequest(cfg, 'fp16')],
    ['fused_moe_gemm fp8_w8a8', gemmRequest(cfg, 'fp8_w8a8')],
    ['fused_moe_gemm fp8_w8a8_block', gemmRequest(cfg, 'fp8_w8a8_block')],
    ['fused_moe_gemm fp8_w8a8_block BLOCK_K=256 (must fail)', gemmRequest({ ...cfg, BLOCK_SIZE_K: 256 }, 'fp8_w8a8_block')],
    ['fused_moe_gemm M=1 (top-4: EM, numel not % 16)', { ...gemmRequest({ ...cfg, BLOCK_SIZE_M: 16 }) }],
    ['moe_align_count', align.count.request],
    ['moe_align_scan', align.scan.request],
    ['moe_align_scatter', align.scatter.request],
    ['moe_align_scatter HAS_EXPERT_MAP', alignMap.scatter.request],
    ['silu_and_mul', siluAndMulRequest({ rows: M * TOPK, N: N / 2, strideXRow: N, strideOutRow: N / 2, target }).request],
    ['moe_sum', moeSumRequest({ M, K, topK: TOPK, strideXRow: K, strideOutRow: K, target }).request],
    ['fp8_quant_per_tensor', fp8QuantRequest({ kind: 'per_tensor', rows: M, K, strideXRow: K, strideQRow: K, target }).request],
    ['fp8_quant_per_token_group', fp8QuantRequest({ kind: 'per_token_group', rows: M, K, strideXRow: K, strideQRow: K, target }).request],
  ];
  // M=1 with top-4: numel 4, EM = 4 + 32*15 = 484: neither a multiple of 16.
  const m1 = requests[6]![1];
  m1.specialization = { ...m1.specialization, EM: 'none', num_valid_tokens: 'none' };
  const pool = await CompilePool.start({ python, workers, cacheDir, maxSharedBytes: MAX_SHARED, env: { TRITON_CACHE_DIR: tritonCache } });
  const results = await Promise.all(requests.map(([, r]) => pool.compile(r)));
  await pool.close();
  const rows = requests.map(([label], i) => {
    const r = results[i]!;
    return r.ok
      ? { label, ok: true, name: r.metadata.name, shared: r.metadata.shared, seconds: +r.compileSeconds.toFixed(2), params: r.params.map((p) => `${p.name}:${p.type}${p.specialization === 'div16' ? '/16' : ''}`).join(' ') }
      : { label, ok: false, kind: r.kind, message: r.message.split('\n')[0]!.slice(0, 200) };
  });
  for (const row of rows) console.log(JSON.stringify(row));
  return rows;
}

async function main() {
  const base = mkdtempSync(path.join(os.tmpdir(), 'moe-compile-bench-'));
  try {
    const report: Record<string, unknown> = { python, workers, target, cpus: os.availableParallelism() };
    if (args.includes('--smoke')) report.smoke = await smoke(path.join(base, 'smoke-cache'), path.join(base, 'smoke-triton'));
    const all = grid();
    const stride = Math.max(1, Math.floor(all.length / count));
    const configs = all.filter((_, i) => i % stride === 0).slice(0, count);
    const requests = configs.map((c) => gemmRequest(c));
    const cacheDir = path.join(base, 'cache');
    const cold = await timedRun('cold', requests, cacheDir, path.join(base, 'triton-cold'));
    const warm = await timedRun('warm', requests, cacheDir, path.join(base, 'triton-warm'));
    report.cold = cold.row;
    report.warm = warm.row;
    report.failures = cold.results
      .map((r, i) => (r.ok ? null : { config: configs[i], kind: r.kind, message: r.message.split('\n')[0]!.slice(0, 160) }))
      .filter(Boolean);
    if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

await main();
