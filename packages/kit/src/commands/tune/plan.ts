// What `moe tune` will do, worked out from its flags without a GPU: the model's kernel shapes per
// tp and engine, grouped into tuning units (one per distinct kernel shape), their file names, the
// pruned search space for the GPU, the batch sizes of this shard, the kernel source, the routing.
import path from 'node:path';
import { existsSync } from 'node:fs';
import { engineWriteLocation, gpuInfoForDriverName, type WriteLocation } from '@moe/config-store';
import { type Engine } from '@moe/engine-facts';
import {
  DTYPE_OPTIONS,
  type DtypeOption,
  type KernelShape,
  type LoadedModelConfig,
  type MoeShape,
  kernelShapes,
  loadModelConfig,
  resolveMoeShape,
} from '@moe/model-shapes';
import {
  REPLAY_PROTOCOLS,
  STRATEGY_NAMES,
  buildSearchSpace,
  engineGrid,
  parseShard,
  shardBatchSizes,
  shardFromEnv,
  type ReplayProtocol,
  type Shard,
  type StrategyName,
  type TuneUnit,
  type WorkerRouting,
  type WorkerShape,
} from '@moe/tuner';
import { UsageError } from '../../errors/usage-error';
import type { CliIo } from '../../io';
import { localDeviceName } from '../../local-device';
import { nonEmpty, numberInRange, oneOf, positiveInt, positiveIntList } from '../../options';

/** The model a newcomer tunes first: `npx moe tune` on a GPU. */
export const DEFAULT_MODEL = 'LiquidAI/LFM2-8B-A1B';
/** The engines' tuners' batch sizes (ENGINES.md). */
export const ENGINE_BATCH_SIZES = [1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 1536, 2048, 3072, 4096];
/** The GPU the search space is pruned for when none is given and none is here. */
export const DEFAULT_DEVICE = 'NVIDIA H200';

