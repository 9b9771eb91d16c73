import type { TileConfig } from '@moe/engine-facts';

export type CompileOutcome = { ok: true } | { ok: false; reason: string };
export type MeasureOutcome = { ok: true; us: number } | { ok: false; reason: string };

/**
 * What a search strategy may ask of the GPU side: compile a config once (it serves every batch
 * size), and time a compiled config at a batch size with a number of repeats (more repeats, less
 * noise). A GPU implementation and the table replay (`createSimulationOracle`) both fit.
 */
export interface Oracle {
  /** `M`: the batch size it is first needed at (a GPU compiles for that M's integer specialisation). */
  compile(config: TileConfig, M?: number): Promise<CompileOutcome>;
  measure(config: TileConfig, M: number, repeats: number): Promise<MeasureOutcome>;
  /**
   * A hint: these configs are likely to be measured at M soon. A GPU oracle starts compiling them
   * in the background (so compiling overlaps timing); a replay ignores it. No result, no effect
   * on what is measured.
   */
  prefetch?(configs: readonly TileConfig[], M: number): void;
  /**
   * The relative standard error (standard error / time) of the config's time at M from every
   * repeat measured so far, or undefined when not known. An oracle that knows it lets the search
   * stop topping a config up once its time is known well enough (AutoOptions.halvingPrecision);
   * one that does not (the table replay) gets every top-up asked for.
   */
  relativeSpread?(config: TileConfig, M: number): number | undefined;
}
