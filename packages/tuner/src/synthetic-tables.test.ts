import { describe, expect, it } from 'vitest';
import { tileConfigKey } from '@moe/engine-facts';
import { bestRecorded, parseMeasuredTable } from './measured-table';
import { failingBatchTable, needleTable, perturbedTable, reshapedTable, smoothTable, tableToJson, withBatchSizes } from './synthetic-tables';
import { referenceTable } from './__fixtures__/reference';

describe('synthetic tables', () => {
  it('smooth: the grid, shared-memory failures like the H200, and times that change little between neighbours', () => {
    const t = smoothTable();
    expect(t.space).toHaveLength(1920);
    expect([...t.failed.values()].filter((r) => r.startsWith('OutOfResources')).length).toBeGreaterThan(500);
    const index = new Map(t.space.map((c, i) => [tileConfigKey(c), i]));
    for (const row of t.rows) {
      for (const [i, us] of row.us) {
        const c = t.space[i]!;
        if (c.GROUP_SIZE_M !== 1) continue;
        const next = row.us.get(index.get(tileConfigKey({ ...c, GROUP_SIZE_M: 16 }))!);
        if (next !== undefined) expect(Math.abs(next / us - 1)).toBeLessThan(0.05);
      }
    }
  });

  it('needle: one config per M is 4% faster than everything the smooth table has', () => {
    const smooth = smoothTable();
    const needle = needleTable();
    for (const [i, row] of needle.rows.entries()) {
      const smoothBest = bestRecorded(smooth.rows[i]!)!.us;
      const best = bestRecorded(row)!;
      expect(best.us).toBeCloseTo(0.96 * smoothBest, 9);
      const runnerUp = Math.min(...[...row.us].filter(([k]) => k !== best.index).map(([, v]) => v));
      expect(runnerUp / best.us).toBeGreaterThanOrEqual(0.975 / 0.96 - 1e-12);
    }
  });

  it('failing batch size: its row keeps no time, the others are untouched', () => {
    const t = failingBatchTable(referenceTable(), 256);
    expect(t.rows.find((r) => r.M === 256)!.us.size).toBe(0);
    expect(t.rows.find((r) => r.M === 512)!.us).toBe(referenceTable().rows.find((r) => r.M === 512)!.us);
  });

  it('perturbed, reshaped and restricted tables keep the space and the failures', () => {
    const base = referenceTable();
    const noisy = perturbedTable(base, 0.5, 1);
    expect(noisy.rows[0]!.us.size).toBe(1284);
    expect(noisy.rows[0]!.us.get(1)).not.toBe(base.rows[0]!.us.get(1));
    const reshaped = reshapedTable(base, 2, 0.03);
    expect(reshaped.rows.map((r) => r.M)).toEqual(base.rows.map((r) => r.M * 2));
    expect(withBatchSizes(base, [4, 4096]).rows.map((r) => r.M)).toEqual([4, 4096]);
  });

  it('round-trips through the JSON format', () => {
    const t = needleTable({ batchSizes: [4, 4096] });
    const back = parseMeasuredTable(JSON.parse(JSON.stringify(tableToJson(t))));
    expect(back.space.map(tileConfigKey)).toEqual(t.space.map(tileConfigKey));
    expect(back.failed).toEqual(t.failed);
    expect(back.rows).toEqual(t.rows);
    expect(back.compileSeconds).toBe(t.compileSeconds);
    const fp8 = parseMeasuredTable(JSON.parse(JSON.stringify(tableToJson({ ...t, dtype: 'fp8_w8a8', blockShape: [128, 128] }))));
    expect([fp8.dtype, fp8.blockShape]).toEqual(['fp8_w8a8', [128, 128]]);
  });
});
