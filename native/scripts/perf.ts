// PERF.md's numbers in one run on a GPU host:
//   1. compile throughput of the pool, cold cache and warm cache (configs/s);
//   2. LFM2-8B-A1B TP1 up GEMM (E=32, 2N=3584, K=2048, top-4, bf16, uniform routing) at
//      M = 1, 64, 1024, 4096: SGLang's default config against ~20 hand-picked configs, every one
//      checked against the CPU reference first, with roofline fractions;
//   3. the same configs against the engine kernel's per-config times (H200, exhaustive file).
// Prints a short table; writes everything to <out>/perf.json.
//
//   node test-gpu/dist/perf.js [--out DIR] [--engine FILE] [--quick] [--long] [--seeds 0,1,2]
//        [--ms 1,64] [--configs 64/64/64/1/4/4,...] [--no-compile-bench] [--no-layer] [--tag NAME]
// (MOE_KERNELS_DIR picks another copy of the kernels, e.g. a variant under test.)
import { mkdtempSync, mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openContext } from '../src/addon';
import { CompilePool, gemmCompileRequest } from '../src/compile';
import { makeRouting, expertCounts } from '../src/reference';
import { tileConfig, tileConfigKey, type TileConfig } from '@moe/engine-facts';
import { MoeLayer, type Timing } from '../src/runner';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const outDir = opt('--out') ?? process.env.OUT ?? path.join(os.tmpdir(), 'moe-perf');
mkdirSync(outDir, { recursive: true });
const here = path.dirname(fileURLToPath(import.meta.url));

const cfg = tileConfig;

// SGLang's default for bf16 when no config file matches (ENGINES.md): 64/64/32/8, or 16/32/64/1
// when M <= E; no num_warps/num_stages, so Triton's defaults (4 warps, 3 stages).
const sglangDefault = (M: number, E: number): TileConfig => (M <= E ? cfg(16, 32, 64, 1, 4, 3) : cfg(64, 64, 32, 8, 4, 3));

// Hand-picked: the shipped H100 file's entries for this shape, and the exhaustive grid's best
// configs at several M (all inside the engines' 1,920-config grid).
const PICKED: TileConfig[] = [
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
  space: TileConfig[];
  failed: Record<string, string>;
  rows: { M: number; us: Record<string, number> }[];
}

function findEngineFile(): string | null {
  const name = 'engine-kernel-exhaustive-h200-lfm2-8b-a1b-tp1-up.json';
  const candidates = [opt('--engine'), ...[here, process.cwd()].flatMap((d) => {
    const out: string[] = [];
    let dir = d;
    for (let i = 0; i < 6; i++) {
      // The repository's reference/ first, then a workspace's shared/reference beside it.
      out.push(path.join(dir, 'reference', 'measured', name));
      out.push(path.join(dir, 'shared', 'reference', 'measured', name), path.join(dir, '..', 'shared', 'reference', 'measured', name));
      dir = path.dirname(dir);
    }
    return out;
  })];
  return candidates.find((c): c is string => !!c && existsSync(c)) ?? null;
}

function engineLookup(file: EngineFile | null): (M: number, c: TileConfig) => number | null {
  if (!file) return () => null;
  const index = new Map(file.space.map((c, i) => [tileConfigKey(c), i]));
  const rows = new Map(file.rows.map((r) => [r.M, r.us]));
  return (M, c) => {
    const i = index.get(tileConfigKey(c));
    const us = rows.get(M);
    if (i === undefined || !us) return null;
    return us[String(i)] ?? null;
  };
}

