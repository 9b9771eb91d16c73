// PERF.md's numbers in one run on a GPU host:
//   1. compile throughput of the pool, cold cache and warm cache (configs/s);
//   2. LFM2-8B-A1B TP1 up GEMM (E=32, 2N=3584, K=2048, top-4, bf16, uniform routing) at
//      M = 1, 64, 1024, 4096: SGLang's default config against ~20 hand-picked configs, every one
//      checked against the CPU reference first, with roofline fractions;
//   3. the same configs against the engine kernel's per-config times (H200, exhaustive file).
// Prints a short table; writes everything to <out>/perf.json.
//
//   node test-gpu/dist/perf.js [--out DIR] [--engine FILE] [--quick]
import { mkdtempSync, mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openContext } from '../src/addon';
import { CompilePool, gemmCompileRequest } from '../src/compile';
import { makeRouting, expertCounts } from '../src/reference';
import { gemmConfigKey, MoeLayer, type GemmConfig, type Timing } from '../src/runner';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const outDir = opt('--out') ?? process.env.OUT ?? path.join(os.tmpdir(), 'moe-perf');
mkdirSync(outDir, { recursive: true });
const here = path.dirname(fileURLToPath(import.meta.url));

const cfg = (m: number, n: number, k: number, g: number, w: number, s: number): GemmConfig => ({
  BLOCK_SIZE_M: m,
  BLOCK_SIZE_N: n,
  BLOCK_SIZE_K: k,
  GROUP_SIZE_M: g,
  num_warps: w,
  num_stages: s,
});

// SGLang's default for bf16 when no config file matches (ENGINES.md): 64/64/32/8, or 16/32/64/1
// when M <= E; no num_warps/num_stages, so Triton's defaults (4 warps, 3 stages).
const sglangDefault = (M: number, E: number): GemmConfig => (M <= E ? cfg(16, 32, 64, 1, 4, 3) : cfg(64, 64, 32, 8, 4, 3));

// Hand-picked: the shipped H100 file's entries for this shape, and the exhaustive grid's best
// configs at several M (all inside the engines' 1,920-config grid).
const PICKED: GemmConfig[] = [
  cfg(16, 32, 64, 16, 4, 5),
  cfg(16, 32, 128, 1, 4, 2),
  cfg(16, 64, 64, 1, 4, 3),
  cfg(16, 64, 128, 1, 4, 3),
  cfg(16, 64, 128, 1, 4, 5),
  cfg(16, 128, 128, 1, 8, 2),
  cfg(16, 128, 128, 16, 8, 2),
  cfg(32, 128, 128, 16, 4, 2),
  cfg(64, 64, 64, 1, 4, 3),
  cfg(64, 64, 64, 1, 4, 4),
  cfg(64, 128, 64, 1, 4, 4),
  cfg(64, 128, 64, 64, 4, 3),
  cfg(64, 128, 128, 1, 4, 3),
  cfg(64, 256, 64, 16, 8, 5),
  cfg(128, 128, 64, 1, 8, 3),
  cfg(128, 128, 128, 16, 8, 3),
  cfg(128, 256, 64, 1, 8, 3),
  cfg(128, 256, 64, 1, 8, 4),
  cfg(128, 256, 64, 16, 8, 3),
  cfg(128, 256, 64, 32, 8, 4),
];

// KERNEL.md: the engine kernel on an H200 (Triton 3.6.0): default config µs and the best of
// (shipped H100 file + 120 random grid configs) µs.
const KERNEL_MD: Record<number, { defaultUs: number; tunedUs: number }> = {
  1: { defaultUs: 21.2, tunedUs: 19.3 },
  64: { defaultUs: 162.1, tunedUs: 113.6 },
  1024: { defaultUs: 287.4, tunedUs: 159.1 },
  4096: { defaultUs: 897.2, tunedUs: 498.0 },
};

interface EngineFile {
  card: string;
  space: GemmConfig[];
  failed: Record<string, string>;
  rows: { M: number; us: Record<string, number> }[];
}

function findEngineFile(): string | null {
  const name = 'engine-kernel-exhaustive-h200-lfm2-8b-a1b-tp1-up.json';
  const candidates = [opt('--engine'), ...[here, process.cwd()].flatMap((d) => {
    const out: string[] = [];
    let dir = d;
    for (let i = 0; i < 6; i++) {
      out.push(path.join(dir, 'shared', 'reference', 'measured', name), path.join(dir, '..', 'shared', 'reference', 'measured', name));
      dir = path.dirname(dir);
    }
    return out;
  })];
  return candidates.find((c): c is string => !!c && existsSync(c)) ?? null;
}

function engineLookup(file: EngineFile | null): (M: number, c: GemmConfig) => number | null {
  if (!file) return () => null;
  const index = new Map(file.space.map((c, i) => [gemmConfigKey(c), i]));
  const rows = new Map(file.rows.map((r) => [r.M, r.us]));
  return (M, c) => {
    const i = index.get(gemmConfigKey(c));
    const us = rows.get(M);
    if (i === undefined || !us) return null;
    return us[String(i)] ?? null;
  };
}

