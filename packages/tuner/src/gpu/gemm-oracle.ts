// The Oracle a search runs against on the GPU, for one GEMM (up or down) of one tuning unit (a
// kernel shape): compiles through the pool once per (config, specialisation), measures with the
// repeats asked, journals every answer, and answers from the journal first when resuming. It
// keeps every replay's time, so the final choices use medians over all replays and their spread.
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import type { CompileOutcome, MeasureOutcome, Oracle } from '../oracle';
import type { Gemm } from './measure-protocol';
import type { MeasurePool } from './measure-pool';
import type { JournalReplay, TuneJournal } from './tune-journal';
import type { ReplayPlan } from './replay-plan';
import { estimateOf, median, type Estimate } from './trust';

/** Failure kinds that mean the config took the worker down (or hung it): it is skipped from then on. */
export const FATAL_KINDS = new Set(['worker_crash', 'timeout']);

export interface MeasuredEvent {
  unit: string;
  gemm: Gemm;
  M: number;
  config: TileConfig;
  /** Median µs of this measurement, or null when it failed. */
  us: number | null;
  /** Answered from the journal (a resumed run). */
  replayed: boolean;
}

export interface GemmOracleOptions {
  unit: string;
  gemm: Gemm;
  pool: MeasurePool;
  journal: TuneJournal;
  replay: JournalReplay;
  /** How measurements at M are replayed (replay-plan.ts); default the worker's (10 launches, 5 warm-ups). */
  replayPlan?: (M: number) => ReplayPlan;
  /** Triton's integer specialisation of the launch at M for a config (configs compiled for one serve every M of it). */
  specialisation: (M: number, config: TileConfig) => string;
  onMeasured?: (e: MeasuredEvent) => void;
  /** Aborted (Ctrl-C): no new request is sent; the search stops with an error. */
  signal?: AbortSignal;
  onSkipped?: (e: { unit: string; gemm: Gemm; M: number; config: TileConfig; kind: string; message: string }) => void;
  /** A measurement ran a binary no compile request had produced (the specialisation model missed it). */
  onUnplanned?: (e: { unit: string; gemm: Gemm; M: number; config: TileConfig; specialisation: string }) => void;
}

export class GemmOracle implements Oracle {
  private readonly compiles = new Map<string, Promise<CompileOutcome>>();
  private readonly broken = new Map<string, string>();
  private readonly samples = new Map<string, number[]>();
  private readonly counts = new Map<string, number>();
  private readonly checks = new Map<string, number>();
  /** Compiles asked ahead of need and not yet needed: the batch size they were sent for. */
  private readonly ahead = new Map<string, { M: number }>();
  private readonly aheadRunning = new Set<Promise<CompileOutcome>>();
  /** Compiles answered from the journal (config|specialisation): the worker never saw them. */
  private readonly replayedCompiles = new Set<string>();
  /** Every config measured per M, in the order first measured. */
  private readonly byM = new Map<number, Map<string, TileConfig>>();
  compileCount = 0;
  measureCount = 0;

  constructor(private readonly o: GemmOracleOptions) {}

  get gemm(): Gemm {
    return this.o.gemm;
  }

  compile(config: TileConfig, M = 1): Promise<CompileOutcome> {
    const c = tileConfigKey(config);
    const bad = this.broken.get(c);
    if (bad !== undefined) return Promise.resolve({ ok: false, reason: bad });
    const k = `${c}|${this.o.specialisation(M, config)}`;
    let done = this.compiles.get(k);
    if (!done) {
      done = this.compileNow(config, c, M, this.o.specialisation(M, config));
      this.compiles.set(k, done);
    } else {
      const ahead = this.ahead.get(k);
      if (ahead) {
        // Asked ahead of need and needed now: sent before the rest of those.
        this.ahead.delete(k);
        this.o.pool.promote(this.o.gemm, ahead.M, config);
      }
    }
    return done;
  }

