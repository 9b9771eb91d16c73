import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expertCounts, makeRouting } from './routing';
import { parseRecordedIds, readRecordedIds } from './routing-file';

function distinctRows(ids: Int32Array, topk: number): boolean {
  for (let m = 0; m < ids.length / topk; m++) {
    const row = ids.subarray(m * topk, (m + 1) * topk);
    if (new Set(row).size !== topk) return false;
  }
  return true;
}

describe('makeRouting', () => {
  it('uniform: distinct in-range experts, weights positive summing to 1, seeded', () => {
    const r = makeRouting({ kind: 'uniform', seed: 7 }, 500, 8, 256);
    expect(r.ids.length).toBe(4000);
    expect(distinctRows(r.ids, 8)).toBe(true);
    expect(Math.min(...r.ids)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...r.ids)).toBeLessThan(256);
    for (let m = 0; m < 500; m++) {
      let s = 0;
      for (let j = 0; j < 8; j++) {
        const w = r.weights[m * 8 + j]!;
        expect(w).toBeGreaterThan(0);
        s += w;
      }
      expect(s).toBeCloseTo(1, 5);
    }
    const again = makeRouting({ kind: 'uniform', seed: 7 }, 500, 8, 256);
    expect([...again.ids]).toEqual([...r.ids]);
    const other = makeRouting({ kind: 'uniform', seed: 8 }, 500, 8, 256);
    expect([...other.ids]).not.toEqual([...r.ids]);
  });

  it('uniform: every expert gets about M*topk/E pairs', () => {
    // M*topk/E = 8192*4/32 = 1024 per expert; binomial sd ~ 31, so +-15% is > 4 sd.
    const counts = expertCounts(makeRouting({ kind: 'uniform', seed: 1 }, 8192, 4, 32));
    for (const c of counts) {
      expect(c).toBeGreaterThan(1024 * 0.85);
      expect(c).toBeLessThan(1024 * 1.15);
    }
  });

  it('topk = E routes every token to every expert', () => {
    const r = makeRouting({ kind: 'uniform', seed: 3 }, 10, 4, 4);
    expect([...expertCounts(r)]).toEqual([10, 10, 10, 10]);
  });

  it('zipf: expert shares follow 1/rank^s', () => {
    // top-1, E=8, s=1: P(rank r) = (1/(r+1)) / H_8 with H_8 = 761/280 = 2.717857:
    // hottest 0.3679, second 0.1840, coldest 0.0460.
    const M = 40000;
    const counts = [...expertCounts(makeRouting({ kind: 'zipf', s: 1, seed: 5 }, M, 1, 8))].sort((a, b) => b - a);
    expect(counts[0]! / M).toBeCloseTo(0.3679, 1);
    expect(Math.abs(counts[0]! / M - 0.3679)).toBeLessThan(0.01);
    expect(Math.abs(counts[1]! / M - 0.184)).toBeLessThan(0.01);
    expect(Math.abs(counts[7]! / M - 0.046)).toBeLessThan(0.006);
  });

  it('zipf: distinct experts per token, and some experts get no tokens under a strong skew', () => {
    const r = makeRouting({ kind: 'zipf', s: 3, seed: 11 }, 16, 2, 64);
    expect(distinctRows(r.ids, 2)).toBe(true);
    expect([...expertCounts(r)].filter((c) => c === 0).length).toBeGreaterThan(20);
  });

  it('recorded: reuses rows cyclically and rejects bad rows', () => {
    const r = makeRouting({ kind: 'recorded', ids: [[0, 1], [3, 2]], seed: 0 }, 5, 2, 4);
    expect([...r.ids]).toEqual([0, 1, 3, 2, 0, 1, 3, 2, 0, 1]);
    expect(() => makeRouting({ kind: 'recorded', ids: [[0, 0]], seed: 0 }, 1, 2, 4)).toThrow(/repeats expert 0/);
    expect(() => makeRouting({ kind: 'recorded', ids: [[0, 9]], seed: 0 }, 1, 2, 4)).toThrow(/outside 0\.\.3/);
    expect(() => makeRouting({ kind: 'recorded', ids: [[0]], seed: 0 }, 1, 2, 4)).toThrow(/expected topk=2/);
  });

  it('rejects impossible arguments with MOE_ codes', () => {
    expect(() => makeRouting({ kind: 'uniform', seed: 0 }, 4, 9, 8)).toThrow(/topk=9 with E=8/);
    try {
      makeRouting({ kind: 'uniform', seed: 0 }, 0, 1, 8);
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('MOE_INVALID_ROUTING');
    }
  });
});

describe('recorded routing files', () => {
  it('parses JSON rows, {topk_ids} and text lines', () => {
    expect(parseRecordedIds('[[1,2],[3,4]]', 'x')).toEqual([[1, 2], [3, 4]]);
    expect(parseRecordedIds('{"topk_ids": [[5, 6]]}', 'x')).toEqual([[5, 6]]);
    expect(parseRecordedIds('# ids\n1 2\n3,4\n\n', 'x')).toEqual([[1, 2], [3, 4]]);
    // a separator at either end (a CSV export's trailing comma) adds no expert 0
    expect(parseRecordedIds('1, 2, 3,\n,4,5,6\n7 8 9 \n', 'x')).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expect(() => parseRecordedIds('1 x', 'f.txt')).toThrow(/f\.txt: line 1/);
    expect(() => parseRecordedIds('{"a": 1}', 'f.json')).toThrow(/f\.json/);
  });

  it('reads a file and names a missing one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'moe-routing-'));
    const file = path.join(dir, 'ids.txt');
    await writeFile(file, '0 1\n2 3\n');
    expect(await readRecordedIds(file)).toEqual([[0, 1], [2, 3]]);
    await expect(readRecordedIds(path.join(dir, 'none.txt'))).rejects.toThrow(/none\.txt: cannot read it/);
  });
});
