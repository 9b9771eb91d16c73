// `moe tune` on GPUs: for each tuning unit (a kernel shape), one measure worker per GPU, the
// searches of the up and the down GEMM run side by side on them (their measurements spread over
// every GPU, compiles running ahead in the workers' compile pools), every answer journaled; then,
// per batch size, the coupled choice of each engine, checked and guarded (couple-gemms.ts).
import type { ConfigKey, Engine, TileConfig } from '@moe/engine-facts';
import type { DefaultConfigInput } from '@moe/config-store';
import { strategyByName, type StrategyName } from '../strategy-by-name';
import type { SearchResult } from '../strategy';
import { GpuWorkerError } from '../errors/gpu-worker-error';
import { TuneJournalError } from '../errors/tune-journal-error';
import { coupleGemms, type CoupleOptions, type CoupledRow } from './couple-gemms';
import { GemmOracle, type MeasuredEvent } from './gemm-oracle';
import type { ReadyAnswer, WorkerHelloMessage, WorkerRouting, WorkerShape } from './measure-protocol';
import { MeasurePool, type PoolEvent } from './measure-pool';
import type { WorkerCommand, WorkerTimeouts } from './measure-worker-client';
import { TuneJournal, type JournalIdentity, type JournalReplay } from './tune-journal';

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
  | { type: 'unit'; unit: string; phase: 'start' | 'search' | 'couple' | 'done' };

export interface GpuTuneOptions {
  units: TuneUnit[];
  strategy: { name: StrategyName; budget?: number; seed: number };
  /** Seed of the workers' random inputs and routing. */
  seed: number;
  kernel: 'engine' | 'moe-kit';
  python: string | null;
  routing: WorkerRouting;
  gpus: number[];
  worker: WorkerCommand;
  /** Compile processes per GPU worker. */
  compileWorkers: number;
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

/** Triton's specialisation of the launch's integer arguments at M: num_valid_tokens = M x topk and EM = that + E x (BLOCK_SIZE_M - 1). */
export function launchSpecialisation(shape: WorkerShape, M: number, config: TileConfig): string {
  const cls = (v: number) => (v === 1 ? '1' : v % 16 === 0 ? '16' : 'n');
  const numel = M * shape.topk;
  return `${cls(numel)}${cls(numel + shape.E * (config.BLOCK_SIZE_M - 1))}`;
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
    const oracle = (gemm: 'up' | 'down') =>
      new GemmOracle({
        unit: unit.id,
        gemm,
        pool,
        journal,
        replay,
        specialisation: (M, c) => launchSpecialisation(unit.shape, M, c),
        ...(o.signal ? { signal: o.signal } : {}),
        onMeasured: (e) => o.onProgress?.({ type: 'measured', ...e }),
        onSkipped: (e) => {
          journal.append({ t: 'event', what: 'skipped', message: `${e.gemm} ${e.config.BLOCK_SIZE_M}/${e.config.BLOCK_SIZE_N}/${e.config.BLOCK_SIZE_K}/${e.config.GROUP_SIZE_M}/${e.config.num_warps}/${e.config.num_stages} at M=${e.M}: ${e.kind}: ${e.message}` });
          o.onProgress?.({ type: 'skipped', ...e });
        },
      });
    const up = oracle('up');
    const down = oracle('down');
    const strategy = () => strategyByName({ name: o.strategy.name, candidates: unit.candidates.length, seed: o.strategy.seed, ...(o.strategy.budget !== undefined ? { budget: o.strategy.budget } : {}) });
    o.onProgress?.({ type: 'unit', unit: unit.id, phase: 'search' });
    const [upResult, downResult] = await Promise.all([
      strategy().search({ batchSizes: unit.batchSizes, candidates: unit.candidates, oracle: up }),
      strategy().search({ batchSizes: unit.batchSizes, candidates: unit.candidates, oracle: down }),
    ]);
    if (o.signal?.aborted) throw new TuneInterrupted(o.journalFile);
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
              { engineSelfCheck: o.kernel === 'engine' && ready.engine !== null && ready.engine !== undefined, ...o.couple },
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
