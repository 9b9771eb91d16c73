import type { MeasuredTable } from '../measured-table';
import { failingBatchTable, needleTable, perturbedTable, reshapedTable, smoothTable, withBatchSizes } from '../synthetic-tables';
import { referenceTable } from './reference';

export interface GoalTable {
  name: string;
  what: string;
  table: () => MeasuredTable;
}

/** Tables the default strategy must meet the goal on (tests and SEARCH.md). */
export const GOAL_TABLES: GoalTable[] = [
  { name: 'recorded', what: 'the recorded H200 table', table: referenceTable },
  { name: 'smooth', what: 'synthetic: a smooth landscape', table: () => smoothTable() },
  { name: 'needle', what: 'synthetic: a 4% needle in the best family at every M', table: () => needleTable() },
  { name: 'needle-b', what: 'synthetic: the needle table with other needles (seed 3)', table: () => needleTable({ seed: 3 }) },
  { name: 'failing-M', what: 'recorded, with every config failing at M=256', table: () => failingBatchTable(referenceTable(), 256) },
  { name: 'sparse-M', what: 'recorded, only M = 4, 64, 1024, 4096', table: () => withBatchSizes(referenceTable(), [4, 64, 1024, 4096]) },
  { name: 'odd-M', what: 'recorded, M = 8, 24, 48, 96, 256, 1024, 2048', table: () => withBatchSizes(referenceTable(), [8, 24, 48, 96, 256, 1024, 2048]) },
  { name: 'smooth-jumps', what: 'synthetic smooth, M jumping 3-5x: 1, 3, 10, 50, 200, 700, 2000, 8192', table: () => smoothTable({ seed: 5, batchSizes: [1, 3, 10, 50, 200, 700, 2000, 8192] }) },
  { name: 'noise-0.3%', what: 'recorded, every time x (1 + N(0, 0.3%))', table: () => perturbedTable(referenceTable(), 0.3, 21) },
  { name: 'reshaped+', what: 'recorded, M x 2 and wide tiles 3% slower per doubling of BLOCK_N', table: () => reshapedTable(referenceTable(), 2, 0.03) },
  { name: 'reshaped-', what: 'recorded, M / 2 and wide tiles 3% faster per doubling of BLOCK_N', table: () => reshapedTable(referenceTable(), 0.5, -0.03) },
  { name: 'from-64', what: 'recorded, a run starting at M = 64 (nothing to carry over there)', table: () => fromBatchSize(64) },
  { name: 'from-96', what: 'recorded, a run starting at M = 96 (its first batch size missed by 1.05% before pass 1b)', table: () => fromBatchSize(96) },
];

/** The recorded table from batch size M up: a run whose first batch size is a middle one. */
export function fromBatchSize(M: number): MeasuredTable {
  const t = referenceTable();
  return withBatchSizes(t, t.rows.map((r) => r.M).filter((m) => m >= M));
}

/** Harder tables shown in SEARCH.md for what the strategy does not promise. */
export const STRESS_TABLES: GoalTable[] = [
  { name: 'noise-0.5%', what: 'recorded, every time x (1 + N(0, 0.5%))', table: () => perturbedTable(referenceTable(), 0.5, 12) },
  { name: 'noise-1%', what: 'recorded, every time x (1 + N(0, 1%))', table: () => perturbedTable(referenceTable(), 1, 13) },
];
