import path from 'node:path';
import { readFileSync } from 'node:fs';
import {
  BENCH_BATCH_SIZES,
  BENCH_DEFAULT_MODEL,
  BENCH_STAGES,
  DEFAULT_REPLAYS,
  DEFAULT_ROUNDS,
  parseBenchRecord,
  planBench,
  planJson,
  planText,
  runBenchOnGpu,
  summarize,
  textReport,
  writeReport,
  type BenchOptions,
  type BenchRecord,
  type BenchRouting,
  type BenchStage,
} from '@moe/bench';
import { findInstalledEngine } from '@moe/config-store';
import { ENGINES } from '@moe/engine-facts';
import { DTYPE_OPTIONS } from '@moe/model-shapes';
import { UsageError } from '../errors/usage-error';
import { ExitCode, EXIT } from '../exit';
import type { CliIo } from '../io';
import { localDeviceName } from '../local-device';
import { engineOption, flagged, nonEmpty, numberInRange, oneOf, positiveInt, positiveIntList, tritonOption } from '../options';
import type { CommandModule } from './command-module';
import { parseRouting } from './tune/plan';

interface BenchFlags {
  tp: string;
  ep: string;
  dtype: string;
  engine: string;
  python?: string;
  kernel: string;
  sets?: string;
  batchSizes?: string;
  what: string;
  routing?: string;
  seed: string;
  repeats: string;
  replays: string;
  report?: string;
  json?: boolean;
  dryRun?: boolean;
  peaks?: boolean;
  engineCheck?: boolean;
  device: string;
  deviceName?: string;
  triton?: string;
  from?: string;
  revision?: string;
}

/** @moe/bench's parameters that no other command sets, and their flags (the rest are in options.ts). */
const BENCH_FLAGS: Readonly<Record<string, string>> = { sets: '--sets', report: '--report', peaks: '--peaks', model: '<model>', ms: '--batch-sizes' };

function benchFlags(text: string): string {
  return text.replace(/`([A-Za-z]+)`/g, (whole, name: string) => BENCH_FLAGS[name] ?? whole);
}

/** `--what up,down,layer`. */
function parseStages(text: string): BenchStage[] {
  const parts = text.split(',').map((p) => p.trim());
  const out: BenchStage[] = [];
  for (const p of parts) {
    const s = oneOf('--what', p, BENCH_STAGES, 'stage (up: the up GEMM, down: the down GEMM, layer: the whole MoE layer)');
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

function routingOf(f: BenchFlags, seed: number, io: CliIo): BenchRouting {
  const r = parseRouting(f.routing, seed, io);
  return r.kind === 'trace' ? { kind: 'trace', file: r.file, seed } : r;
}

function options(model: string, f: BenchFlags, io: CliIo): BenchOptions {
  const engine = engineOption(f.engine);
  const seed = numberInRange('--seed', f.seed, { min: 0, max: 2 ** 32 - 1, integer: true, why: 'not a whole number from 0 to 4294967295' }, '0');
  nonEmpty('--python', f.python, 'pass the interpreter of the environment the engine runs in, e.g. --python .venv/bin/python');
  nonEmpty('--revision', f.revision, 'pass a branch, tag or commit hash, or leave --revision out');
  const python = f.python ?? io.env.MOE_PYTHON ?? 'python3';
  return {
    model,
    tp: positiveInt('--tp', f.tp, '1'),
    ep: positiveInt('--ep', f.ep, '1'),
    dtype: oneOf('--dtype', f.dtype, DTYPE_OPTIONS, 'dtype'),
    engine,
    // Without --sets: worked out in defaultSets.
    sets: nonEmpty('--sets', f.sets, 'pass e.g. --sets default,tuned:out/,installed') ?? 'default',
    ms: f.batchSizes !== undefined ? [...new Set(positiveIntList('--batch-sizes', f.batchSizes, '1,64,4096'))] : BENCH_BATCH_SIZES,
    stages: parseStages(f.what),
    routing: routingOf(f, seed, io),
    seed,
    python,
    kernel: oneOf('--kernel', f.kernel, ['engine', 'moe-kit'] as const, 'kernel'),
    tritonVersion: tritonOption(f.triton),
    device: numberInRange('--device', f.device, { min: 0, max: 1023, integer: true, why: 'not a GPU index (0, 1, ...)' }, '0'),
    rounds: positiveInt('--repeats', f.repeats, '5', 1000),
    replays: positiveInt('--replays', f.replays, '20', 100_000),
    peaks: f.peaks === true,
    engineCheck: f.engineCheck === true,
    env: io.env,
    cwd: io.cwd,
    ...(f.revision !== undefined ? { revision: f.revision } : {}),
    onProgress: (line) => io.stderr(`moe bench: ${line}\n`),
  };
}

/** Without --sets: default and installed, or only default when the python has no such engine (said on stderr). */
async function defaultSets(o: BenchOptions, io: CliIo): Promise<string> {
  try {
    await findInstalledEngine(o.engine, o.python!, { env: io.env });
    return 'default,installed';
  } catch {
    io.stderr(`moe bench: note: no ${o.engine} in ${o.python}: the sets are default only (no installed); pass --python <the engine environment's python> or --sets\n`);
    return 'default';
  }
}

/** Prints a record (table or JSON), writes the report when asked; exit 1 when a config failed its check. */
async function show(record: BenchRecord, f: BenchFlags, io: CliIo): Promise<void> {
  const rows = summarize(record);
  if (f.json) io.stdout(`${JSON.stringify({ record, rows }, null, 2)}\n`);
  else io.stdout(textReport(record, rows));
  if (f.report !== undefined) {
    const paths = await writeReport(record, path.resolve(io.cwd, f.report));
    (f.json ? io.stderr : io.stdout)(`${f.json ? 'moe bench: ' : ''}report: ${paths.html} (main plot ${paths.svg}, ${paths.png}; record ${paths.json})\n`);
  }
  const failed = rows.filter((r) => r.check === 'failed' || r.engineCheck === 'failed');
  if (failed.length > 0) {
    io.stderr(`moe bench: ${failed.length} configs gave wrong results (rows marked "wrong result" or "engine self-check failed"): not timed\n`);
    throw new ExitCode(EXIT.findings);
  }
}

async function runBenchCommand(model: string | undefined, f: BenchFlags, io: CliIo): Promise<void> {
  if (f.from !== undefined) {
    nonEmpty('--from', f.from, 'pass the bench.json a bench run wrote');
    const file = path.resolve(io.cwd, f.from);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`--from ${f.from}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pass the bench.json a bench run wrote`);
    }
    await show(parseBenchRecord(text, `--from ${f.from}`), f, io);
    return;
  }
  if (f.deviceName !== undefined && !f.dryRun) {
    throw new UsageError('--device-name is for --dry-run: a run on a GPU names its files by that GPU; drop --device-name (or add --dry-run), or use shipped:<dir>@<device> for another GPU\'s files');
  }
  const o = options(model ?? BENCH_DEFAULT_MODEL, f, io);
  if (f.sets === undefined) o.sets = await defaultSets(o, io);
  if (f.dryRun) {
    const deviceName = f.deviceName ?? (await localDeviceName());
    if (!deviceName || deviceName.trim() === '') {
      throw new UsageError('--device-name missing and no local GPU found; pass the GPU the bench is for as its driver names it, e.g. --device-name "NVIDIA H200"');
    }
    const plan = await planBench({ ...o, deviceName });
    io.stdout(f.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : planText(plan));
    return;
  }
  await show(await runBenchOnGpu(o), f, io);
}

