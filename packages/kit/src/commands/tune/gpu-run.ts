// `moe tune` on GPUs (and its --dry-run): the plan printed, or run through @moe/tuner's
// runGpuTune, its files written through @moe/config-store, optionally installed where the engine
// of --python reads them (then doctor on that tree), and the result printed per batch size.
import os from 'node:os';
import path from 'node:path';
import { collectSourceFiles, doctor, engineWriteLocation, installConfigs, installRoot, lookup, type WriteLocation } from '@moe/config-store';
import { deviceNameForEngine, formatFileName, tileConfigKey, type Engine } from '@moe/engine-facts';
import {
  TuneInterrupted,
  estimateTune,
  measureWorkerCommand,
  planTuneOutput,
  runGpuTune,
  writeTuneOutput,
  type GpuTuneResult,
  type TuneProgress,
} from '@moe/tuner';
import { ExitCode, EXIT } from '../../exit';
import type { CliIo } from '../../io';
import { inFlags } from '../../options';
import { textTable } from '../../text-table';
import { VERSION } from '../../version';
import type { TuneFlags, TunePlan } from './plan';
import { createProgress } from './progress';

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), after printing the command that resumes it. */
export const EXIT_INTERRUPTED = 130;

const ENGINE_NAME: Record<Engine, string> = { sglang: 'SGLang', vllm: 'vLLM' };
const tritonFolder = (v: string) => `triton_${v.replace(/\./g, '_')}`;

interface InstallTarget {
  engine: Engine;
  /** The folder --install writes the engine's files to, or null with why. */
  dir: string | null;
  triton: string | null;
  why: string | null;
}

/** Where the engine of --python writes, asked once per command: the plan started asking (planTune). */
function writeLocation(plan: TunePlan, engine: Engine, python: string, io: CliIo): Promise<WriteLocation> {
  return plan.writeLocations?.get(engine) ?? engineWriteLocation(engine, { python }, { env: io.env, cwd: io.cwd });
}

const targetsOf = new WeakMap<TunePlan, Promise<InstallTarget[]>>();

/** The install targets of the plan's engines, computed once per plan. */
function installTargets(plan: TunePlan, io: CliIo): Promise<InstallTarget[]> {
  let targets = targetsOf.get(plan);
  if (!targets) {
    targets = computeInstallTargets(plan, io);
    targetsOf.set(plan, targets);
  }
  return targets;
}

async function computeInstallTargets(plan: TunePlan, io: CliIo): Promise<InstallTarget[]> {
  const out: InstallTarget[] = [];
  for (const engine of plan.engines) {
    if (plan.kernel.python === null) {
      out.push({ engine, dir: null, triton: null, why: `no engine found: no --python given (--install needs the python ${ENGINE_NAME[engine]} is installed in)` });
      continue;
    }
    try {
      const where = await writeLocation(plan, engine, plan.kernel.python, io);
      let dir = installRoot(engine, where.into, { sglangConfigDir: where.sglangConfigDir });
      if (engine === 'sglang' && where.runningTriton) dir = path.join(dir, tritonFolder(where.runningTriton));
      out.push({ engine, dir, triton: where.runningTriton, why: null });
    } catch (e) {
      out.push({ engine, dir: null, triton: null, why: `no engine found: ${inFlags((e as Error).message)}` });
    }
  }
  return out;
}

/**
 * config-store's install([dir], { engine, python, ... }) with the write location the plan already
 * asked --python for (install() would ask again): the same location, the same installConfigs call.
 */
async function installInto(plan: TunePlan, dir: string, engine: Engine, python: string, io: CliIo) {
  const where = await writeLocation(plan, engine, python, io);
  return installConfigs(collectSourceFiles([path.resolve(io.cwd, dir)]), {
    engine,
    tritonVersion: null,
    dryRun: false,
    force: false,
    into: where.into,
    runningTriton: where.runningTriton,
    sglangConfigDir: where.sglangConfigDir,
  });
}

