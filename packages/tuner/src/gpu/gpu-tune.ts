// `moe tune` on GPUs: for each tuning unit (a kernel shape), one measure worker per GPU, the
// searches of the up and the down GEMM run side by side on them (their measurements spread over
// every GPU, compiles running ahead in the workers' compile pools), every answer journaled; then,
// per batch size, the coupled choice of each engine, checked and guarded (couple-gemms.ts).
import { tileConfigKey, type ConfigKey, type Engine, type TileConfig } from '@moe/engine-facts';
import type { DefaultConfigInput } from '@moe/config-store';
import { CandidateGrid } from '../candidate-grid';
import { strategyByName, type StrategyName } from '../strategy-by-name';
import type { SearchResult } from '../strategy';
import { EngineSelfCheckError } from '../errors/engine-self-check-error';
import { GpuWorkerError } from '../errors/gpu-worker-error';
import { TuneJournalError } from '../errors/tune-journal-error';
import { coupleGemms, type CoupleOptions, type CoupledRow } from './couple-gemms';
import { GemmOracle, type MeasuredEvent } from './gemm-oracle';
import { engineLaunchInts } from '@moe/native';
import type { Gemm, ReadyAnswer, WorkerHelloMessage, WorkerRouting, WorkerShape } from './measure-protocol';
import { MeasurePool, type PoolEvent } from './measure-pool';
import type { WorkerCommand, WorkerTimeouts } from './measure-worker-client';
import { TuneJournal, type JournalIdentity, type JournalReplay } from './tune-journal';
import { replayPlan, type ReplayProtocol } from './replay-plan';

/** A file one unit's results are written to: an engine, a parallel layout and the file's key. */
export interface TuneTarget {
  engine: Engine;
  tp: number;
  ep: number;
  /** The file name's key; the device name is filled in from the GPU the run measured on. */
  key: Omit<ConfigKey, 'deviceName' | 'down'>;
}

/** One kernel shape to tune, at some batch sizes, for one or more files. */
export interface TuneUnit {
  /** Stable id (journal keys): the shape in words. */
  id: string;
  shape: WorkerShape;
  batchSizes: number[];
  targets: TuneTarget[];
  /** The default config's inputs (E, dtype, block shape, top-k) per engine. */
  defaults: Partial<Record<Engine, Omit<DefaultConfigInput, 'm'>>>;
  /** The pruned search space. */
  candidates: TileConfig[];
}

export type TuneProgress =
  | ({ type: 'measured' } & MeasuredEvent)
  | { type: 'pool'; unit: string; event: PoolEvent }
  | { type: 'skipped'; unit: string; gemm: string; M: number; config: TileConfig; kind: string; message: string }
  | { type: 'unit'; unit: string; phase: 'start' | 'self-check' | 'search' | 'couple' | 'done' };

export interface GpuTuneOptions {
  units: TuneUnit[];
  strategy: { name: StrategyName; budget?: number; seed: number };
  /** Seed of the workers' random inputs and routing. */
  seed: number;
  kernel: 'engine' | 'moe-kit';
  /** How measurements are replayed (replay-plan.ts); default 'fast'. */
  replayProtocol?: ReplayProtocol;
  python: string | null;
  routing: WorkerRouting;
  gpus: number[];
  worker: WorkerCommand;
  /** Compile processes per GPU worker. */
  compileWorkers: number;
  /**
   * Compile the whole search space ahead of need at the lowest priority: 'compile' (default;
   * a config's first measurement loads it, ~1 ms on the H200), 'load' (also load every kernel on
   * the GPU now: memory for kernels never measured), or 'off'.
   */
  compileAhead?: 'load' | 'compile' | 'off';
  journalFile: string;
  identity: JournalIdentity;
  resume: boolean;
  /** The command that resumes this run, for messages. */
  resumeCommand: string;
  timeouts?: WorkerTimeouts;
  maxRestarts?: number;
  logDir?: string | null;
  couple?: CoupleOptions;
  signal?: AbortSignal;
  onProgress?: (e: TuneProgress) => void;
  /** The clock of the journal's start (the date in pack-input.json); default now. */
  now?: () => Date;
}

