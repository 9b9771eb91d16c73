import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import type { Oracle } from './oracle';
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
    if (!outcome.ok) {
      if (!this.observations.has(key)) this.failures += 1;
      return undefined;
    }
    const seen = this.observations.get(key);
    if (seen) {
      seen.weighted += outcome.us * repeats;
      seen.repeats += repeats;
    } else {
      this.observations.set(key, { config, weighted: outcome.us * repeats, repeats });
    }
    return this.estimate(config);
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
