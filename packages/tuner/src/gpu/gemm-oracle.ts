// The Oracle a search runs against on the GPU, for one GEMM (up or down) of one tuning unit (a
// kernel shape): compiles through the pool once per (config, specialisation), measures with the
// repeats asked, journals every answer, and answers from the journal first when resuming. It
// keeps every replay's time, so the final choices use medians over all replays and their spread.
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import type { CompileOutcome, MeasureOutcome, Oracle } from '../oracle';
import type { Gemm } from './measure-protocol';
import type { MeasurePool } from './measure-pool';
import type { JournalReplay, TuneJournal } from './tune-journal';
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
  /** Triton's integer specialisation of the launch at M for a config (configs compiled for one serve every M of it). */
  specialisation: (M: number, config: TileConfig) => string;
  onMeasured?: (e: MeasuredEvent) => void;
  /** Aborted (Ctrl-C): no new request is sent; the search stops with an error. */
  signal?: AbortSignal;
  onSkipped?: (e: { unit: string; gemm: Gemm; M: number; config: TileConfig; kind: string; message: string }) => void;
}

export class GemmOracle implements Oracle {
  private readonly compiles = new Map<string, Promise<CompileOutcome>>();
  private readonly broken = new Map<string, string>();
  private readonly samples = new Map<string, number[]>();
  private readonly counts = new Map<string, number>();
  private readonly checks = new Map<string, number>();
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
    }
    return done;
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
      const a = await this.o.pool.measure(gemm, M, config, repeats, taken);
      entry = a.ok ? { t: 'measure', u: unit, g: gemm, c, M, n, r: repeats, ok: true, us: [...a.us] } : { t: 'measure', u: unit, g: gemm, c, M, n, r: repeats, ok: false, kind: a.kind, message: a.message };
      this.o.journal.append(entry);
      this.measureCount += 1;
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

  /** Checks a config's output at M (journaled like a measurement). */
  async check(config: TileConfig, M: number, engineSelfCheck: boolean): Promise<{ ok: boolean; summary: string }> {
    const c = tileConfigKey(config);
    const k = `${c}|${M}`;
    const n = this.checks.get(k) ?? 0;
    this.checks.set(k, n + 1);
    const { unit, gemm } = this.o;
    let entry = this.o.replay.take('check', unit, gemm, c, M, n);
    if (!entry) {
      const a = await this.o.pool.check(gemm, M, config, engineSelfCheck);
      entry = { t: 'check', u: unit, g: gemm, c, M, n, ok: a.ok, summary: a.summary };
      this.o.journal.append(entry);
    }
    return { ok: entry.ok, summary: entry.summary };
  }

  /** The median and spread of every replay of `config` at M, or null when it has none. */
  estimate(config: TileConfig, M: number): Estimate | null {
    const s = this.samples.get(`${tileConfigKey(config)}|${M}`);
    return s && s.length > 0 ? estimateOf(s) : null;
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

  private async compileNow(config: TileConfig, c: string, M: number, s: string): Promise<CompileOutcome> {
    const { unit, gemm } = this.o;
    // Keyed by specialisation, not M: whichever batch size of it asked first, one compile serves all.
    let entry = this.o.replay.takeCompile(unit, gemm, c, s);
    if (!entry) {
      if (this.o.signal?.aborted) throw new Error('tune run interrupted');
      const a = await this.o.pool.compile(gemm, M, config);
      entry = a.ok ? { t: 'compile', u: unit, g: gemm, c, s, M, ok: true } : { t: 'compile', u: unit, g: gemm, c, s, M, ok: false, kind: a.kind, message: a.message };
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
