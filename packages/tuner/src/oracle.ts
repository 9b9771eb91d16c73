import type { TileConfig } from '@moe/engine-facts';

export type CompileOutcome = { ok: true } | { ok: false; reason: string };
export type MeasureOutcome = { ok: true; us: number } | { ok: false; reason: string };

/**
 * What a search strategy may ask of the GPU side: compile a config once (it serves every batch
 * size), and time a compiled config at a batch size with a number of repeats (more repeats, less
 * noise). A GPU implementation and the table replay (`createSimulationOracle`) both fit.
 */
export interface Oracle {
  compile(config: TileConfig): Promise<CompileOutcome>;
  measure(config: TileConfig, M: number, repeats: number): Promise<MeasureOutcome>;
}
