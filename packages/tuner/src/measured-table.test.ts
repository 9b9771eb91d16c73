import { describe, expect, it } from 'vitest';
import { InvalidTableError } from './errors/invalid-table-error';
import { bestRecorded, parseMeasuredTable } from './measured-table';
import { referenceJson, referenceTable } from './__fixtures__/reference';

const minimal = () => ({
  space: [
    { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 32, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 2 },
    { BLOCK_SIZE_M: 32, BLOCK_SIZE_N: 32, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 2 },
  ],
  failed: { '1': 'OutOfResources: out of resource: shared memory' },
  rows: [
    { M: 8, us: { '0': 20 } },
    { M: 2, us: { '0': 10 } },
  ],
  compile_seconds_4_processes: 2,
});

function errorOf(json: unknown): InvalidTableError {
  try {
    parseMeasuredTable(json, 'my-table.json');
  } catch (err) {
    if (err instanceof InvalidTableError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('parseMeasuredTable', () => {
  it('reads the recorded table', () => {
    const t = referenceTable();
    expect(t.space).toHaveLength(1920);
    expect(t.failed.size).toBe(636);
    expect(t.rows.map((r) => r.M)).toEqual([4, 8, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 1536, 2048, 3072, 4096]);
    expect(t.rows.every((r) => r.us.size === 1284)).toBe(true);
    expect(t.compileSeconds).toBe(130.6);
    expect(t.compileProcesses).toBe(15);
    expect(t.card).toContain('H200');
    expect(t.dtype).toBe('bf16');
  });

  it('sorts rows by M and finds the best per row', () => {
    const t = parseMeasuredTable(minimal());
    expect(t.rows.map((r) => r.M)).toEqual([2, 8]);
    expect(bestRecorded(t.rows[1]!)).toEqual({ index: 0, us: 20 });
    expect(t.compileProcesses).toBe(4);
  });

  it('finds the best of the recorded table at M=4096 (444.3 µs, KERNEL.md)', () => {
    const row = referenceTable().rows.at(-1)!;
    expect(bestRecorded(row)!.us).toBeCloseTo(444.3, 1);
  });

  it.each([
    ['no rows', { ...minimal(), rows: [] }, /rows: needs at least one batch size/],
    ['an index past the space', { ...minimal(), rows: [{ M: 1, us: { '7': 1 } }] }, /rows\[M=1\]\.us\.7 is not an index into "space"/],
    ['a time for a failed config', { ...minimal(), rows: [{ M: 1, us: { '1': 1 } }] }, /listed in "failed"/],
    ['a repeated batch size', { ...minimal(), rows: [{ M: 1, us: {} }, { M: 1, us: {} }] }, /M=1 twice/],
    ['a negative time', { ...minimal(), rows: [{ M: 1, us: { '0': -1 } }] }, /rows\.0\.us\.0/],
    ['no compile time', (() => { const j: Record<string, unknown> = minimal(); delete j.compile_seconds_4_processes; return j; })(), /compile_seconds_<n>_processes/],
    ['not an object', [1, 2], /the top level/],
    [
      'a config listed twice in the space',
      { ...minimal(), space: [minimal().space[0], minimal().space[1], minimal().space[0]] },
      /space\[2\] repeats space\[0\] \(BLOCK 16x32x64, GROUP 1, 4 warps, 2 stages\)/,
    ],
    [
      'zero compile processes',
      (() => { const j: Record<string, unknown> = minimal(); delete j.compile_seconds_4_processes; j.compile_seconds_0_processes = 2; return j; })(),
      /compile_seconds_<n>_processes/,
    ],
  ])('rejects %s, naming the file and the fix', (_, json, pattern) => {
    const err = errorOf(json);
    expect(err.code).toBe('MOE_INVALID_TABLE');
    expect(err.message).toMatch(/^my-table\.json: /);
    expect(err.message).toMatch(pattern);
    expect(err.message).not.toContain('\n');
  });

  it('keeps unknown header fields out of the way', () => {
    const json = { ...referenceJson(), extra: { anything: true } };
    expect(parseMeasuredTable(json).rows).toHaveLength(16);
  });
});