async function compileThroughput(maxShared: number, target: { backend: 'cuda' | 'hip'; arch: string; warpSize: number }) {
  const configs: TileConfig[] = [];
  for (const m of [16, 32, 64, 128]) for (const n of [32, 64, 128, 256]) for (const k of [64, 128]) for (const g of [1, 16]) for (const w of [4, 8]) for (const st of [3, 4]) configs.push(cfg(m, n, k, g, w, st));
  const list = quick ? configs.slice(0, 32) : configs; // 256 configs
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

  const tag = opt('--tag') ?? 'perf';
  const compile = args.includes('--no-compile-bench')
    ? { configs: 0, workers: 0, cacheDir: mkdtempSync(path.join(os.tmpdir(), 'moe-perf-cache-')), cold: null, warm: null }
    : await compileThroughput(dev.sharedMemoryPerBlockOptin, target);
  if (compile.cold && compile.warm) console.log(
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
  // The engine measurement's protocol (1 eager run, CUDA graph of 10 launches, 3 warm-up
  // replays, median of 5), so that config-by-config comparisons see the same clock behaviour
  // (large configs hit the H200's power cap within ~50 ms of back-to-back replays).
  const long = args.includes('--long');
  const timing = long ? { launchesPerGraph: 10, warmup: 5, repeats: 20 } : { launchesPerGraph: 10, warmup: 3, repeats: 5 };

  const seeds = (opt('--seeds') ?? (quick ? '0' : '0,1,2,3,4')).split(',').map(Number);
  const perM: unknown[] = [];
  const table: string[] = [];
  const fmt = (x: unknown) => (typeof x === 'number' ? x.toFixed(1) : '-');
  const med = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length % 2 ? v[v.length >> 1]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  const onlyConfigs = opt('--configs')?.split(',');
  const msList = opt('--ms') ? opt('--ms')!.split(',').map(Number) : quick ? [1, 1024] : [1, 64, 1024, 4096];
  for (const M of msList) {
    const flops = 2 * M * shape.topk * 2 * shape.N * shape.K;
    const def = sglangDefault(M, shape.E);
    const configs = [def, ...PICKED.filter((c) => tileConfigKey(c) !== tileConfigKey(def))].filter(
      (c) => !onlyConfigs || onlyConfigs.includes(tileConfigKey(c)),
    );
    // Per config, one row per routing seed (the padding of each expert's rows to BLOCK_SIZE_M
    // changes the work by a few % from one random routing to the next).
    const perSeed = new Map<string, Record<string, unknown>[]>();
    const extra: Record<string, unknown>[] = [];
    let hit = 0;
    let bytes = 0;
    for (const seed of seeds) {
      const routing = makeRouting({ kind: 'uniform', seed }, M, shape.topk, shape.E);
      const counts = [...expertCounts(routing)];
      hit = counts.filter((c) => c > 0).length;
      bytes = hit * 2 * shape.N * shape.K * 2 + M * shape.K * 2 + M * shape.topk * 2 * shape.N * 2;
      const batch = layer.batch(M, routing, { seed: 1 });
      await Promise.all(configs.map((c) => batch.prepareUpGemm(c).catch(() => null)));
      for (const c of configs) {
        const key = tileConfigKey(c);
        const row: Record<string, unknown> = { seed, rowBlocks: counts.reduce((a, n) => a + Math.ceil(n / c.BLOCK_SIZE_M), 0) };
        try {
          if (seed === seeds[0]) row.kernel = await batch.upGemmInfo(c);
          const check = await batch.checkUpGemm(c);
          row.check = { ok: check.ok, relError: check.comparison.relError, unwritten: check.unwrittenCount, align: check.alignProblems.slice(0, 3), rows: check.rowsChecked };
          if (check.ok) {
            const t: Timing = await batch.timeUpGemm(c, timing);
            Object.assign(row, { us: t.medianUs, minUs: t.minUs, maxUs: t.maxUs, inputSets: t.inputSets, samplesUs: t.samplesUs.map((x) => +x.toFixed(2)) });
          } else {
            row.error = 'check failed';
          }
        } catch (err) {
          row.error = (err as Error).message.slice(0, 300);
        }
        perSeed.set(key, [...(perSeed.get(key) ?? []), row]);
      }
      if (M === 1 && seed === seeds[0] && !onlyConfigs) {
        // Like the engine's measurement (no rotation: the 4 hit experts' 59 MB may stay partly
        // in a 60 MiB L2), and with the tight padded length.
        for (const c of [def, cfg(16, 64, 128, 1, 4, 5)]) {
          const t = await batch.timeUpGemm(c, { ...timing, rotateInputs: false });
          extra.push({ config: tileConfigKey(c), variant: 'no input rotation', us: t.medianUs, minUs: t.minUs, maxUs: t.maxUs });
        }
        const tight = layer.batch(M, routing, { seed: 1, paddedLengthRule: 'tight' });
        const t = await tight.timeUpGemm(def, timing);
        extra.push({ config: tileConfigKey(def), variant: 'tight EM', us: t.medianUs, minUs: t.minUs, maxUs: t.maxUs, inputSets: t.inputSets });
        tight.dispose();
      }
      batch.dispose();
    }
    const floorUs = Math.max(flops / (peak.tflops * 1e12), bytes / (peak.tbs * 1e12)) * 1e6;
    const results = configs.map((c) => {
      const key = tileConfigKey(c);
      const rows = perSeed.get(key) ?? [];
      const timed = rows.filter((r) => typeof r.us === 'number').map((r) => r.us as number);
      const us = timed.length === rows.length && timed.length > 0 ? med(timed) : null;
      const e = engineUs(M, c);
      return {
        M,
        config: key,
        isDefault: key === tileConfigKey(def),
        us,
        tflops: us ? flops / (us * 1e-6) / 1e12 : null,
        tbs: us ? bytes / (us * 1e-6) / 1e12 : null,
        rooflineFraction: us ? floorUs / us : null,
        engineUs: e,
        vsEngine: us && e ? us / e : null,
        error: rows.find((r) => r.error)?.error ?? null,
        seeds: rows,
      };
    });
    const timed = results.filter((r) => r.us !== null);
    const best = timed.reduce<(typeof timed)[number] | null>((b, r) => (!b || r.us! < b.us! ? r : b), null);
    const defRow = timed.find((r) => r.isDefault) ?? null;
    perM.push({ M, seeds, hitExperts: hit, flops, bytes, floorUs, default: defRow, best, results, extra, kernelMd: KERNEL_MD[M] ?? null });
    table.push(
      `| ${M} | ${fmt(defRow?.us)} | ${fmt(KERNEL_MD[M]?.defaultUs)} | ${best ? `${fmt(best.us)} (${best.config})` : '-'} | ${fmt(KERNEL_MD[M]?.tunedUs)} | ` +
        `${best ? (best.rooflineFraction! * 100).toFixed(0) : '-'}% | ${best ? `${fmt(best.tflops)} TF/s, ${best.tbs!.toFixed(2)} TB/s` : '-'} |`,
    );
    const errors = results.filter((r) => r.error);
    console.log(`# M=${M}: ${timed.length} configs timed over seeds ${seeds.join(',')}, ${errors.length} failed${errors.length ? ': ' + errors.map((r) => `${r.config} ${r.error}`).join('; ') : ''}`);
    for (const x of extra) console.log(`#   ${x.config} ${x.variant}: ${fmt(x.us)} us`);
  }
  layer.dispose();

  // The whole layer (align, up GEMM, silu_and_mul, down GEMM with routing weights, top-k sum),
  // one config for both GEMMs as the engines' tuners time it: the default against the up GEMM's best.
  const wholeLayer: Record<string, unknown>[] = [];
  if (!quick && !args.includes('--no-layer')) {
    const full = MoeLayer.create({ ctx, compiler: pool, shape, down: true, seed: 0 });
    for (const M of [64, 1024]) {
      const routing = makeRouting({ kind: 'uniform', seed: 1 }, M, shape.topk, shape.E);
      const batch = full.batch(M, routing, { seed: 1 });
      const best = (perM as { M: number; best: { config: string } | null }[]).find((m) => m.M === M)?.best;
      const picks = [sglangDefault(M, shape.E), ...(best ? [PICKED.find((c) => tileConfigKey(c) === best.config)!] : [])];
      for (const c of picks) {
        const row: Record<string, unknown> = { M, config: tileConfigKey(c) };
        try {
          const check = await batch.checkLayer(c);
          row.check = { ok: check.ok, relError: check.comparison.relError, unwritten: check.unwrittenCount, rows: check.rowsChecked };
          if (check.ok) row.us = (await batch.timeLayer(c, c, timing)).medianUs;
        } catch (err) {
          row.error = (err as Error).message.slice(0, 300);
        }
        wholeLayer.push(row);
        console.log(`# whole layer M=${M} ${row.config}: ${fmt(row.us)} us${row.error ? ` (${row.error})` : ''}, check ${JSON.stringify(row.check)}`);
      }
      batch.dispose();
    }
    full.dispose();
  }
  await pool.close();

  const record = {
    card: dev.name,
    arch: dev.arch,
    smCount: dev.smCount,
    driver: dev.driverVersion,
    date: new Date().toISOString(),
    tag,
    kernelsDir: process.env.MOE_KERNELS_DIR ?? null,
    command: `node native/test-gpu/dist/perf.js ${args.join(' ')}`.trim(),
    peak,
    timing: { ...timing, l2Flush: false, note: 'one eager run, CUDA graph of 10 launches, warm-up replays, median of timed replays, per launch; median over routing seeds; inputs rotate only when a set fits in L2 (M=1 here)' },
    wholeLayer,
    engineFile,
    engineCard: engine?.card ?? null,
    compile,
    lfm2: perM,
  };
  writeFileSync(path.join(outDir, `${tag}.json`), JSON.stringify(record, null, 1));

  console.log('\n| M | ours, SGLang default µs | engine default µs (KERNEL.md, H200) | ours, best of picked µs (config) | engine tuned µs (KERNEL.md) | roofline | rate |');
  console.log('|---|---|---|---|---|---|---|');
  for (const line of table) console.log(line);
  console.log('\nSame config vs the engine kernel (exhaustive file, H200): ours/engine');
  for (const m of perM as { M: number; results: Record<string, unknown>[] }[]) {
    const cmp = m.results.filter((r) => typeof r.vsEngine === 'number');
    for (const r of cmp) {
      const seedRows = r.seeds as { seed: number; us?: number; rowBlocks: number; kernel?: { numRegs: number; sharedBytes: number; localSizeBytes: number } }[];
      const seedsTxt = seedRows.map((x) => `s${x.seed}:${fmt(x.us)}/${x.rowBlocks}blk`).join(' ');
      const k = seedRows[0]?.kernel;
      const res = k ? ` regs ${k.numRegs} smem ${k.sharedBytes} spill ${k.localSizeBytes}` : '';
      console.log(`  M=${m.M} ${String(r.config).padEnd(20)} ours ${fmt(r.us)} engine ${fmt(r.engineUs)} ratio ${(r.vsEngine as number).toFixed(3)}  [${seedsTxt}]${res}`);
    }
    if (cmp.length === 0) continue;
    const ratios = cmp.map((r) => r.vsEngine as number).sort((a, b) => a - b);
    const worst = cmp.reduce((a, b) => ((a.vsEngine as number) > (b.vsEngine as number) ? a : b));
    console.log(
      `M=${m.M}: ${cmp.length} configs, ratio median ${ratios[ratios.length >> 1]!.toFixed(3)}, min ${ratios[0]!.toFixed(3)}, max ${ratios[ratios.length - 1]!.toFixed(3)} (${worst.config}: ${(worst.us as number).toFixed(1)} vs ${(worst.engineUs as number).toFixed(1)})`,
    );
  }
  console.log(`\nfull record: ${path.join(outDir, `${tag}.json`)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