  /**
   * Compiles configs ahead of need, at the lowest priority (a cold run keeps every compile
   * process busy while the search waits on the GPU): each at the batch size `atM` picks for it
   * (the specialisation most of the run's batch sizes share). A compile asked for later jumps
   * ahead of these; journaled like every compile.
   */
  compileAhead(configs: readonly TileConfig[], atM: (config: TileConfig) => number, options: { load?: boolean } = {}): void {
    for (const config of configs) {
      const c = tileConfigKey(config);
      if (this.broken.has(c)) continue;
      const M = atM(config);
      const k = `${c}|${this.o.specialisation(M, config)}`;
      if (this.compiles.has(k)) continue;
      const done = this.compileNow(config, c, M, this.o.specialisation(M, config), { load: options.load ?? false });
      this.compiles.set(k, done);
      this.ahead.set(k, { M });
      this.aheadRunning.add(done);
      done.then(
        () => this.aheadRunning.delete(done),
        () => {
          this.aheadRunning.delete(done);
          // Dropped (or the run stopped): a later compile() of it starts afresh.
          if (this.compiles.get(k) === done) this.compiles.delete(k);
        },
      );
    }
  }

  /** Drops the compiles asked ahead that were not sent, and waits for those running (their entries journaled). */
  async stopAhead(): Promise<void> {
    this.o.pool.cancelLater();
    this.ahead.clear();
    await Promise.allSettled([...this.aheadRunning]);
  }

  prefetch(configs: readonly TileConfig[], M: number): void {
    // A hint: a failure (or a stopped run) surfaces when the config is really asked for.
    for (const config of configs) this.compile(config, M).catch(() => undefined);
  }

  async measure(config: TileConfig, M: number, repeats: number): Promise<MeasureOutcome> {
    const c = tileConfigKey(config);
    const compiled = await this.compile(config, M);
    if (!compiled.ok) return compiled;
    const bad = this.broken.get(c);
    if (bad !== undefined) return { ok: false, reason: bad };
    const k = `${c}|${M}`;
    const n = this.counts.get(k) ?? 0;
    this.counts.set(k, n + 1);
    const taken = this.samples.get(k)?.length ?? 0;
    const { unit, gemm } = this.o;
    let entry = this.o.replay.take('measure', unit, gemm, c, M, n);
    const replayed = entry !== undefined;
    if (!entry) {
      if (this.o.signal?.aborted) throw new Error('tune run interrupted');
      const plan = this.o.replayPlan?.(M);
      const a = await this.o.pool.measure(gemm, M, config, repeats, taken, plan);
      // Stopped while it ran: a worker shut down under it is the stop, not the config's fault.
      if (this.o.signal?.aborted && !a.ok) throw new Error('tune run interrupted');
      entry = a.ok ? { t: 'measure', u: unit, g: gemm, c, M, n, r: repeats, ok: true, us: [...a.us] } : { t: 'measure', u: unit, g: gemm, c, M, n, r: repeats, ok: false, kind: a.kind, message: a.message };
      if (plan) entry.L = plan.launchesPerGraph;
      if (a.ms !== undefined) entry.w = a.ms;
      if (a.ok && a.phases) entry.p = [...a.phases];
      this.o.journal.append(entry);
      this.measureCount += 1;
      // (A compile answered from the journal, or by a worker since restarted, sent nothing to
      // this worker: its binary is not "unplanned".)
      const spec = this.o.specialisation(M, config);
      if (a.ok && a.unplanned && !this.replayedCompiles.has(`${c}|${spec}`) && !this.o.pool.restarted) this.o.onUnplanned?.({ unit, gemm, M, config, specialisation: spec });
    }
    if (!entry.ok || !entry.us || entry.us.length === 0) {
      const reason = `${entry.kind ?? 'failed'}: ${entry.message ?? 'no times'}`;
      if (FATAL_KINDS.has(entry.kind ?? '')) {
        this.broken.set(c, reason);
        this.o.onSkipped?.({ unit, gemm, M, config, kind: entry.kind!, message: entry.message ?? '' });
      }
      this.o.onMeasured?.({ unit, gemm, M, config, us: null, replayed });
      return { ok: false, reason };
    }
    const list = this.samples.get(k) ?? [];
    list.push(...entry.us);
    this.samples.set(k, list);
    const atM = this.byM.get(M) ?? new Map<string, TileConfig>();
    if (!atM.has(c)) atM.set(c, config);
    this.byM.set(M, atM);
    const us = median(entry.us);
    this.o.onMeasured?.({ unit, gemm, M, config, us, replayed });
    return { ok: true, us };
  }

