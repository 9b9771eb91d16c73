import { execFileSync } from 'node:child_process';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidTableError } from './errors/invalid-table-error';
import { parseMeasuredTable } from './measured-table';
import { MAX_TABLE_BYTES, readMeasuredTableFile } from './read-measured-table';

// Issue #13: `moe tune --simulate` read special files without limit (a FIFO hung it, /dev/zero
// grew to 8.4 GB: item 3); a table whose every row is empty exited 0 printing "none" (item 7);
// the validation library's wording leaked ("Too small: expected number to be >0", item 7).

const space = [
  { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 32, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 2 },
  { BLOCK_SIZE_M: 32, BLOCK_SIZE_N: 32, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 2 },
];
const table = (rows: unknown) => ({ space, failed: {}, rows, compile_seconds_4_processes: 2 });
const message = (json: unknown): string => {
  try {
    parseMeasuredTable(json, 't.json');
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidTableError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};
const tmp = () => mkdtempSync(path.join(tmpdir(), 'moe-table-'));
const readError = (file: string): string => {
  try {
    readMeasuredTableFile(file, `--simulate ${file}`);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidTableError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('parseMeasuredTable says what is wrong in plain words', () => {
  it('a time of 0 µs', () => {
    expect(message(table([{ M: 1, us: { '0': 0 } }]))).toBe(
      't.json: rows.0.us.0: must be more than 0; give a JSON object with "space" (configs), "failed" (index -> reason), "rows" ([{M, us: {index: µs}}]) and "compile_seconds_<n>_processes"',
    );
  });

  it('a batch size past 2^53', () => {
    expect(message(table([{ M: 1e20, us: { '0': 1 } }]))).toMatch(/^t\.json: rows\.0\.M: is too large \(whole numbers go up to 9007199254740991, 2\^53-1\); give a JSON object/);
  });

  it('a fractional block size, a string time', () => {
    expect(message({ ...table([{ M: 1, us: { '0': 1 } }]), space: [{ ...space[0], BLOCK_SIZE_N: 1.5 }] })).toMatch(/^t\.json: space\.0\.BLOCK_SIZE_N: must be a whole number; /);
    expect(message(table([{ M: 1, us: { '0': '3' } }]))).toMatch(/^t\.json: rows\.0\.us\.0: must be a number; /);
  });

  it('no message carries the library\'s wording', () => {
    for (const bad of [table([{ M: 0, us: {} }]), table([{ M: 1, us: { x: 1 } }]), table([]), { ...table([{ M: 1, us: {} }]), space: [] }, table([{ M: -1, us: {} }])]) {
      expect(message(bad)).not.toMatch(/Too (small|big)|Invalid input|expected (int|number) to/);
    }
  });
});

describe('a table whose rows hold no time at all is refused', () => {
  it('every row empty: nothing to replay, not exit 0 with "none"', () => {
    expect(message(table([{ M: 1, us: {} }, { M: 2, us: {} }]))).toBe(
      't.json: no row of "rows" holds a time (every batch size has "us": {}), so there is nothing to replay; give the measured times, index -> µs',
    );
  });

  it('one empty row among measured ones is fine (nothing ran at that batch size)', () => {
    expect(parseMeasuredTable(table([{ M: 1, us: {} }, { M: 2, us: { '0': 5 } }])).rows).toHaveLength(2);
  });
});

describe('readMeasuredTableFile refuses what is not a table file, unread', () => {
  it('a FIFO (it would block) and /dev/zero (it never ends)', () => {
    const fifo = path.join(tmp(), 'table.json');
    execFileSync('mkfifo', [fifo]);
    expect(readError(fifo)).toBe(`--simulate ${fifo}: ${fifo} is a FIFO (named pipe), not a regular file; pass a measured table JSON`);
    expect(readError('/dev/zero')).toBe('--simulate /dev/zero: /dev/zero is a character device, not a regular file; pass a measured table JSON');
  });

  it('a 100 MB file (sparse, made at test time) by its size; the cap is 64 MiB', () => {
    expect(MAX_TABLE_BYTES).toBe(64 * 1024 * 1024);
    const big = path.join(tmp(), 'big.json');
    writeFileSync(big, '{');
    truncateSync(big, 100 * 1024 * 1024);
    expect(readError(big)).toBe(`--simulate ${big}: ${big} is 104857600 bytes, over the 67108864-byte cap for this kind of file; it is not a measured table JSON (check the path)`);
  });

  it('a missing file, a folder, bytes that are not UTF-8, NaN', () => {
    const dir = tmp();
    expect(readError(path.join(dir, 'nope.json'))).toBe(`--simulate ${path.join(dir, 'nope.json')}: cannot read the file (ENOENT: no such file); pass the path of a measured table JSON`);
    expect(readError(dir)).toBe(`--simulate ${dir}: ${dir} is a folder, not a regular file; pass a measured table JSON`);
    const latin1 = path.join(dir, 'latin1.json');
    writeFileSync(latin1, Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]));
    expect(readError(latin1)).toMatch(/^--simulate .*latin1\.json: not UTF-8 text/);
    const nan = path.join(dir, 'nan.json');
    writeFileSync(nan, JSON.stringify(table([{ M: 1, us: { '0': 1 } }])).replace('"0":1', '"0":NaN'));
    expect(readError(nan)).toBe(`--simulate ${nan}: not valid JSON: NaN and Infinity are not JSON numbers; record a config that did not run in "failed" instead`);
  });

  it('deep nesting is refused, not a stack overflow', () => {
    const deep = path.join(tmp(), 'deep.json');
    writeFileSync(deep, `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(readError(deep)).toMatch(/^--simulate .*deep\.json: the top level: must be an object; give a JSON object with "space"/);
  });
});
