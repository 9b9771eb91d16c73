// The GPU-host bench of issue #11 in one command, for packages/bench/RESULTS.md. Bundled by
// gpu/tsup.config.ts into gpu/dist/bench-gpu.js (every import inlined but @resvg/resvg-js, a
// native module: carry node_modules/@resvg for the PNG), so the host needs only `node`, the addon
// (native/build) and the kernels (native/python, tracked). Cases:
//   lfm2: LiquidAI/LFM2-8B-A1B TP1, bf16 (E=32, N=1792, K=2048, top-4). Sets: SGLang's default;
//         tuned:<--tuned> (a `moe tune --out` folder) when given; SGLang's shipped H100 file
//         (reference/sglang-configs, triton_3_5_1/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json)
//         timed on this card; installed: what the SGLang 0.5.16 stand-in loads on this card (its
//         configs folder holds no file: the default).
//   fp8:  Qwen/Qwen3-30B-A3B with fp8 block [128, 128] weights (the catalog's config plus the
//         quantization_config of Qwen3-30B-A3B-FP8; E=128, N=768, K=2048, top-8). Sets: default;
//         tuned:<--tuned-fp8> when given; shipped: SGLang's H200 file for it (found through the
//         Triton fallback in triton_3_2_0); installed.
// Every case times up, down and the whole layer at every batch size, checks every config against
// the float64 reference first (and the engine's own launch at M=64), measures the card's peaks once
// (unless --no-peaks), and writes <out>/<case>/bench.{html,svg,png,json,txt}.
//
//   node packages/bench/gpu/dist/bench-gpu.js --out "$OUT" [--cases lfm2,fp8] [--tuned DIR] [--tuned-fp8 DIR] [--also SETS] [--also-fp8 SETS]
//        [--standin DIR] [--python BIN] [--quick] [--rounds N] [--batch-sizes LIST] [--no-peaks]
//   node packages/bench/gpu/dist/bench-gpu.js --out "$OUT" --synthetic   (no GPU: a SYNTHETIC report, to
//        check the bundle renders the HTML, SVG and PNG on this host before spending device time)
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCatalogEntry, resolveMoeShape } from '@moe/model-shapes';
import { BENCH_BATCH_SIZES, runBenchOnGpu, type BenchOptions } from '../src/bench';
import { shapeOfMoe, type BenchShape } from '../src/bench-shape';
import type { MeasuredPeaks } from '../src/peaks';
import { textReport } from '../src/report/text-report';
import { writeReport } from '../src/report/write-report';
import { summarize } from '../src/summarize';
import { syntheticRecord } from '../src/synthetic';
import type { BenchStage } from '../src/traffic';

const here = path.dirname(fileURLToPath(import.meta.url));
/** gpu/dist/bench-gpu.js -> the repository root. */
const root = path.resolve(here, '../../../..');
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const flag = (name: string) => args.includes(name);

function fail(message: string): never {
  console.error(`bench-gpu: ${message}`);
  process.exit(2);
}

const out = path.resolve(opt('--out') ?? process.env.OUT ?? fail('no --out and no $OUT; pass --out <folder>'));
const quick = flag('--quick');
const cases = (opt('--cases') ?? 'lfm2,fp8').split(',').map((c) => c.trim());
for (const c of cases) if (c !== 'lfm2' && c !== 'fp8') fail(`--cases ${c}: unknown case; pass lfm2, fp8 or both`);
const ms = opt('--batch-sizes')?.split(',').map(Number) ?? (quick ? [1, 16, 64, 256, 1024, 4096] : BENCH_BATCH_SIZES);
if (ms.some((m) => !Number.isInteger(m) || m < 1)) fail(`--batch-sizes ${opt('--batch-sizes')}: not positive integers`);
const rounds = Number(opt('--rounds') ?? (quick ? 3 : 5));
const stages: BenchStage[] = ['up', 'down', 'layer'];
const python = opt('--python') ?? process.env.MOE_PYTHON ?? 'python3';

// The kernels and the addon of this checkout (a bundle does not sit inside @moe/native).
process.env.MOE_KERNELS_DIR ??= path.join(root, 'native', 'python');
process.env.MOE_NATIVE_ADDON ??= path.join(root, 'native', 'build', 'Release', 'moe_native.node');

const STANDIN = 'reference/engines/sglang-0.5.16-a358374';
const standin = path.resolve(
  opt('--standin') ??
    [path.join(root, 'shared', STANDIN), path.join(root, '..', 'shared', STANDIN)].find((p) => existsSync(p)) ??
    fail(`no SGLang 0.5.16 stand-in at shared/${STANDIN} or ../shared/${STANDIN}; pass --standin <folder>`),
);
const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: [standin, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) };
const SGLANG_CONFIGS = path.join(root, 'reference', 'sglang-configs');

