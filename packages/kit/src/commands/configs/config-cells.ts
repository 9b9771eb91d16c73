import type { KernelConfig } from '@moe/engine-facts';

const EXTRA_FIELDS: (keyof KernelConfig)[] = ['SPLIT_K', 'num_ctas', 'waves_per_eu', 'matrix_instr_nonkdim', 'kpack', 'USE_TMA'];

/** BLOCK_M, BLOCK_N, BLOCK_K, GROUP_M, warps, stages, and the other fields set: the table cells of one config. */
export function configCells(c: KernelConfig): string[] {
  const extra = EXTRA_FIELDS.filter((f) => c[f] !== undefined).map((f) => `${f}=${String(c[f])}`);
  // A default the engine completes later (vLLM's CUDA wna16 kernel picks BLOCK_N/K itself) leaves fields out.
  const cell = (v: number | undefined) => (v === undefined ? 'later' : String(v));
  return [cell(c.BLOCK_SIZE_M), cell(c.BLOCK_SIZE_N), cell(c.BLOCK_SIZE_K), cell(c.GROUP_SIZE_M), cell(c.num_warps), cell(c.num_stages), extra.join(' ')];
}

/** "16/32/64/1/4/3 SPLIT_K=1": one config on one line, or (none). */
export function showConfig(c: KernelConfig | null): string {
  if (!c) return '(none)';
  const cells = configCells(c);
  return cells.slice(0, 6).join('/') + (cells[6] ? ` ${cells[6]}` : '');
}