export interface UnitResult {
  unit: TuneUnit;
  /** Per engine of the unit's targets, one row per batch size. */
  rows: Partial<Record<Engine, CoupledRow[]>>;
  ready: ReadyAnswer;
  device: NonNullable<WorkerHelloMessage['device']>;
  devices: NonNullable<WorkerHelloMessage['device']>[];
  search: { up: SearchResult; down: SearchResult };
  /** New compiles and measurements sent to the GPUs (the rest came from the journal). */
  compiles: number;
  measurements: number;
  seconds: number;
}

export interface GpuTuneResult {
  units: UnitResult[];
  /** When the run (its journal) started, ISO. */
  started: string;
  journal: string;
}

/** The run was stopped (Ctrl-C): what was measured is in the journal. */
export class TuneInterrupted extends Error {
  constructor(readonly journal: string) {
    super('interrupted');
    this.name = 'TuneInterrupted';
  }
}

/** Which kernel a unit's launches run: an engine's (its launch rules decide EM), or MoE Kit's (null). */
export type LaunchKernel = { readonly engine: 'sglang' | 'vllm' } | null;

/**
 * Triton's specialisation of the launch's batch-dependent integers at M: num_valid_tokens =
 * M x top-k and EM, the aligned length, as the kernel's launch computes it (@moe/native's
 * engineLaunchInts for an engine's kernel: SGLang pads E + 1 blocks, vLLM trims small batches;
 * M x top-k + E x (BLOCK_SIZE_M - 1) for MoE Kit's). Configs compiled for one specialisation
 * serve every batch size of it.
 */
export function launchSpecialisation(shape: WorkerShape, M: number, config: TileConfig, kernel: LaunchKernel = null, gemm: Gemm = 'up'): string {
  const cls = (v: number) => (v === 1 ? '1' : v % 16 === 0 ? '16' : 'n');
  const numel = M * shape.topk;
  const EM = kernel ? engineLaunchInts(kernel.engine, gemm, M, shape.topk, shape.E, config.BLOCK_SIZE_M).EM : numel + shape.E * (config.BLOCK_SIZE_M - 1);
  return `${cls(numel)}${cls(EM)}`;
}

/** The search space in the order a search likely needs it: every family's start configs first (auto screens those), then the rest. */
function compileAheadOrder(candidates: readonly TileConfig[]): TileConfig[] {
  const grid = new CandidateGrid(candidates);
  const seen = new Set<string>();
  const out: TileConfig[] = [];
  for (const c of [...[...grid.families.keys()].flatMap((f) => grid.familyStarts(f)), ...candidates]) {
    const k = tileConfigKey(c);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(c);
    }
  }
  return out;
}

/** A batch size of the specialisation most of the unit's batch sizes share for this config (one compile serves them all). */
function commonSpecialisationM(unit: TuneUnit, config: TileConfig, kernel: LaunchKernel, gemm: Gemm): number {
  const groups = new Map<string, number[]>();
  for (const M of unit.batchSizes) {
    const s = launchSpecialisation(unit.shape, M, config, kernel, gemm);
    groups.set(s, [...(groups.get(s) ?? []), M]);
  }
  return [...groups.values()].sort((a, b) => b.length - a.length)[0]![0]!;
}

/**
 * Before anything is measured on the engine's kernel: for each BLOCK_SIZE_M of the search space
 * and each GEMM, one config (the first of that BLOCK_SIZE_M that compiles) is launched by the
 * engine's own launch function and by MoE Kit on identical inputs; the launches must be equal and
 * the outputs bit-identical. The batch sizes checked are spread over the run's range (the first
 * BLOCK_SIZE_M at the smallest, the last at the largest), so small-M launch rules (vLLM's naive
 * block assignment) and large-M ones are both exercised. A mismatch stops the run: never measure
 * a kernel MoE Kit launches differently from the engine.
 */
async function engineSelfCheck(unit: TuneUnit, oracles: GemmOracle[], signal?: AbortSignal): Promise<void> {
  const bms = [...new Set(unit.candidates.map((c) => c.BLOCK_SIZE_M))].sort((a, b) => a - b);
  const Ms = unit.batchSizes;
  const plan = bms.map((bm, i) => ({ bm, M: Ms[bms.length === 1 ? 0 : Math.round((i * (Ms.length - 1)) / (bms.length - 1))]!, configs: unit.candidates.filter((c) => c.BLOCK_SIZE_M === bm) }));
  await Promise.all(
    oracles.map(async (g) => {
      for (const p of plan) g.prefetch(p.configs.slice(0, 1), p.M);
      for (const p of plan) {
        for (const c of p.configs) {
          if (signal?.aborted) return;
          if (!(await g.compile(c, p.M)).ok) continue;
          const r = await g.check(c, p.M, true, false);
          if (!r.ok) {
            throw new EngineSelfCheckError(
              `the engine self-check failed for the ${g.gemm} GEMM, config ${tileConfigKey(c)} at M=${p.M} (${unit.id}): ${r.summary}; this engine version's launch is not understood by MoE Kit, so nothing was measured on it. Report it with this message, or tune with --kernel moe-kit (a stand-in)`,
            );
          }
          break;
        }
      }
    }),
  );
}