  /** Checks a config's output at M against the float64 reference and/or the engine's own launch (journaled like a measurement). */
  async check(config: TileConfig, M: number, engineSelfCheck: boolean, reference = true): Promise<{ ok: boolean; summary: string }> {
    const c = tileConfigKey(config);
    const k = `${c}|${M}`;
    const n = this.checks.get(k) ?? 0;
    this.checks.set(k, n + 1);
    const { unit, gemm } = this.o;
    let entry = this.o.replay.take('check', unit, gemm, c, M, n);
    if (!entry) {
      const a = await this.o.pool.check(gemm, M, config, engineSelfCheck, reference);
      if (this.o.signal?.aborted && !a.ok) throw new Error('tune run interrupted');
      entry = { t: 'check', u: unit, g: gemm, c, M, n, ok: a.ok, summary: a.summary, ...(a.ms !== undefined ? { w: a.ms } : {}) };
      this.o.journal.append(entry);
    }
    return { ok: entry.ok, summary: entry.summary };
  }

  /** The median and spread of every replay of `config` at M, or null when it has none. */
  estimate(config: TileConfig, M: number): Estimate | null {
    const s = this.samples.get(`${tileConfigKey(config)}|${M}`);
    return s && s.length > 0 ? estimateOf(s) : null;
  }

  /** Oracle.relativeSpread: the standard error of the median over every replay at M, over the median. */
  relativeSpread(config: TileConfig, M: number): number | undefined {
    const e = this.estimate(config, M);
    return e && e.median > 0 ? e.se / e.median : undefined;
  }

  /** Replays of `config` at M so far. */
  repeatsOf(config: TileConfig, M: number): number {
    return this.samples.get(`${tileConfigKey(config)}|${M}`)?.length ?? 0;
  }

  /** Every config with times at M, fastest median first (ties: first measured first). */
  ranked(M: number): { config: TileConfig; estimate: Estimate }[] {
    return [...(this.byM.get(M)?.values() ?? [])]
      .map((config) => ({ config, estimate: this.estimate(config, M)! }))
      .sort((a, b) => a.estimate.median - b.estimate.median);
  }

  /** Whether the config failed to compile or was skipped after taking a worker down. */
  failed(config: TileConfig): boolean {
    return this.broken.has(tileConfigKey(config));
  }

  /** `ahead`: a compile ahead of need (the lowest priority), loaded on the GPU too when `load`. */
  private async compileNow(config: TileConfig, c: string, M: number, s: string, ahead: { load: boolean } | null = null): Promise<CompileOutcome> {
    const { unit, gemm } = this.o;
    // Keyed by specialisation, not M: whichever batch size of it asked first, one compile serves all.
    let entry = this.o.replay.takeCompile(unit, gemm, c, s);
    if (entry) this.replayedCompiles.add(`${c}|${s}`);
    if (!entry) {
      if (this.o.signal?.aborted) throw new Error('tune run interrupted');
      const a = await this.o.pool.compile(gemm, M, config, ahead ? { later: true, compileOnly: !ahead.load } : {});
      this.ahead.delete(`${c}|${s}`);
      if (this.o.signal?.aborted && !a.ok) throw new Error('tune run interrupted');
      entry = a.ok ? { t: 'compile', u: unit, g: gemm, c, s, M, ok: true } : { t: 'compile', u: unit, g: gemm, c, s, M, ok: false, kind: a.kind, message: a.message };
      if (a.ms !== undefined) entry.w = a.ms;
      this.o.journal.append(entry);
      this.compileCount += 1;
    }
    if (entry.ok) return { ok: true };
    // A compile error is a result: the config is out of this GEMM's search from now on.
    const reason = `${entry.kind ?? 'compile_error'}: ${entry.message ?? ''}`;
    this.broken.set(c, reason);
    if (FATAL_KINDS.has(entry.kind ?? '')) this.o.onSkipped?.({ unit, gemm, M, config, kind: entry.kind!, message: entry.message ?? '' });
    return { ok: false, reason };
  }
}
