import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import type { MeasureOutcome, Oracle } from './oracle';
import type { BatchResult, MeasuredConfig } from './strategy';

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

  /** Tops every config up to at least `repeats` repeats in all, at once (as measureMany). */
  async topUpMany(configs: readonly TileConfig[], repeats: number): Promise<void> {
    const need = configs.filter((c) => this.repeatsOf(c) < repeats);
    const ok = await Promise.all(need.map((c) => this.compile(c)));
    const run = need.filter((_, i) => ok[i]);
    for (const c of run) this.attempted.add(tileConfigKey(c));
    const asked = run.map((c) => repeats - this.repeatsOf(c));
    const outcomes = await Promise.all(run.map((c, i) => this.oracle.measure(c, this.M, asked[i]!)));
    run.forEach((c, i) => this.record(c, outcomes[i]!, asked[i]!));
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