/** The JSON of a dry run. */
function dryRunJson(plan: TunePlan, targets: InstallTarget[], gpus: number) {
  return {
    model: plan.model,
    source: plan.source,
    device: plan.device,
    kernel: { kind: plan.kernel.kind, line: plan.kernel.line, engine: plan.kernel.engine },
    engines: plan.engines,
    batchSizes: plan.batchSizes,
    shard: plan.shard,
    strategy: plan.strategy,
    seed: plan.seed,
    routing: plan.routing,
    out: plan.out,
    units: plan.units.map((u) => {
      const e = estimateTune({ shape: u.shape, batchSizes: u.batchSizes, candidates: u.candidates.length, grid: 1920, strategy: plan.strategy, ...(plan.budget !== undefined ? { budget: plan.budget } : {}), gpus });
      return {
        id: u.id,
        shape: u.shape,
        candidates: u.candidates.length,
        pruned: plan.pruned.get(u.id) ?? 0,
        files: u.targets.flatMap((t) => fileNames(plan, t)),
        estimate: { compileSeconds: round1(e.compileSeconds.cold), warmCompileSeconds: round1(e.compileSeconds.warm), measureSeconds: round1(e.measureSeconds), wallSeconds: round1(e.wallSeconds.cold), warmWallSeconds: round1(e.wallSeconds.warm), how: e.how },
      };
    }),
    install: targets,
  };
}

const round1 = (x: number) => Number(x.toFixed(1));

function fileNames(plan: TunePlan, t: TunePlan['units'][number]['targets'][number]): { engine: Engine; tp: number; name: string; down: string | null }[] {
  const key = { ...t.key, deviceName: deviceNameForEngine(t.engine, plan.device.name), down: false };
  return [{ engine: t.engine, tp: t.tp, name: formatFileName(t.engine, key), down: t.engine === 'sglang' ? formatFileName(t.engine, { ...key, down: true }) : null }];
}

async function gpuCount(plan: TunePlan): Promise<number[]> {
  if (plan.gpus !== 'all') return plan.gpus;
  try {
    const { probeDevices } = await import('@moe/native');
    const n = probeDevices().devices.length;
    return n > 0 ? Array.from({ length: n }, (_, i) => i) : [0];
  } catch {
    return [0];
  }
}

