// `moe bench` as functions (the command prints exactly these): `planBench` resolves the shape
// and every set's config per batch size with no GPU (the dry run); `runBench...OnGpu` opens the
// card, measures the peaks when asked, checks and times every distinct config in rounds, and
// returns the record.
import { findInstalledEngine } from '@moe/config-store';
import type { Engine } from '@moe/engine-facts';
import type { DtypeOption } from '@moe/model-shapes';
import { setRecords, RECORD_FORMAT, RECORD_VERSION, type BatchRecord, type BenchProtocol, type BenchRecord, type BenchRouting } from './bench-record';
import { loadBenchShape, type BenchShape } from './bench-shape';
import { parseSetSpecs, type SetSpec } from './config-sets';
import { BenchOptionError } from './errors/bench-option-error';
import { NativeBench } from './native-bench';
import { DevicePeakMeasurer, peaksOf, tablePeaks, type MeasuredPeaks, type PeakMeasureOptions } from './peaks';
import { resolveSets, type ResolvedSet } from './resolve-sets';
import { planBatches, runBench } from './run-bench';
import { expectedHitExperts, type BenchStage } from './traffic';
import { BENCH_VERSION } from './version';

/** The engines' tuners' batch sizes (ENGINES.md): the default. */
export const BENCH_BATCH_SIZES = [1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 1536, 2048, 3072, 4096];
export const DEFAULT_ROUNDS = 5;
export const DEFAULT_REPLAYS = 20;
/** The timing protocol of native's runner: CUDA graphs of 10 launches, 5 warm-up replays. */
const LAUNCHES_PER_GRAPH = 10;
const WARMUP = 5;