export async function runGpuTune(o: GpuTuneOptions): Promise<GpuTuneResult> {
  const { journal, replay } = TuneJournal.open(o.journalFile, o.identity, { resume: o.resume, resumeCommand: o.resumeCommand, ...(o.now ? { now: o.now } : {}) });
  const results: UnitResult[] = [];
  try {
    for (const unit of o.units) {
      if (o.signal?.aborted) throw new TuneInterrupted(o.journalFile);
      results.push(await runUnit(o, unit, journal, replay));
    }
  } finally {
    journal.close();
  }
  return { units: results, started: journal.started, journal: o.journalFile };
}

async function runUnit(o: GpuTuneOptions, unit: TuneUnit, journal: TuneJournal, replay: JournalReplay): Promise<UnitResult> {
  const started = Date.now();
  o.onProgress?.({ type: 'unit', unit: unit.id, phase: 'start' });
  const pool = await MeasurePool.start({
    command: o.worker,
    gpus: o.gpus,
    setup: { shape: unit.shape, routing: o.routing, kernel: o.kernel, python: o.python, compileWorkers: o.compileWorkers, seed: o.seed },
    ...(o.timeouts ? { timeouts: o.timeouts } : {}),
    ...(o.maxRestarts !== undefined ? { maxRestarts: o.maxRestarts } : {}),
    logDir: o.logDir ?? null,
    onEvent: (event) => {
      if (event.type === 'died') journal.append({ t: 'event', what: 'worker-died', message: `${event.message}${event.during ? ` during ${event.during}` : ''}` });
      o.onProgress?.({ type: 'pool', unit: unit.id, event });
    },
  });
  const onAbort = () => void pool.close();
  o.signal?.addEventListener('abort', onAbort);
  try {
    const ready = pool.ready;
    // The kernel a resumed run measures must be the one the journal's numbers came from.
    const before = replay.entries.find((e): e is Extract<typeof e, { t: 'ready' }> => e.t === 'ready' && e.unit === unit.id);
    if (before && before.kernelSourceSha256 !== (ready.kernelSourceSha256 ?? null)) {
      throw new TuneJournalError(
        `--resume: the kernel changed since the journal was written (source sha256 ${before.kernelSourceSha256} then, ${ready.kernelSourceSha256} now); resume with the same engine environment, or pass another --out`,
      );
    }
    if (!before) {
      journal.append({
        t: 'ready',
        unit: unit.id,
        gpu: pool.devices[0]?.index ?? 0,
        device: pool.devices[0] ?? null,
        kernelSource: ready.kernelSource ?? null,
        kernelSourceSha256: ready.kernelSourceSha256 ?? null,
        triton: ready.triton ?? null,
        engine: ready.engine ?? null,
      });
    }
    const engineKernel = o.kernel === 'engine' && ready.engine !== null && ready.engine !== undefined;
    const launchKernel: LaunchKernel = engineKernel && (ready.engine!.engine === 'sglang' || ready.engine!.engine === 'vllm') ? { engine: ready.engine!.engine } : null;
    const unplanned = new Set<string>();
    const oracle = (gemm: 'up' | 'down') =>
      new GemmOracle({
        unit: unit.id,
        gemm,
        pool,
        journal,
        replay,
        specialisation: (M, c) => launchSpecialisation(unit.shape, M, c, launchKernel, gemm),
        replayPlan: (M) => replayPlan(o.replayProtocol ?? 'fast', unit.shape, gemm, M),
        ...(o.signal ? { signal: o.signal } : {}),
        onMeasured: (e) => o.onProgress?.({ type: 'measured', ...e }),
        onUnplanned: (e) => {
          // Journaled once per GEMM and batch size: each is a compile inside a measurement (slow, not wrong).
          const k = `${e.gemm}|${e.specialisation}|${e.M}`;
          if (unplanned.has(k)) return;
          unplanned.add(k);
          journal.append({ t: 'event', what: 'unplanned-binary', message: `${e.gemm} at M=${e.M}: the measured binary of ${tileConfigKey(e.config)} was compiled inside the measurement, not by a compile request for specialisation ${e.specialisation}: MoE Kit's model of this kernel's specialisation misses a case (slower, not wrong)` });
        },
        onSkipped: (e) => {
          journal.append({ t: 'event', what: 'skipped', message: `${e.gemm} ${e.config.BLOCK_SIZE_M}/${e.config.BLOCK_SIZE_N}/${e.config.BLOCK_SIZE_K}/${e.config.GROUP_SIZE_M}/${e.config.num_warps}/${e.config.num_stages} at M=${e.M}: ${e.kind}: ${e.message}` });
          o.onProgress?.({ type: 'skipped', ...e });
        },
      });
    const up = oracle('up');
    const down = oracle('down');
    if (o.compileAhead !== 'off') {
      const order = compileAheadOrder(unit.candidates);
      const load = o.compileAhead === 'load';
      up.compileAhead(order, (c) => commonSpecialisationM(unit, c, launchKernel, 'up'), { load });
      down.compileAhead(order, (c) => commonSpecialisationM(unit, c, launchKernel, 'down'), { load });
    }
    if (engineKernel) {
      o.onProgress?.({ type: 'unit', unit: unit.id, phase: 'self-check' });
      await engineSelfCheck(unit, [up, down], o.signal);
    }
    const strategy = () => strategyByName({ name: o.strategy.name, candidates: unit.candidates.length, seed: o.strategy.seed, ...(o.strategy.budget !== undefined ? { budget: o.strategy.budget } : {}) });
    o.onProgress?.({ type: 'unit', unit: unit.id, phase: 'search' });
    const [upResult, downResult] = await Promise.all([
      strategy().search({ batchSizes: unit.batchSizes, candidates: unit.candidates, oracle: up }),
      strategy().search({ batchSizes: unit.batchSizes, candidates: unit.candidates, oracle: down }),
    ]);
    if (o.signal?.aborted) throw new TuneInterrupted(o.journalFile);
    // The searches are done: what they did not need is not compiled.
    await Promise.all([up.stopAhead(), down.stopAhead()]);
    o.onProgress?.({ type: 'unit', unit: unit.id, phase: 'couple' });
    const engines = [...new Set(unit.targets.map((t) => t.engine))];
    const rows: Partial<Record<Engine, CoupledRow[]>> = {};
    // Batch sizes side by side (their requests spread over the GPUs); the engines of one batch
    // size one after the other (they share its measurements).
    const perM = await Promise.all(
      unit.batchSizes.map(async (M, i) => {
        const out: CoupledRow[] = [];
        for (const engine of engines) {
          out.push(
            await coupleGemms(
              {
                M,
                engine,
                up,
                down,
                upWinner: upResult.rows[i]?.best?.config ?? null,
                downWinner: downResult.rows[i]?.best?.config ?? null,
                candidates: unit.candidates,
                defaults: unit.defaults[engine] ?? { e: unit.shape.E, dtype: null, topk: unit.shape.topk },
              },
              // The engine self-check ran before measuring; the chosen configs are checked against the reference.
              { engineSelfCheck: false, ...o.couple },
            ),
          );
        }
        return out;
      }),
    );
    if (o.signal?.aborted) throw new TuneInterrupted(o.journalFile);
    for (const [j, engine] of engines.entries()) rows[engine] = perM.map((r) => r[j]!);
    o.onProgress?.({ type: 'unit', unit: unit.id, phase: 'done' });
    const devices = pool.devices;
    return {
      unit,
      rows,
      ready,
      device: devices[0]!,
      devices,
      search: { up: upResult, down: downResult },
      compiles: up.compileCount + down.compileCount,
      measurements: up.measureCount + down.measureCount,
      seconds: (Date.now() - started) / 1000,
    };
  } catch (e) {
    if (o.signal?.aborted) throw new TuneInterrupted(o.journalFile);
    if (e instanceof GpuWorkerError && o.signal?.aborted) throw new TuneInterrupted(o.journalFile);
    throw e;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await pool.close();
  }
}