export interface TuneFlags {
  tp?: string;
  ep?: string;
  dtype?: string;
  engine?: string;
  python?: string;
  kernel?: string;
  batchSizes?: string;
  routing?: string;
  strategy?: string;
  budget?: string;
  seed?: string;
  gpus?: string;
  shard?: string;
  out?: string;
  deviceName?: string;
  compileWorkers?: string;
  timing?: string;
  install?: boolean;
  resume?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export interface KernelChoice {
  kind: 'engine' | 'moe-kit';
  /** One line naming it. */
  line: string;
  python: string | null;
  engine: { engine: string; version: string; path: string } | null;
}

export interface TunePlan {
  model: string;
  source: string;
  shape: MoeShape;
  engines: Engine[];
  tps: number[];
  ep: number;
  dtype: DtypeOption;
  allBatchSizes: number[];
  batchSizes: number[];
  shard: Shard | null;
  device: { name: string; from: 'flag' | 'local' | 'default' };
  kernel: KernelChoice;
  routing: WorkerRouting;
  strategy: StrategyName;
  budget: number | undefined;
  seed: number;
  gpus: 'all' | number[];
  compileWorkers: number | null;
  /** How measurements are replayed: 'fast' (the default) or the engines' tuners' 'engine' protocol. */
  timing: ReplayProtocol;
  out: string;
  units: TuneUnit[];
  /** Per unit, the kernel shapes (per target) it serves. */
  kernelShapes: Map<string, KernelShape[]>;
  pruned: Map<string, number>;
  notes: string[];
  /**
   * Where --install writes for each engine, as the engine of --python says (null without
   * --python): asked once per command, started with the plan and awaited where it is needed
   * (rejected with the reason there is none; the rejection is handled until then).
   */
  writeLocations: ReadonlyMap<Engine, Promise<WriteLocation>> | null;
}

function describeSource(model: string, loaded: LoadedModelConfig): string {
  switch (loaded.origin) {
    case 'file':
      return loaded.location;
    case 'hub-cache':
      return `${model} (local Hugging Face cache)`;
    case 'hub':
      return `${model} (downloaded from ${loaded.location})`;
    case 'catalog':
      return `${model} (built-in catalog)`;
  }
}

/** `--routing uniform | zipf:<s> | trace:<file>`. */
export function parseRouting(text: string | undefined, seed: number, io: CliIo): WorkerRouting {
  const t = (text ?? 'uniform').trim();
  if (t === 'uniform') return { kind: 'uniform', seed };
  const zipf = /^zipf:(.+)$/.exec(t);
  if (zipf) {
    const s = numberInRange('--routing zipf:<s>', zipf[1], { min: 0, max: 10, why: 'the Zipf exponent must be a number from 0 to 10' }, 'zipf:1.2');
    return { kind: 'zipf', s, seed };
  }
  const trace = /^trace:(.+)$/.exec(t);
  if (trace) {
    const file = path.resolve(io.cwd, trace[1]!);
    if (!existsSync(file)) throw new UsageError(`--routing ${t}: ${file} does not exist; pass a file of recorded top-k ids (trace:<file>)`);
    return { kind: 'trace', file };
  }
  throw new UsageError(`--routing ${t}: unknown routing; pass uniform, zipf:<s> (e.g. zipf:1.2) or trace:<file>`);
}

/** `--gpus all | 0,1`: GPU indices (0-based). */
export function parseGpus(text: string | undefined): 'all' | number[] {
  const t = (text ?? 'all').trim();
  if (t === 'all') return 'all';
  const parts = t.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new UsageError(`--gpus ${t}: not all or a comma-separated list of GPU indices; pass e.g. --gpus 0,1`);
  return [...new Set(parts.map(Number))];
}

/** The worker's kernel mode for a kernel shape, or a usage error for dtypes it cannot run yet. */
function workerMode(k: KernelShape, modelDtype: string | null): WorkerShape['mode'] {
  if (k.dtype === null) return modelDtype === 'float16' ? 'fp16' : 'bf16';
  if (k.dtype === 'fp8_w8a8') return k.blockShape ? 'fp8_w8a8_block' : 'fp8_w8a8';
  throw new UsageError(`--dtype: ${k.dtype} kernels are not measured by moe tune yet (bf16, fp16 and fp8_w8a8 per-tensor or block are); pass --dtype bf16 or fp8_w8a8`);
}

type KernelProbe = { ok: true; info: { engine: string; version: string; path: string; sourceSha256: string } } | { ok: false; reason: string };

/**
 * Starts asking `python` for the engine's kernel (a python that imports it and Triton: seconds)
 * when detectKernel will need the answer, so that it runs while the rest of the plan is made.
 * It never rejects, and never throws: a bad --kernel is reported by detectKernel, in its turn.
 */
function startKernelProbe(flag: string | undefined, python: string | null): Promise<KernelProbe> | null {
  if (python === null) return null;
  let wanted: 'engine' | 'moe-kit' | null;
  try {
    wanted = flag === undefined ? null : oneOf('--kernel', flag, ['engine', 'moe-kit'] as const, 'kernel');
  } catch {
    return null;
  }
  if (wanted === 'moe-kit') return null;
  return (async (): Promise<KernelProbe> => {
    try {
      const native = await import('@moe/native');
      return await native.probeEngineKernel({ python });
    } catch (e) {
      return { ok: false, reason: `the native package is not usable here (${(e as Error).message})` };
    }
  })();
}

/**
 * Starts asking `python`, once per engine and all at once, where each engine reads (what --install
 * and the summary need). The promises are awaited later; a rejection is handled until then.
 */
function startWriteLocations(engines: Engine[], python: string | null, io: CliIo): Map<Engine, Promise<WriteLocation>> | null {
  if (python === null) return null;
  const out = new Map<Engine, Promise<WriteLocation>>();
  for (const engine of engines) {
    const where = engineWriteLocation(engine, { python }, { env: io.env, cwd: io.cwd });
    where.catch(() => {});
    out.set(engine, where);
  }
  return out;
}

async function detectKernel(flag: string | undefined, python: string | null, started: Promise<KernelProbe> | null): Promise<KernelChoice> {
  const wanted = flag === undefined ? null : oneOf('--kernel', flag, ['engine', 'moe-kit'] as const, 'kernel');
  if (wanted === 'moe-kit') return { kind: 'moe-kit', line: "MoE Kit's kernel, a stand-in for the engine's (--kernel moe-kit)", python, engine: null };
  if (python === null) {
    if (wanted === 'engine') throw new UsageError('--kernel engine: needs the engine environment; pass --python <the python SGLang or vLLM is installed in>');
    return { kind: 'moe-kit', line: "MoE Kit's kernel, a stand-in for the engine's (no --python with SGLang or vLLM given; pass --python to measure the engine's own kernel)", python, engine: null };
  }
  const probe = await (started ?? startKernelProbe(flag, python)!);
  if (probe.ok) {
    const i = probe.info;
    return { kind: 'engine', line: `${i.engine} ${i.version}'s fused_moe_kernel in ${i.path} (sha256 ${i.sourceSha256.slice(0, 12)}), from ${python}`, python, engine: { engine: i.engine, version: i.version, path: i.path } };
  }
  if (wanted === 'engine') throw new UsageError(`--kernel engine: no engine kernel in --python ${python} (${probe.reason}); pass the python SGLang or vLLM is installed in, or --kernel moe-kit`);
  return { kind: 'moe-kit', line: `MoE Kit's kernel, a stand-in for the engine's (no engine kernel in ${python}: ${probe.reason})`, python, engine: null };
}

/** The plan of a run from its flags (loads the model's config.json; no GPU needed). */
export async function planTune(modelArg: string | undefined, f: TuneFlags, io: CliIo): Promise<TunePlan> {
  const model = modelArg ?? DEFAULT_MODEL;
  const engineFlag = oneOf('--engine', f.engine ?? 'sglang', ['sglang', 'vllm', 'both'] as const, 'engine');
  const engines: Engine[] = engineFlag === 'both' ? ['sglang', 'vllm'] : [engineFlag];
  const dtype = oneOf('--dtype', f.dtype ?? 'auto', DTYPE_OPTIONS, 'dtype');
  const tps = [...new Set(positiveIntList('--tp', f.tp ?? '1', '1,2,4,8'))];
  const ep = positiveInt('--ep', f.ep ?? '1', '1');
  const strategy = oneOf('--strategy', f.strategy ?? 'auto', STRATEGY_NAMES, 'strategy');
  const budget = f.budget === undefined ? undefined : positiveInt('--budget', f.budget, '100');
  if (budget !== undefined && strategy === 'exhaustive') throw new UsageError('--budget does not apply to --strategy exhaustive (it measures every candidate); drop --budget or pick auto or random');
  const seed = f.seed === undefined ? 0 : numberInRange('--seed', f.seed, { min: 0, max: 4294967295, integer: true, why: 'not a whole number from 0 to 4294967295 (2^32 - 1)' }, '0');
  const allBatchSizes = f.batchSizes === undefined ? ENGINE_BATCH_SIZES : [...new Set(positiveIntList('--batch-sizes', f.batchSizes, '1,16,64,1024'))].sort((a, b) => a - b);
  const shard = f.shard !== undefined ? parseShard(f.shard) : shardFromEnv(io.env);
  const batchSizes = shard ? shardBatchSizes(allBatchSizes, shard) : allBatchSizes;
  const python = nonEmpty('--python', f.python, 'pass the python of the engine environment') ?? io.env.MOE_PYTHON ?? null;
  const gpus = parseGpus(f.gpus);
  const compileWorkers = f.compileWorkers === undefined ? null : positiveInt('--compile-workers', f.compileWorkers, '16');
  const timing = oneOf('--timing', f.timing ?? 'fast', REPLAY_PROTOCOLS, 'timing');
  const routing = parseRouting(f.routing, seed, io);
  const out = path.resolve(io.cwd, nonEmpty('--out', f.out, 'pass the folder to write the configs to') ?? (shard ? path.join('moe-configs', `shard-${shard.index}-of-${shard.count}`) : 'moe-configs'));
  const deviceFlag = nonEmpty('--device-name', f.deviceName, 'pass the name as the GPU reports it, e.g. --device-name "NVIDIA H100 80GB HBM3"');
  // The slow steps run at once: the engine's python asked for its kernel and where each engine
  // reads, the model's config.json read (or downloaded), the local GPU probed (in this process).
  // Each is awaited where it was before, so an error surfaces where it did.
  const kernelProbe = startKernelProbe(f.kernel, python);
  const writeLocations = startWriteLocations(engines, python, io);
  const loading = loadModelConfig(model, { env: io.env, cwd: io.cwd });
  loading.catch(() => {});
  const local = deviceFlag === undefined ? await localDeviceName() : null;
  const device = deviceFlag !== undefined ? { name: deviceFlag, from: 'flag' as const } : local ? { name: local, from: 'local' as const } : { name: DEFAULT_DEVICE, from: 'default' as const };

  const loaded = await loading;
  const shape = resolveMoeShape(loaded.config, {}, { label: model });
  const gpu = gpuInfoForDriverName(device.name);
  const units = new Map<string, TuneUnit>();
  const shapesOf = new Map<string, KernelShape[]>();
  const pruned = new Map<string, number>();
  const notes: string[] = [];
  for (const tp of tps) {
    for (const engine of engines) {
      const k = kernelShapes(shape, { tp, ep, engine, dtype, deviceName: device.name });
      const mode = workerMode(k, shape.dtype);
      const ws: WorkerShape = { E: k.localExperts, N: k.shardIntermediate, K: k.hidden, topk: k.topk, mode, blockShape: k.blockShape };
      const id = `E=${ws.E},N=${ws.N},K=${ws.K},topk=${ws.topk},${mode}${ws.blockShape ? `,block=${ws.blockShape.join('x')}` : ''}`;
      let unit = units.get(id);
      if (!unit) {
        const space = buildSearchSpace(engineGrid(), { gpu, dtype: k.dtype, blockShape: k.blockShape, engine: engines.includes('vllm') ? 'vllm' : 'sglang' });
        unit = { id, shape: ws, batchSizes, targets: [], defaults: {}, candidates: space.candidates };
        units.set(id, unit);
        pruned.set(id, space.pruned.length);
        shapesOf.set(id, []);
      }
      unit.targets.push({ engine, tp, ep, key: { E: k.localExperts, N: k.fileN, dtype: k.dtype, blockShape: k.blockShape, perChannelQuant: k.perChannelQuant } });
      unit.defaults[engine] = { e: k.localExperts, dtype: k.dtype, blockShape: k.blockShape, topk: k.topk };
      shapesOf.get(id)!.push(k);
      notes.push(...k.notes);
    }
  }
  if (batchSizes.length === 0) throw new UsageError(`--shard ${shard!.index}/${shard!.count}: no batch sizes left for this shard (${allBatchSizes.length} in all); use fewer shards`);
  const kernel = await detectKernel(f.kernel, python, kernelProbe);
  return {
    model,
    source: describeSource(model, loaded),
    shape,
    engines,
    tps,
    ep,
    dtype,
    allBatchSizes,
    batchSizes,
    shard,
    device,
    kernel,
    routing,
    strategy,
    budget,
    seed,
    gpus,
    compileWorkers,
    timing,
    out,
    units: [...units.values()],
    kernelShapes: shapesOf,
    pruned,
    notes: [...new Set([...shape.notes, ...notes])],
    writeLocations,
  };
}