function tunedSet(dir: string | undefined, label: string): string[] {
  if (!dir) {
    console.error(`bench-gpu: no ${label}: the tuned set is left out (pass ${label} <moe tune --out folder>)`);
    return [];
  }
  if (!existsSync(dir)) fail(`${label} ${dir}: no such folder`);
  return [`tuned:${path.resolve(dir)}`];
}

function qwen3Fp8(): BenchShape {
  const base = findCatalogEntry('Qwen/Qwen3-30B-A3B')!.config;
  // Qwen/Qwen3-30B-A3B-FP8's quantization_config: fp8 e4m3 weights in [128, 128] blocks, dynamic activations.
  const config = { ...base, quantization_config: { quant_method: 'fp8', fmt: 'e4m3', activation_scheme: 'dynamic', weight_block_size: [128, 128] } };
  const label = 'Qwen/Qwen3-30B-A3B-FP8 (catalog Qwen3-30B-A3B, fp8 block [128, 128])';
  return shapeOfMoe(label, resolveMoeShape(config, {}, { label }), { engine: 'sglang', tp: 1, deviceName: 'NVIDIA H200' });
}

// One line per failure, the exit code from its kind (as `moe` does): 4 the machine, 2 bad input, 3 a bug.
process.on('uncaughtException', (err: Error & { kind?: string }) => {
  console.error(`bench-gpu: ${err.message}${process.env.MOE_DEBUG ? `\n${err.stack}` : ''}`);
  process.exit(err.kind === 'machine' ? 4 : err.kind === 'bad-input' || String((err as { code?: unknown }).code ?? '').startsWith('MOE_') ? 2 : 3);
});

const started = Date.now();
mkdirSync(out, { recursive: true });
if (flag('--synthetic')) {
  const record = await syntheticRecord({ seed: 0 });
  const paths = await writeReport(record, path.join(out, 'synthetic', 'bench.html'), { png: 'optional' });
  console.error(`bench-gpu: SYNTHETIC report (no GPU ran): ${paths.html}${paths.pngError ? `; no PNG: ${paths.pngError}` : `, ${paths.png}`}`);
  process.exit(0);
}
let peaks: MeasuredPeaks | null = null;
const done: { case: string; report: string; rows: number; failed: number; seconds: number }[] = [];
for (const c of cases) {
  const t0 = Date.now();
  // --also <specs> (lfm2) / --also-fp8 <specs>: more sets after these, e.g. a second tune's folder
  // (`tuned:<dir>`, reported as tuned#2) to compare two searches' files in one run.
  const also = (opt(c === 'lfm2' ? '--also' : '--also-fp8') ?? '').split(',').filter((x) => x.trim() !== '');
  const sets =
    c === 'lfm2'
      ? ['default', ...tunedSet(opt('--tuned'), '--tuned'), `shipped:${SGLANG_CONFIGS}@NVIDIA H100 80GB HBM3`, 'installed', ...also]
      : ['default', ...tunedSet(opt('--tuned-fp8'), '--tuned-fp8'), `shipped:${SGLANG_CONFIGS}`, 'installed', ...also];
  const o: BenchOptions = {
    ...(c === 'lfm2' ? { model: 'LiquidAI/LFM2-8B-A1B', tp: 1 } : { shape: qwen3Fp8() }),
    engine: 'sglang',
    sets: sets.join(','),
    ms,
    stages,
    rounds,
    replays: 20,
    python,
    kernel: 'engine',
    peaks: !flag('--no-peaks'),
    ...(peaks ? { peaksFrom: peaks } : {}),
    engineCheck: ms.includes(64) ? [64] : [ms[0]!],
    env: { ...env, HF_HUB_OFFLINE: '1' },
    cwd: root,
    onProgress: (line) => console.error(`bench-gpu ${c}: ${line} (${((Date.now() - started) / 1000).toFixed(0)} s)`),
  };
  const record = await runBenchOnGpu(o);
  peaks = record.measuredPeaks ?? peaks;
  const dir = path.join(out, c);
  const paths = await writeReport(record, path.join(dir, 'bench.html'), { png: 'optional' });
  const rows = summarize(record);
  const text = textReport(record, rows);
  writeFileSync(path.join(dir, 'bench.txt'), text);
  process.stdout.write(`\n=== ${c} ===\n${text}`);
  if (paths.pngError) console.error(`bench-gpu ${c}: no PNG: ${paths.pngError}`);
  done.push({ case: c, report: paths.html, rows: rows.length, failed: rows.filter((r) => r.failure !== null).length, seconds: (Date.now() - t0) / 1000 });
}
writeFileSync(
  path.join(out, 'run.json'),
  `${JSON.stringify({ command: process.argv.slice(1).join(' '), node: process.version, standin, python, rounds, batchSizes: ms, cases: done, seconds: (Date.now() - started) / 1000 }, null, 2)}\n`,
);
console.error(`bench-gpu: done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${done.map((d) => `${d.case} ${d.report}`).join('; ')}`);
