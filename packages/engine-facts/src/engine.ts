/** The inference engines whose fused-MoE config files MoE Kit names, reads and writes. */
export type Engine = 'sglang' | 'vllm';

export const ENGINES: readonly Engine[] = ['sglang', 'vllm'];

export function isEngine(value: unknown): value is Engine {
  return value === 'sglang' || value === 'vllm';
}