export interface BenchOptions {
  /** A model (config.json, folder, hub id, catalog name), or `shape` instead. */
  model?: string;
  /** A shape worked out already (the GPU-host script's fp8 case). */
  shape?: BenchShape;
  tp?: number;
  ep?: number;
  dtype?: DtypeOption;
  engine: Engine;
  /** The set specs (`default,tuned:<dir>,...`), parsed or as text. */
  sets: string | SetSpec[];
  ms?: number[];
  stages?: BenchStage[];
  routing?: BenchRouting;
  seed?: number;
  /** The engine environment's interpreter: the compile workers' and what `installed` reads. */
  python?: string;
  kernel?: 'engine' | 'moe-kit';
  /** The running Triton version (SGLang's folder); default: the compile service's, or `python`'s. */
  tritonVersion?: string | null;
  /** The card's name as its driver reports it: needed without a GPU (dry run); a GPU run uses the card's. */
  deviceName?: string | null;
  device?: number;
  rounds?: number;
  replays?: number;
  peaks?: boolean | PeakMeasureOptions;
  /** Peaks measured already on this card (a second run of the same session): used instead of measuring. */
  peaksFrom?: MeasuredPeaks;
  /** The engine self-check of every distinct config: at every batch size (true) or at these. */
  engineCheck?: boolean | number[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  revision?: string;
  compileWorkers?: number;
  onProgress?: (line: string) => void;
}

export interface BenchPlan {
  shape: BenchShape;
  deviceName: string;
  tritonVersion: string | null;
  sets: ResolvedSet[];
  /** The configs of every set per batch size (with the hit experts expected under uniform routing). */
  batches: BatchRecord[];
  stages: BenchStage[];
  notes: string[];
}

function stagesOf(o: BenchOptions): BenchStage[] {
  return o.stages ?? ['layer'];
}

function specsOf(o: BenchOptions): { sets: SetSpec[]; notes: string[] } {
  return typeof o.sets === 'string' ? parseSetSpecs(o.sets, o.engine) : { sets: o.sets, notes: [] };
}

async function shapeFor(o: BenchOptions, deviceName: string): Promise<BenchShape> {
  if (o.shape) return o.shape;
  if (!o.model) throw new BenchOptionError('no model given; pass `model` (a config.json, a model folder, a hub id or a catalog name)');
  return loadBenchShape(o.model, {
    engine: o.engine,
    tp: o.tp ?? 1,
    ep: o.ep ?? 1,
    dtype: o.dtype ?? 'auto',
    deviceName,
    ...(o.env ? { env: o.env } : {}),
    ...(o.cwd ? { cwd: o.cwd } : {}),
    ...(o.revision !== undefined ? { revision: o.revision } : {}),
  });
}

/** The Triton version SGLang picks its folder by: given, else that of `python`'s environment, else unknown. */
async function tritonOf(o: BenchOptions, notes: string[]): Promise<string | null> {
  if (o.engine !== 'sglang') return null;
  if (o.tritonVersion) return o.tritonVersion;
  if (o.python) {
    try {
      const found = await findInstalledEngine(o.engine, o.python, { ...(o.env ? { env: o.env } : {}) });
      if (found.tritonVersion) return found.tritonVersion;
    } catch {
      // no engine there: said below
    }
  }
  notes.push('no `tritonVersion` and none found with `python`: SGLang folders are searched as for a Triton without a folder of its own (newest first)');
  return null;
}

/** What a run would time, with no GPU: the shape, every set's config per batch size and where it comes from. */
export async function planBench(o: BenchOptions): Promise<BenchPlan> {
  const deviceName = o.deviceName?.trim();
  if (!deviceName) throw new BenchOptionError('no `deviceName` and no GPU here: the config files are named by the GPU; pass `deviceName` (e.g. "NVIDIA H200")');
  const { sets: specs, notes } = specsOf(o);
  const shape = await shapeFor(o, deviceName);
  const ms = o.ms ?? BENCH_BATCH_SIZES;
  const tritonVersion = await tritonOf(o, notes);
  const sets = await resolveSets(specs, {
    engine: o.engine,
    shape,
    deviceName,
    ms,
    tritonVersion,
    ...(o.python ? { python: o.python } : {}),
    ...(o.env ? { env: o.env } : {}),
    ...(o.cwd ? { cwd: o.cwd } : {}),
  });
  const stages = stagesOf(o);
  const batches = planBatches({ sets, ms, stages }, (M) => expectedHitExperts(shape.E, shape.topk, M));
  return { shape, deviceName, tritonVersion, sets, batches, stages, notes };
}

/** Runs the bench on a GPU and returns its record. */
export async function runBenchOnGpu(o: BenchOptions): Promise<BenchRecord> {
  const say = o.onProgress ?? (() => {});
  const { sets: specs, notes } = specsOf(o);
  const ms = o.ms ?? BENCH_BATCH_SIZES;
  const stages = stagesOf(o);
  const seed = o.seed ?? 0;
  const routing: BenchRouting = o.routing ?? { kind: 'uniform', seed };
  const rounds = o.rounds ?? DEFAULT_ROUNDS;
  const replays = o.replays ?? DEFAULT_REPLAYS;
  // The card names the files: the shape is resolved for it.
  const probeName = o.deviceName ?? 'NVIDIA H200';
  let shape = await shapeFor(o, probeName);
  const extraEnv = o.env?.PYTHONPATH ? { PYTHONPATH: o.env.PYTHONPATH } : undefined;
  say(`opening GPU ${o.device ?? 0} and the compile service (${o.kernel ?? 'engine'} kernel)`);
  const dev = await NativeBench.open({
    shape,
    ...(o.device !== undefined ? { device: o.device } : {}),
    ...(o.python ? { python: o.python } : {}),
    kernel: o.kernel ?? 'engine',
    routing,
    seed,
    ...(extraEnv ? { env: extraEnv } : {}),
    ...(o.compileWorkers ? { compileWorkers: o.compileWorkers } : {}),
  });
  try {
    const facts = dev.describe();
    if (!o.shape && facts.card.name !== probeName) shape = await shapeFor(o, facts.card.name);
    const tritonVersion = o.engine === 'sglang' ? (o.tritonVersion ?? facts.triton) : null;
    const sets = await resolveSets(specs, {
      engine: o.engine,
      shape,
      deviceName: facts.card.name,
      ms,
      tritonVersion,
      ...(o.python ? { python: o.python } : {}),
      ...(o.env ? { env: o.env } : {}),
      ...(o.cwd ? { cwd: o.cwd } : {}),
    });
    let measured: MeasuredPeaks | null = o.peaksFrom ?? null;
    if (o.peaks && !measured) {
      say('measuring the peaks: copy bandwidth, dense bf16 and fp8 GEMMs');
      measured = await new DevicePeakMeasurer(dev, typeof o.peaks === 'object' ? o.peaks : {}).measure();
    }
    const peaks = measured ? peaksOf(facts.card.name, measured) : tablePeaks(facts.card.name);
    const batches = await runBench(dev, { sets, ms, stages, rounds, replays, engineCheck: o.engineCheck ?? false, onProgress: say });
    const protocol: BenchProtocol = {
      rounds,
      replays,
      launchesPerGraph: LAUNCHES_PER_GRAPH,
      warmup: WARMUP,
      rotateInputs: true,
      l2Flush: false,
      order: 'every distinct config once per round, the order rotated one place per round',
    };
    return {
      format: RECORD_FORMAT,
      version: RECORD_VERSION,
      synthetic: null,
      created: new Date().toISOString(),
      tool: { name: '@moe/bench', version: BENCH_VERSION },
      ...facts,
      engine: o.engine,
      shape,
      routing,
      seed,
      protocol,
      stages,
      peaks,
      measuredPeaks: measured,
      sets: setRecords(sets),
      batches,
      notes: [...notes, ...(peaks.bandwidth && peaks.bf16 ? [] : [`no ceilings for ${facts.card.name} in the table: pass \`peaks\` to measure them`])],
    };
  } finally {
    await dev.close();
  }
}
