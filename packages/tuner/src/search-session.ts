import { BatchSession } from './batch-session';
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import type { Oracle } from './oracle';
import type { CompileRecord } from './strategy';

/** One search run: compiles each config at most once, and hands out a BatchSession per M. */
export class SearchSession {
  private readonly compiledByKey = new Map<string, Promise<boolean>>();
  private readonly failedKeys = new Set<string>();
  readonly compiled: CompileRecord[] = [];

  constructor(private readonly oracle: Oracle) {}

  /** Compiles once per search (at the batch size M it is first needed at); true when it compiled. */
  compile(config: TileConfig, M?: number): Promise<boolean> {
    const key = tileConfigKey(config);
    let done = this.compiledByKey.get(key);
    if (!done) {
      done = this.oracle.compile(config, M).then((outcome) => {
        this.compiled.push(outcome.ok ? { config, ok: true } : { config, ok: false, reason: outcome.reason });
        if (!outcome.ok) this.failedKeys.add(key);
        return outcome.ok;
      });
      this.compiledByKey.set(key, done);
    }
    return done;
  }

  /** Whether the config was compiled already and failed. */
  knownFailure(config: TileConfig): boolean {
    return this.failedKeys.has(tileConfigKey(config));
  }

  get compileFailures(): number {
    return this.failedKeys.size;
  }

  batch(M: number): BatchSession {
    return new BatchSession(M, this.oracle, (config) => this.compile(config, M));
  }
}
