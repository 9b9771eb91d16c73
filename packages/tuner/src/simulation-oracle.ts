import { InvalidSearchOptionError } from './errors/invalid-search-option-error';
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import type { MeasuredRow, MeasuredTable } from './measured-table';
import type { CompileOutcome, MeasureOutcome, Oracle } from './oracle';
import { RandomSource } from './random-source';
import { checkSeed } from './seed';
import { launchesFor, TABLE_TIMING, type TimingProtocol } from './timing-protocol';

/**
 * The most measurement noise a replay takes, in percent: at 20%, 1 + e stays positive (e > -1 is
 * 5 standard deviations at one repeat); at 50% and 2 repeats, 2% of the times would be negative.
 */
export const MAX_JITTER_PERCENT = 20;

export interface SimulationOptions {
  /**
   * Measurement noise J in percent: a measurement of r repeats returns the recorded µs x (1 + e),
   * e ~ Normal(0, (J/100)/sqrt(r)). 0 (the default) replays the table exactly; at most
   * MAX_JITTER_PERCENT.
   */
  jitterPercent?: number;
  /** Seed of the noise: a whole number from 0 to MAX_SEED (2^32 - 1), default 0. */
  seed?: number;
  timing?: TimingProtocol;
}

/** What a simulated search cost. */
export interface SimulationStats {
  /** Configs compiled (each once), failures included. */
  compiled: number;
  compileFailures: number;
  /** Measurement calls (each with its repeats). */
  measurements: number;
  /** Distinct (batch size, config) pairs measured. */
  measuredPairs: number;
  compileSeconds: number;
  measureSeconds: number;
  /** compileSeconds + measureSeconds. */
  simulatedSeconds: number;
}

/**
 * An oracle that replays a measured table. Compiling costs the table's average compile time
 * (its wall time over its configs, with its number of processes) once per config; a measurement
 * costs its recorded µs times the launches of the timing protocol.
 */
export class SimulationOracle implements Oracle {
  private readonly index = new Map<string, number>();
  private readonly rowByM = new Map<number, MeasuredRow>();
  private readonly compiledSet = new Map<number, boolean>();
  private readonly pairs = new Set<string>();
  private readonly random: RandomSource;
  private readonly jitter: number;
  private readonly timing: TimingProtocol;
  private readonly secondsPerCompile: number;
  private readonly secondsByM = new Map<number, number>();
  private measurements = 0;
  private compileSeconds = 0;
  private measureSeconds = 0;
  /** Compile time not yet charged to a batch size (it goes to the next one measured). */
  private pendingCompileSeconds = 0;

  constructor(
    readonly table: MeasuredTable,
    options: SimulationOptions = {},
  ) {
    table.space.forEach((config, i) => this.index.set(tileConfigKey(config), i));
    for (const row of table.rows) this.rowByM.set(row.M, row);
    const jitter = options.jitterPercent ?? 0;
    if (!(jitter >= 0 && jitter <= MAX_JITTER_PERCENT)) {
      throw new InvalidSearchOptionError(
        `\`jitterPercent\` ${jitter}: must be 0 to ${MAX_JITTER_PERCENT} percent (more Normal noise makes times negative); pass e.g. \`jitterPercent\` 1`,
      );
    }
    this.jitter = jitter / 100;
    this.random = new RandomSource(checkSeed(options.seed ?? 0));
    this.timing = options.timing ?? TABLE_TIMING;
    this.secondsPerCompile = table.compileSeconds / table.space.length;
  }

  async compile(config: TileConfig): Promise<CompileOutcome> {
    return this.compileSync(config);
  }

  async measure(config: TileConfig, M: number, repeats: number): Promise<MeasureOutcome> {
    return this.measureSync(config, M, repeats);
  }

  compileSync(config: TileConfig): CompileOutcome {
    const i = this.index.get(tileConfigKey(config));
    if (i === undefined) return { ok: false, reason: 'not in the table\'s space' };
    if (!this.compiledSet.has(i)) {
      this.compiledSet.set(i, !this.table.failed.has(i));
      this.compileSeconds += this.secondsPerCompile;
      this.pendingCompileSeconds += this.secondsPerCompile;
    }
    const reason = this.table.failed.get(i);
    return reason === undefined ? { ok: true } : { ok: false, reason };
  }

  measureSync(config: TileConfig, M: number, repeats: number): MeasureOutcome {
    const i = this.index.get(tileConfigKey(config));
    if (i === undefined || this.compiledSet.get(i) !== true) return { ok: false, reason: 'not compiled' };
    if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeats must be a positive integer, got ${repeats}`);
    this.pairs.add(`${M}:${i}`);
    this.measurements += 1;
    const us = this.rowByM.get(M)?.us.get(i);
    const seconds = us === undefined ? 0 : us * 1e-6 * launchesFor(repeats, this.timing);
    this.measureSeconds += seconds;
    this.secondsByM.set(M, (this.secondsByM.get(M) ?? 0) + seconds + this.pendingCompileSeconds);
    this.pendingCompileSeconds = 0;
    if (us === undefined) return { ok: false, reason: `no time recorded at M=${M}` };
    const e = this.jitter > 0 ? this.random.normal() * (this.jitter / Math.sqrt(repeats)) : 0;
    return { ok: true, us: us * (1 + e) };
  }

  stats(): SimulationStats {
    let failures = 0;
    for (const ok of this.compiledSet.values()) if (!ok) failures += 1;
    return {
      compiled: this.compiledSet.size,
      compileFailures: failures,
      measurements: this.measurements,
      measuredPairs: this.pairs.size,
      compileSeconds: this.compileSeconds,
      measureSeconds: this.measureSeconds,
      simulatedSeconds: this.compileSeconds + this.measureSeconds,
    };
  }

  /**
   * Simulated seconds spent at batch size M: its measurements plus the compiles made for them
   * (a compile is charged to the batch size measured next).
   */
  secondsAt(M: number): number {
    return this.secondsByM.get(M) ?? 0;
  }

  /** Distinct configs measured at batch size M. */
  measuredAt(M: number): number {
    let n = 0;
    const prefix = `${M}:`;
    for (const pair of this.pairs) if (pair.startsWith(prefix)) n += 1;
    return n;
  }
}

/** An oracle replaying `table` (see SimulationOracle). */
export function createSimulationOracle(table: MeasuredTable, options: SimulationOptions = {}): SimulationOracle {
  return new SimulationOracle(table, options);
}
