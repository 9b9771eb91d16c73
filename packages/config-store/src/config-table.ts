import { orderKernelConfig, sameKernelConfig, type KernelConfig } from '@moe/engine-facts';

/**
 * Batch size (M) -> the kernel config the engine uses for it, in file order. A `Map` keeps
 * insertion order and, like the engines' Python dicts, a repeated key keeps its first position
 * and takes the last value.
 */
export type ConfigTable = Map<number, KernelConfig>;

/** Builds a table from a plain object such as `{ "1": {...}, "2": {...} }` (keys in ascending order). */
export function configTableFrom(record: Record<string, KernelConfig> | Iterable<[number, KernelConfig]>): ConfigTable {
  const entries: [number, KernelConfig][] =
    Symbol.iterator in record
      ? [...(record as Iterable<[number, KernelConfig]>)]
      : Object.entries(record as Record<string, KernelConfig>).map(([k, v]) => [Number(k), v]);
  return new Map(entries.sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, orderKernelConfig(v)]));
}

/** The batch key an engine picks for M: nearest by absolute distance, ties to the first in file order. */
export function nearestBatchKey(keys: Iterable<number>, m: number): number | null {
  let best: number | null = null;
  let bestDist = Infinity;
  for (const k of keys) {
    const d = Math.abs(k - m);
    if (d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  return best;
}

export interface TableDifference {
  m: number;
  before: KernelConfig | null;
  after: KernelConfig | null;
}

/** Per-batch-key differences between two tables (keys only in one side included). */
export function diffConfigTables(before: ConfigTable, after: ConfigTable): TableDifference[] {
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort((a, b) => a - b);
  const out: TableDifference[] = [];
  for (const m of keys) {
    const a = before.get(m) ?? null;
    const b = after.get(m) ?? null;
    if (a && b && sameKernelConfig(a, b)) continue;
    out.push({ m, before: a, after: b });
  }
  return out;
}