export async function dryRun(plan: TunePlan, io: CliIo, json: boolean): Promise<void> {
  const targets = await installTargets(plan, io);
  const gpus = plan.gpus === 'all' ? Math.max(1, (await gpuCount(plan)).length) : plan.gpus.length;
  if (json) {
    io.stdout(`${JSON.stringify(dryRunJson(plan, targets, gpus), null, 2)}\n`);
    return;
  }
  const lines: string[] = [];
  const deviceFrom = { flag: '--device-name', local: 'the local GPU', default: 'the default: no GPU here and no --device-name' }[plan.device.from];
  lines.push(`moe tune --dry-run: ${plan.source}: ${plan.shape.architecture}; nothing is compiled or measured`);
  lines.push(`  device       ${plan.device.name} (${deviceFrom})`);
  lines.push(`  kernel       ${plan.kernel.line}`);
  lines.push(`  batch sizes  ${plan.batchSizes.join(' ')}${plan.shard ? `  (shard ${plan.shard.index}/${plan.shard.count} of ${plan.allBatchSizes.length}, from ${plan.shard.from})` : ''}`);
  lines.push(`  search       ${plan.strategy}${plan.budget !== undefined ? ` (budget ${plan.budget} per batch size)` : ''}, seed ${plan.seed}, routing ${routingText(plan)}, ${gpus} GPU${gpus === 1 ? '' : 's'}`);
  lines.push(`  output       ${plan.out}`);
  for (const u of plan.units) {
    const e = estimateTune({ shape: u.shape, batchSizes: u.batchSizes, candidates: u.candidates.length, grid: 1920, strategy: plan.strategy, ...(plan.budget !== undefined ? { budget: plan.budget } : {}), gpus });
    lines.push('');
    lines.push(`kernel shape ${u.id} (up GEMM 2N=${2 * u.shape.N} x K=${u.shape.K}, down GEMM K x N; top-${u.shape.topk})`);
    lines.push(`  search space ${u.candidates.length} of 1920 configs after pruning (${plan.pruned.get(u.id) ?? 0} ruled out: over ${plan.device.name}'s shared memory or the block-quantisation rules), for each GEMM`);
    for (const t of u.targets) {
      for (const f of fileNames(plan, t)) {
        const target = targets.find((x) => x.engine === t.engine)!;
        const triton = target.triton ?? 'X.Y.Z';
        const sub = t.engine === 'sglang' ? path.join('sglang', tritonFolder(triton)) : 'vllm';
        lines.push(`  ${ENGINE_NAME[t.engine]} tp ${t.tp}: ${f.name}${f.down ? ` and ${f.down}` : ''}`);
        lines.push(`    written to ${path.join(plan.out, sub)}${t.engine === 'sglang' && !target.triton ? ' (triton_X_Y_Z: the Triton the GPU worker runs)' : ''}`);
        lines.push(target.dir ? `    --install puts them in ${target.dir}` : `    --install: ${target.why}`);
      }
    }
    const min = (s: number) => (s < 90 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`);
    lines.push(`  estimate     ${min(e.wallSeconds.cold)} with cold caches, ${min(e.wallSeconds.warm)} warm (compile ${min(e.compileSeconds.cold)} cold for ${e.compiles} configs, GPU timing ${min(e.measureSeconds)} for ~${e.measurements} measurements)`);
    lines.push(`  how          ${e.how}`);
  }
  for (const n of plan.notes) lines.push(`note: ${n}`);
  io.stdout(`${lines.join('\n')}\n`);
}

function routingText(plan: TunePlan): string {
  const r = plan.routing;
  return r.kind === 'uniform' ? 'uniform' : r.kind === 'zipf' ? `zipf:${r.s}` : `trace:${r.file}`;
}

/** The journal's identity: every flag that changes what is measured or chosen (not --gpus, --out, --install). */
function identity(plan: TunePlan) {
  return {
    model: plan.model,
    units: plan.units.map((u) => ({ id: u.id, targets: u.targets.map((t) => `${t.engine}:tp${t.tp}:ep${t.ep}`), candidates: u.candidates.length })),
    batchSizes: plan.batchSizes,
    shard: plan.shard ? `${plan.shard.index}/${plan.shard.count}` : null,
    strategy: plan.strategy,
    budget: plan.budget ?? null,
    seed: plan.seed,
    kernel: plan.kernel.kind,
    routing: plan.routing,
    timing: plan.timing,
    device: plan.device.name,
  };
}

export async function gpuRun(plan: TunePlan, flags: TuneFlags, io: CliIo, resumeCommand: string): Promise<void> {
  const gpus = await gpuCount(plan);
  const workDir = path.join(plan.out, '.moe-tune');
  const journalFile = path.join(workDir, 'journal.jsonl');
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  const isProcess = io.attachSignals === true;
  if (isProcess) process.once('SIGINT', onSigint);
  const progress = createProgress(io, gpus, plan, flags.json === true);
  const started = Date.now();
  let result: GpuTuneResult;
  try {
    result = await runGpuTune({
      units: plan.units,
      strategy: { name: plan.strategy, seed: plan.seed, ...(plan.budget !== undefined ? { budget: plan.budget } : {}) },
      seed: plan.seed,
      kernel: plan.kernel.kind,
      replayProtocol: plan.timing,
      // MOE_TUNE_COMPILE_AHEAD=compile|load|off: how the search space is compiled ahead of need (default compile).
      ...(io.env.MOE_TUNE_COMPILE_AHEAD === 'load' || io.env.MOE_TUNE_COMPILE_AHEAD === 'off' ? { compileAhead: io.env.MOE_TUNE_COMPILE_AHEAD } : {}),
      python: plan.kernel.python,
      routing: plan.routing,
      gpus,
      worker: measureWorkerCommand(io.env),
      // One core stays with the GPU workers and this process: compiles starved them of CPU (cold runs).
      compileWorkers: plan.compileWorkers ?? Math.max(1, Math.floor((os.availableParallelism() - 1) / gpus.length)),
      journalFile,
      identity: identity(plan),
      resume: flags.resume === true,
      resumeCommand,
      logDir: workDir,
      signal: controller.signal,
      // SOURCE_DATE_EPOCH (reproducible builds) fixes the run's date, as written in pack-input.json.
      ...(io.env.SOURCE_DATE_EPOCH && /^\d+$/.test(io.env.SOURCE_DATE_EPOCH) ? { now: () => new Date(Number(io.env.SOURCE_DATE_EPOCH) * 1000) } : {}),
      onProgress: (e: TuneProgress) => progress.update(e),
    });
  } catch (e) {
    progress.stop();
    if (e instanceof TuneInterrupted) {
      io.stderr(`moe: interrupted: every compile and measurement so far is kept in ${journalFile}; resume with:\n  ${resumeCommand}\n`);
      throw new ExitCode(EXIT_INTERRUPTED);
    }
    throw e;
  } finally {
    if (isProcess) process.off('SIGINT', onSigint);
  }
  progress.stop();
  const seconds = (Date.now() - started) / 1000;
  const output = planTuneOutput(result, { out: plan.out, model: plan.model, toolVersion: VERSION, routing: plan.routing, strategy: plan.strategy, seed: plan.seed, seconds, timing: plan.timing });
  writeTuneOutput(output);

  // Where the engine reads them: lookup over the written tree proves every batch size loads our entry.
  const reads: { engine: Engine; file: string; loaded: number; of: number }[] = [];
  for (const f of output.files) {
    if (f.gemm === 'down') continue;
    const r = await lookup({ engine: f.engine, dir: f.engineDir, key: { E: f.key.E, N: f.key.N, deviceName: f.key.deviceName, dtype: f.key.dtype, blockShape: f.key.blockShape, perChannelQuant: f.key.perChannelQuant }, ms: plan.batchSizes, tritonVersion: f.tritonVersion, env: {}, cwd: io.cwd });
    const mine = r.results.filter((e) => e.file !== null && path.resolve(r.where, e.file) === f.abs).length;
    reads.push({ engine: f.engine, file: f.rel, loaded: mine, of: plan.batchSizes.length });
  }
  const installed: { engine: Engine; into: string; written: number; doctorErrors: number; findings: string[] }[] = [];
  if (flags.install) {
    for (const engine of plan.engines) {
      const dir = path.join(plan.out, engine);
      if (!output.files.some((f) => f.engine === engine)) continue;
      if (plan.kernel.python === null) {
        io.stderr(`moe: note: --install: no --python given, so no ${ENGINE_NAME[engine]} to install into; install later with moe configs install ${dir} --engine ${engine} --python <python>\n`);
        continue;
      }
      const report = await installInto(plan, dir, engine, plan.kernel.python, io);
      const tree = report.into;
      const doc = doctor(report.configsRoot ? path.join(tree, report.configsRoot) : tree, { engine, tritonVersion: output.files.find((x) => x.engine === engine)?.tritonVersion ?? null });
      installed.push({
        engine,
        into: report.configsRoot ? path.join(tree, report.configsRoot) : tree,
        written: report.actions.filter((a) => a.action === 'write' || a.action === 'overwrite').length,
        doctorErrors: doc.findings.filter((x) => x.severity === 'error').length,
        findings: doc.findings.filter((x) => x.severity === 'error').map((x) => `${x.file}: ${x.code}: ${x.message}`),
      });
      if (report.blocked) {
        io.stderr(`moe: --install: ${ENGINE_NAME[engine]}'s folder has different files of these names; compare with moe configs install ${dir} --engine ${engine} --python ${plan.kernel.python} --dry-run, then pass --force there\n`);
        throw new ExitCode(EXIT.findings);
      }
    }
  }

  // Where the engine of --python reads (when not installed): what --install or moe configs install would do.
  const targets = installed.length === 0 && output.files.length > 0 ? await installTargets(plan, io) : [];
  if (flags.json) {
    io.stdout(`${JSON.stringify({ ...output.report, lookup: reads, installed, engineReads: targets }, null, 2)}\n`);
  } else {
    io.stdout(summary(result, output, reads, installed, plan, seconds, targets));
  }
  if (installed.some((i) => i.doctorErrors > 0)) throw new ExitCode(EXIT.findings);
}