async function compileThroughput(maxShared: number, target: { backend: 'cuda' | 'hip'; arch: string; warpSize: number }) {
  const configs: GemmConfig[] = [];
  for (const m of [16, 32, 64, 128]) for (const n of [32, 64, 128, 256]) for (const k of [64, 128]) for (const g of [1, 16]) for (const w of [4, 8]) configs.push(cfg(m, n, k, g, w, 3));
  const list = quick ? configs.slice(0, 32) : configs;
  const ints = { N: 3584, K: 2048, EM: 736, num_valid_tokens: 256, stride_am: 2048, stride_ak: 1, stride_be: 3584 * 2048, stride_bk: 1, stride_bn: 2048, stride_cm: 3584, stride_cn: 1 };
  const requests = list.map((c) => gemmCompileRequest({ mode: 'bf16', config: c, topK: 4, mulRoutedWeight: false, ints, target }));
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'moe-perf-cache-'));
  const workers = os.availableParallelism();
  const run = async () => {
    const t0 = performance.now();
    const pool = await CompilePool.start({ cacheDir, maxSharedBytes: maxShared, workers });
    const t1 = performance.now();
    const results = await Promise.all(requests.map((r) => pool.compile(r)));
    const t2 = performance.now();
    const again = await Promise.all(requests.map((r) => pool.compile(r)));
    const t3 = performance.now();
    await pool.close();
    return {
      startSeconds: (t1 - t0) / 1000,
      seconds: (t2 - t1) / 1000,
      configsPerSecond: requests.length / ((t2 - t1) / 1000),
      inProcessRepeatConfigsPerSecond: again.length / ((t3 - t2) / 1000),
      ok: results.filter((r) => r.ok).length,
      fromCache: results.filter((r) => r.fromCache).length,
      failures: results.filter((r) => !r.ok).map((r) => (r.ok ? '' : `${r.kind}`)),
    };
  };
  const cold = await run();
  const warm = await run();
  return { configs: requests.length, workers, cacheDir, cold, warm };
}

