import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMeasuredTable, type MeasuredTable } from '../measured-table';

/** The repository root (this file is packages/tuner/src/__fixtures__/reference.ts). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The recorded exhaustive table (H200, LFM2-8B-A1B TP1 up GEMM), in the repository's reference/. */
export const REFERENCE_TABLE_PATH = path.join(
  repoRoot,
  'reference/measured/engine-kernel-exhaustive-h200-lfm2-8b-a1b-tp1-up.json',
);

export function referenceJson(): Record<string, unknown> {
  return JSON.parse(readFileSync(REFERENCE_TABLE_PATH, 'utf8')) as Record<string, unknown>;
}

let cached: MeasuredTable | undefined;
export function referenceTable(): MeasuredTable {
  cached ??= parseMeasuredTable(referenceJson(), REFERENCE_TABLE_PATH);
  return cached;
}