function summary(
  result: GpuTuneResult,
  output: ReturnType<typeof planTuneOutput>,
  reads: { engine: Engine; file: string; loaded: number; of: number }[],
  installed: { engine: Engine; into: string; written: number; doctorErrors: number; findings: string[] }[],
  plan: TunePlan,
  seconds: number,
  targets: InstallTarget[],
): string {
  const lines: string[] = [];
  for (const u of result.units) {
    lines.push(`${u.unit.id} on ${u.devices.length} x ${u.device.name} (driver ${u.device.driver}), Triton ${u.ready.triton ?? '?'}, kernel: ${u.ready.kernelSource ?? '?'}`);
    for (const [engine, rows] of Object.entries(u.rows) as [Engine, NonNullable<(typeof u.rows)['sglang']>][]) {
      const cells = rows.map((r) => [
        String(r.M),
        r.source === 'tuned' ? `${tileConfigKey(r.up)}${engine === 'sglang' ? ` + ${tileConfigKey(r.down)}` : ''}` : `default ${tileConfigKey(r.up)}`,
        r.tuned ? r.tuned.us.toFixed(1) : '-',
        r.default ? r.default.us.toFixed(1) : '-',
        r.speedup ? `${r.speedup.toFixed(2)}x` : '-',
      ]);
      lines.push(`${ENGINE_NAME[engine]} (µs of up + down per batch; BLOCK_M/N/K/GROUP_M/warps/stages${engine === 'sglang' ? ', up + down' : ''}):`);
      lines.push(textTable(['M', 'written', 'tuned µs', 'default µs', 'speedup'], cells));
      for (const r of rows) for (const n of r.notes) lines.push(`  M=${r.M}: ${n}`);
    }
    lines.push(`  ${u.compiles} compiles and ${u.measurements} measurements sent to the GPUs (the rest from the journal), ${u.seconds.toFixed(1)} s`);
  }
  lines.push('');
  lines.push(`wrote ${output.files.length} file${output.files.length === 1 ? '' : 's'} to ${plan.out} in ${seconds.toFixed(1)} s:`);
  for (const f of output.files) lines.push(`  ${f.rel}  (${f.tuned} of ${f.entries} batch sizes tuned, the others the engine's default)`);
  for (const n of output.notWritten) lines.push(`  not written: ${n.name}: ${n.reason}`);
  for (const r of reads) lines.push(`moe configs lookup: ${ENGINE_NAME[r.engine]} loads ${r.file} for ${r.loaded} of ${r.of} batch sizes from ${plan.out}/${r.engine}`);
  for (const i of installed) lines.push(`installed ${i.written} file${i.written === 1 ? '' : 's'} into ${i.into}, where ${ENGINE_NAME[i.engine]} reads them; doctor: ${i.doctorErrors === 0 ? 'no errors' : `${i.doctorErrors} errors: ${i.findings.join('; ')}`}`);
  for (const t of targets) {
    if (!output.files.some((f) => f.engine === t.engine)) continue;
    const dir = path.join(plan.out, t.engine);
    lines.push(
      t.dir
        ? `${ENGINE_NAME[t.engine]} (${plan.kernel.python}) reads ${t.dir}: install there with moe configs install ${dir} --engine ${t.engine} --python ${plan.kernel.python} (or rerun with --install)`
        : `${ENGINE_NAME[t.engine]}: ${t.why}; once you have it: moe configs install ${dir} --engine ${t.engine} --python <its python>`,
    );
  }
  return `${lines.join('\n')}\n`;
}