/** `moe bench`: config sets against the engine's default on the engine's kernel, with rooflines and a report. */
export const benchCommand: CommandModule = (program, io) => {
  program
    .command('bench')
    .description("time config sets against the engine's default config on the engine's kernel: µs, TFLOP/s, GB/s, roofline, speedup with 95% intervals, layer tokens/s, HTML report")
    .argument('[model]', `a config.json, a model folder, a Hugging Face id or a catalog name (default ${BENCH_DEFAULT_MODEL})`)
    .option('--tp <n>', 'tensor-parallel size', '1')
    .option('--ep <n>', 'expert-parallel size', '1')
    .option('--dtype <dtype>', `kernel dtype: ${DTYPE_OPTIONS.join(' | ')}`, 'auto')
    .option('--engine <engine>', `whose files, lookup rules and kernel: ${ENGINES.join(' | ')}`, 'sglang')
    .option('--python <interpreter>', "the engine environment's python: its kernel is timed and `installed` is what it loads (default $MOE_PYTHON, else python3)")
    .option('--kernel <kernel>', "engine (the installed engine's own) | moe-kit (MoE Kit's stand-in)", 'engine')
    .option(
      '--sets <list>',
      'config sets, comma-separated: default, tuned:<moe tune --out or folder>, shipped:<folder>[@<device name>], pack:<name or folder>, installed (default: default,installed; default alone when --python has no engine)',
    )
    .option('--batch-sizes <list>', "batch sizes M, comma-separated (default: the engines' tuners' 1..4096)")
    .option('--what <list>', 'what to time, comma-separated: up, down, layer', 'layer')
    .option('--routing <routing>', 'uniform | zipf:<s> | trace:<file of top-k ids> (default uniform)')
    .option('--seed <n>', 'seed of the routing, weights and activations', '0')
    .option('--repeats <n>', `rounds: each times every config once; the 95% intervals come from them (default ${DEFAULT_ROUNDS})`, String(DEFAULT_ROUNDS))
    .option('--replays <n>', `timed CUDA-graph replays per round (default ${DEFAULT_REPLAYS})`, String(DEFAULT_REPLAYS))
    .option('--report <file.html>', 'write a self-contained HTML report there, with the main plot as .svg and .png and the record as .json beside it')
    .option('--json', 'print { record, rows } as JSON (with --dry-run: the plan)')
    .option('--dry-run', 'no GPU: print per batch size and set the config that would be timed and where it comes from')
    .option('--peaks', "measure this card's copy bandwidth and dense bf16/fp8 GEMM rates and use them as the roofline's ceilings")
    .option('--engine-check', "also check each config's launch against the engine's own (bit-identical outputs)")
    .option('--device <index>', 'GPU index', '0')
    .option('--device-name <name>', 'with --dry-run: the GPU the files are for (default: the local GPU)')
    .option('--triton <version>', 'the running Triton version SGLang picks its folder by (default: the compile service\'s, or --python\'s)')
    .option('--revision <rev>', 'Hugging Face revision of the model')
    .option('--from <record.json>', 'print (and with --report render) a saved record instead of running: no GPU')
    .action(
      flagged(async (model: string | undefined, f: BenchFlags) => {
        try {
          await runBenchCommand(model, f, io);
        } catch (err) {
          if (err instanceof Error) err.message = benchFlags(err.message);
          throw err;
        }
      }),
    );
};