async function main(): Promise<void> {
  const ctx = openContext(0);
  const dev = ctx.device;
  const target = { backend: dev.backend, arch: dev.arch, warpSize: dev.warpSize };
  const isH200 = /H200/.test(dev.name);
  const peak = { tbs: isH200 ? 4.8 : 3.0, tflops: 790 };
  console.log(`# ${dev.name} (${dev.arch}, ${dev.smCount} SMs, L2 ${(dev.l2CacheBytes / 2 ** 20).toFixed(0)} MiB), driver ${dev.driverVersion}`);

  const compile = await compileThroughput(dev.sharedMemoryPerBlockOptin, target);
  console.log(
    `# compile ${compile.configs} GEMM configs on ${compile.workers} workers: cold ${compile.cold.configsPerSecond.toFixed(1)} configs/s ` +
      `(${compile.cold.seconds.toFixed(1)} s, ${compile.cold.failures.length} failed), warm (new pool, disk cache) ${compile.warm.configsPerSecond.toFixed(0)} configs/s, ` +
      `in-process repeat ${compile.cold.inProcessRepeatConfigsPerSecond.toFixed(0)} configs/s`,
  );

  const engineFile = findEngineFile();
  const engine = engineFile ? (JSON.parse(readFileSync(engineFile, 'utf8')) as EngineFile) : null;
  const engineUs = engineLookup(engine);

  const pool = await CompilePool.start({ cacheDir: compile.cacheDir, maxSharedBytes: dev.sharedMemoryPerBlockOptin });
  const shape = { E: 32, N: 1792, K: 2048, topk: 4, mode: 'bf16' as const };
  const t0 = performance.now();
  const layer = MoeLayer.create({ ctx, compiler: pool, shape, down: false, seed: 0 });
  console.log(`# LFM2-8B-A1B TP1 weights made and uploaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const timing = { launchesPerGraph: 10, warmup: 5, repeats: quick ? 10 : 20 };

  const perM: unknown[] = [];
  const table: string[] = [];
  for (const M of quick ? [1, 1024] : [1, 64, 1024, 4096]) {
    const routing = makeRouting({ kind: 'uniform', seed: 0 }, M, shape.topk, shape.E);
    const hit = [...expertCounts(routing)].filter((c) => c > 0).length;
    const flops = 2 * M * shape.topk * 2 * shape.N * shape.K;
    const bytes = hit * 2 * shape.N * shape.K * 2 + M * shape.K * 2 + M * shape.topk * 2 * shape.N * 2;
    const floorUs = Math.max(flops / (peak.tflops * 1e12), bytes / (peak.tbs * 1e12)) * 1e6;
    const batches: { rule: 'worst_case' | 'tight'; batch: ReturnType<typeof layer.batch> }[] = [
      { rule: 'worst_case', batch: layer.batch(M, routing, { seed: 1 }) },
    ];
    if (M === 1) batches.push({ rule: 'tight' as const, batch: layer.batch(M, routing, { seed: 1, paddedLengthRule: 'tight' }) });
    const def = sglangDefault(M, shape.E);
    const configs = [def, ...PICKED.filter((c) => gemmConfigKey(c) !== gemmConfigKey(def))];
    const results: Record<string, unknown>[] = [];
    for (const { rule, batch } of batches) {
      const list = rule === 'tight' ? configs.slice(0, 1) : configs;
      await Promise.all(list.map((c) => batch.prepareUpGemm(c).catch(() => null)));
      for (const c of list) {
        const key = gemmConfigKey(c);
        const row: Record<string, unknown> = { M, config: key, paddedLengthRule: rule, isDefault: key === gemmConfigKey(def) };
        try {
          const check = await batch.checkUpGemm(c);
          row.check = { ok: check.ok, relError: check.comparison.relError, unwritten: check.unwrittenCount, align: check.alignProblems.slice(0, 3), rows: check.rowsChecked };
          if (!check.ok) {
            row.error = 'check failed';
          } else {
            const t: Timing = await batch.timeUpGemm(c, timing);
            row.us = t.medianUs;
            row.minUs = t.minUs;
            row.maxUs = t.maxUs;
            row.inputSets = t.inputSets;
            row.tflops = flops / (t.medianUs * 1e-6) / 1e12;
            row.tbs = bytes / (t.medianUs * 1e-6) / 1e12;
            row.rooflineFraction = floorUs / t.medianUs;
            const e = engineUs(M, c);
            row.engineUs = e;
            row.vsEngine = e ? t.medianUs / e : null;
          }
        } catch (err) {
          row.error = (err as Error).message.slice(0, 300);
        }
        results.push(row);
      }
    }
    const timed = results.filter((r) => typeof r.us === 'number' && r.paddedLengthRule === 'worst_case') as (Record<string, unknown> & { us: number })[];
    const best = timed.reduce<(typeof timed)[number] | null>((b, r) => (!b || r.us < b.us ? r : b), null);
    const defRow = timed.find((r) => r.isDefault) ?? null;
    perM.push({ M, hitExperts: hit, flops, bytes, floorUs, default: defRow, best, results, kernelMd: KERNEL_MD[M] ?? null });
    const fmt = (x: unknown) => (typeof x === 'number' ? x.toFixed(1) : '-');
    table.push(
      `| ${M} | ${fmt(defRow?.us)} | ${fmt(KERNEL_MD[M]?.defaultUs)} | ${best ? `${fmt(best.us)} (${best.config})` : '-'} | ${fmt(KERNEL_MD[M]?.tunedUs)} | ` +
        `${best ? ((best.rooflineFraction as number) * 100).toFixed(0) : '-'}% | ${best ? `${fmt(best.tflops)} TF/s, ${(best.tbs as number).toFixed(2)} TB/s` : '-'} |`,
    );
    for (const b of batches) b.batch.dispose();
    const errors = results.filter((r) => r.error);
    console.log(`# M=${M}: ${timed.length} configs timed, ${errors.length} failed${errors.length ? ': ' + errors.map((r) => `${r.config} ${r.error}`).join('; ') : ''}`);
  }
  layer.dispose();
  await pool.close();

  const record = {
    card: dev.name,
    arch: dev.arch,
    smCount: dev.smCount,
    driver: dev.driverVersion,
    date: new Date().toISOString(),
    command: `node native/test-gpu/dist/perf.js ${args.join(' ')}`.trim(),
    peak,
    timing: { ...timing, l2Flush: false, note: 'CUDA graph of 10 launches, 5 warm-up replays, median of timed replays, per launch; weights rotate only when a set fits in L2 (never here)' },
    engineFile,
    engineCard: engine?.card ?? null,
    compile,
    lfm2: perM,
  };
  writeFileSync(path.join(outDir, 'perf.json'), JSON.stringify(record, null, 1));

  console.log('\n| M | ours, SGLang default µs | engine default µs (KERNEL.md, H200) | ours, best of picked µs (config) | engine tuned µs (KERNEL.md) | roofline | rate |');
  console.log('|---|---|---|---|---|---|---|');
  for (const line of table) console.log(line);
  console.log('\nSame config vs the engine kernel (exhaustive file, H200): ours/engine');
  for (const m of perM as { M: number; results: Record<string, unknown>[] }[]) {
    const cmp = m.results.filter((r) => typeof r.vsEngine === 'number');
    if (cmp.length === 0) continue;
    const ratios = cmp.map((r) => r.vsEngine as number).sort((a, b) => a - b);
    const worst = cmp.reduce((a, b) => ((a.vsEngine as number) > (b.vsEngine as number) ? a : b));
    console.log(
      `M=${m.M}: ${cmp.length} configs, ratio median ${ratios[ratios.length >> 1]!.toFixed(3)}, min ${ratios[0]!.toFixed(3)}, max ${ratios[ratios.length - 1]!.toFixed(3)} (${worst.config}: ${(worst.us as number).toFixed(1)} vs ${(worst.engineUs as number).toFixed(1)})`,
    );
  }
  console.log(`\nfull record: ${path.join(outDir, 'perf.json')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
