import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import type { MeasureOutcome, Oracle } from './oracle';
import type { BatchResult, MeasuredConfig } from './strategy';

/**
 * Repeats below which a config's own spread is not trusted to stop its top-ups (a median
 * absolute deviation from a few samples is itself noisy): the first halving stage's 8.
 */
export const PRECISION_MIN_REPEATS = 8;

interface Observation {
  config: TileConfig;
  /** Sum of µs x repeats over the measurements. */
  weighted: number;
  repeats: number;
}

/**
 * The measurements of one search at one batch size. A config measured several times is
 * estimated by the repeat-weighted mean (the noise of a measurement shrinks as 1/sqrt(repeats),
 * so its weight grows with repeats).
 */
export class BatchSession {
  private readonly observations = new Map<string, Observation>();
  private readonly attempted = new Set<string>();
  private failures = 0;

  constructor(
    readonly M: number,
    private readonly oracle: Oracle,
    private readonly compile: (config: TileConfig) => Promise<boolean>,
  ) {}

  /** Distinct configs tried at this M (failed compiles excluded, failed measurements included). */
  get tried(): number {
    return this.attempted.size;
  }

  get failedMeasurements(): number {
    return this.failures;
  }

  /** The number of configs with a time. */
  get size(): number {
    return this.observations.size;
  }

  has(config: TileConfig): boolean {
    return this.attempted.has(tileConfigKey(config));
  }

  /** Compiles (once per search) and measures; returns the new estimate or undefined on failure. */
  async measure(config: TileConfig, repeats: number): Promise<number | undefined> {
    if (!(await this.compile(config))) return undefined;
    const key = tileConfigKey(config);
    this.attempted.add(key);
    const outcome = await this.oracle.measure(config, this.M, repeats);
    this.record(config, outcome, repeats);
    return outcome.ok ? this.estimate(config) : undefined;
  }

  /**
   * Measures several configs at once (each `repeats` times; all must compile, or they are
   * skipped): the oracle is asked in the order given, and the results are recorded in that order
   * whatever order they come back in, so the outcome is that of measuring them one by one.
   */
  async measureMany(configs: readonly TileConfig[], repeats: number): Promise<void> {
    const ok = await Promise.all(configs.map((c) => this.compile(c)));
    const run = configs.filter((_, i) => ok[i]);
    for (const c of run) this.attempted.add(tileConfigKey(c));
    const outcomes = await Promise.all(run.map((c) => this.oracle.measure(c, this.M, repeats)));
    run.forEach((c, i) => this.record(c, outcomes[i]!, repeats));
  }

  /**
   * Tops every config up to at least `repeats` repeats in all, at once (as measureMany).
   *
   * With `precision`, and an oracle that knows each config's spread (Oracle.relativeSpread), a
   * config with at least PRECISION_MIN_REPEATS repeats whose relative standard error is at most
   * `precision` gets no more: its time is already known that well. One above it is topped up in
   * rounds, each to the repeats its spread says reach `precision` (the error falls as
   * 1/sqrt(repeats)), at least 1.5 times what it has, never past `repeats`; after each round the
   * spread is read again. Without either, every config gets `repeats` in one round.
   */
  async topUpMany(configs: readonly TileConfig[], repeats: number, precision?: number): Promise<void> {
    for (;;) {
      const want = new Map<TileConfig, number>();
      for (const c of configs) {
        const have = this.repeatsOf(c);
        if (have >= repeats) continue;
        const target = precision === undefined || have < PRECISION_MIN_REPEATS ? repeats : this.repeatsFor(c, have, repeats, precision);
        if (target > have) want.set(c, target);
      }
      if (want.size === 0) return;
      const need = [...want.keys()];
      const ok = await Promise.all(need.map((c) => this.compile(c)));
      const run = need.filter((_, i) => ok[i]);
      if (run.length === 0) return;
      for (const c of run) this.attempted.add(tileConfigKey(c));
      const asked = run.map((c) => want.get(c)! - this.repeatsOf(c));
      const outcomes = await Promise.all(run.map((c, i) => this.oracle.measure(c, this.M, asked[i]!)));
      run.forEach((c, i) => this.record(c, outcomes[i]!, asked[i]!));
      // A failed measurement adds no repeats: asking again would ask for the same forever.
      if (outcomes.some((o) => !o.ok)) return;
      if (precision === undefined) return;
    }
  }

  /** topUpMany's target for a config with `have` repeats: what reaches `precision`, or `have` when it is reached. */
  private repeatsFor(config: TileConfig, have: number, cap: number, precision: number): number {
    const spread = this.relativeSpread(config);
    if (spread === undefined) return cap;
    if (spread <= precision) return have;
    return Math.min(cap, Math.max(Math.ceil(1.5 * have), Math.ceil(have * (spread / precision) ** 2)));
  }

  /** The oracle's relative standard error of the config's time at this M, when it knows one. */
  relativeSpread(config: TileConfig): number | undefined {
    return this.oracle.relativeSpread?.(config, this.M);
  }

  private record(config: TileConfig, outcome: MeasureOutcome, repeats: number): void {
    const key = tileConfigKey(config);
    if (!outcome.ok) {
      if (!this.observations.has(key)) this.failures += 1;
      return;
    }
    const seen = this.observations.get(key);
    if (seen) {
      seen.weighted += outcome.us * repeats;
      seen.repeats += repeats;
    } else {
      this.observations.set(key, { config, weighted: outcome.us * repeats, repeats });
    }
  }

  /** Measures until the config has at least `repeats` repeats in all. */
  async topUp(config: TileConfig, repeats: number): Promise<number | undefined> {
    const have = this.repeatsOf(config);
    if (have >= repeats) return this.estimate(config);
    return this.measure(config, repeats - have);
  }

  estimate(config: TileConfig): number | undefined {
    const o = this.observations.get(tileConfigKey(config));
    return o ? o.weighted / o.repeats : undefined;
  }

  repeatsOf(config: TileConfig): number {
    return this.observations.get(tileConfigKey(config))?.repeats ?? 0;
  }

  /** Measured configs, fastest estimate first. */
  ranked(): MeasuredConfig[] {
    return [...this.observations.values()]
      .map((o) => ({ config: o.config, us: o.weighted / o.repeats, repeats: o.repeats }))
      .sort((a, b) => a.us - b.us);
  }

  result(best: TileConfig | null): BatchResult {
    const measured = this.ranked();
    const chosen = best ? measured.find((m) => tileConfigKey(m.config) === tileConfigKey(best)) ?? null : null;
    return { M: this.M, best: chosen, measured, failedMeasurements: this.failures };
  }
}
