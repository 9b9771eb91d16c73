import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../exit';
import { memoryIo } from '../io';
import { main } from '../main';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const TABLE = path.join(repoRoot, 'reference/measured/engine-kernel-exhaustive-h200-lfm2-8b-a1b-tp1-up.json');
const KEYS = ['BLOCK_SIZE_M', 'BLOCK_SIZE_N', 'BLOCK_SIZE_K', 'GROUP_SIZE_M', 'num_warps', 'num_stages'];

interface Raw {
  space: Record<string, number>[];
  rows: { M: number; us: Record<string, number> }[];
}

async function run(argv: string[]) {
  const io = memoryIo({}, repoRoot);
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

describe('moe tune --simulate', () => {
  const raw = JSON.parse(readFileSync(TABLE, 'utf8')) as Raw;

  it('prints the JSON of the issue: strategy, rows of {M, config, us, measured}, compiled, simulatedSeconds', async () => {
    const { code, out } = await run(['tune', '--simulate', TABLE, '--jitter', '1', '--seed', '2', '--json']);
    expect(code).toBe(EXIT.ok);
    const json = JSON.parse(out);
    expect(Object.keys(json)).toEqual(['strategy', 'rows', 'compiled', 'simulatedSeconds']);
    expect(json.strategy).toBe('auto');
    expect(json.rows.map((r: { M: number }) => r.M)).toEqual(raw.rows.map((r) => r.M));
    for (const row of json.rows) {
      expect(Object.keys(row)).toEqual(['M', 'config', 'us', 'measured']);
      expect(Object.keys(row.config)).toEqual(KEYS);
      expect(row.measured).toBeGreaterThan(0);
      expect(row.measured).toBeLessThan(1284);
    }
    expect(json.compiled).toBeLessThanOrEqual(960);
    expect(json.simulatedSeconds).toBeGreaterThan(0);
  });

  it('exhaustive without jitter returns the table best at every batch size', async () => {
    const { code, out } = await run(['tune', '--simulate', TABLE, '--strategy', 'exhaustive', '--json']);
    expect(code).toBe(EXIT.ok);
    const json = JSON.parse(out);
    for (const [i, row] of raw.rows.entries()) {
      const [bestIndex] = Object.entries(row.us).reduce((a, b) => (b[1] < a[1] ? b : a));
      expect(json.rows[i].config).toEqual(raw.space[Number(bestIndex)]);
      expect(json.rows[i].measured).toBe(Object.keys(row.us).length);
    }
  });

  it('random keeps to its budget', async () => {
    const { code, out } = await run(['tune', '--simulate', TABLE, '--strategy', 'random', '--budget', '20', '--json']);
    expect(code).toBe(EXIT.ok);
    for (const row of JSON.parse(out).rows) expect(row.measured).toBeLessThanOrEqual(20);
  });

  it('prints a table for people', async () => {
    const { code, out } = await run(['tune', '--simulate', TABLE]);
    expect(code).toBe(EXIT.ok);
    expect(out).toMatch(/strategy auto/);
    expect(out).toMatch(/4096 +BLOCK 128x256x64, GROUP 1, 8 warps, 3 stages/);
    expect(out).toMatch(/compiled \d+ of 1920 configs/);
  });

  it('works on a table of other batch sizes and shapes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'moe-tune-'));
    const small = {
      space: raw.space.slice(0, 8),
      failed: {},
      rows: [
        { M: 3, us: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [String(i), 10 + ((i * 7) % 8)])) },
        { M: 77, us: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [String(i), 30 - i])) },
      ],
      compile_seconds_2_processes: 4,
    };
    const file = path.join(dir, 'small.json');
    writeFileSync(file, JSON.stringify(small));
    const { code, out } = await run(['tune', '--simulate', file, '--json']);
    expect(code).toBe(EXIT.ok);
    const json = JSON.parse(out);
    expect(json.rows.map((r: { M: number }) => r.M)).toEqual([3, 77]);
    expect(json.rows[0].config).toEqual(raw.space[0]);
    expect(json.rows[1].config).toEqual(raw.space[7]);
  });

  it.each([
    [['tune', '--simulate', 'no-such-table.json'], /^moe: --simulate no-such-table\.json: cannot read the file \(ENOENT: no such file\); pass /],
    [['tune', '--simulate', TABLE, '--strategy', 'fastest'], /^moe: --strategy fastest: unknown strategy; pass one of auto, exhaustive, random$/],
    [['tune', '--simulate', TABLE, '--budget', '-3'], /^moe: --budget -3: not a positive integer; pass e\.g\. --budget 100$/],
    [['tune', '--engine', 'tensorrt', '--dry-run'], /^moe: --engine tensorrt: unknown engine; pass one of sglang, vllm, both$/],
    [['tune', '--shard', '5/4', '--dry-run'], /^moe: --shard 5\/4: not i\/n with i from 1 to n; pass e\.g\. --shard 1\/4/],
    [['tune', '--routing', 'zipf', '--dry-run'], /^moe: --routing zipf: unknown routing; pass uniform, zipf:<s>/],
    [['tune', '--gpus', 'first', '--dry-run'], /^moe: --gpus first: not all or a comma-separated list of GPU indices; pass e\.g\. --gpus 0,1$/],
    [['tune', '--simulate', TABLE, '--budget', '0'], /^moe: --budget 0: not a positive integer; pass e\.g\. --budget 100$/],
    [['tune', '--simulate', TABLE, '--budget', '2.5'], /^moe: --budget 2\.5: not a positive integer; pass e\.g\. --budget 100$/],
    [['tune', '--simulate', TABLE, '--jitter', 'lots'], /^moe: --jitter lots: not a percentage from 0 to 20 .*; pass e\.g\. --jitter 1$/],
    [['tune', '--simulate', TABLE, '--seed', '1.5'], /^moe: --seed 1\.5: not a whole number from 0 to 4294967295 \(2\^32 - 1\); pass e\.g\. --seed 0$/],
    [['tune', '--simulate', TABLE, '--jitter', '-1'], /^moe: --jitter -1: not a percentage from 0 to 20 \(more Normal noise makes times negative\); pass e\.g\. --jitter 1$/],
    // Normal noise of 50% / sqrt(2 repeats) makes 1 + e negative in 2% of measurements (z < -2.8).
    [['tune', '--simulate', TABLE, '--jitter', '50'], /^moe: --jitter 50: not a percentage from 0 to 20 \(more Normal noise makes times negative\); pass e\.g\. --jitter 1$/],
    [['tune', '--simulate', TABLE, '--strategy', 'exhaustive', '--budget', '5'], /^moe: --budget does not apply to --strategy exhaustive .*; drop --budget/],
  ])('rejects bad input with one line and exit 2: %j', async (argv, pattern) => {
    const { code, err } = await run(argv);
    expect(code).toBe(EXIT.usage);
    expect(err.trim()).toMatch(pattern);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    ['not JSON', '{"space": [', /^moe: --simulate .*broken\.json: not valid JSON \(.*\); pass a measured table JSON$/],
    ['an array', '[1, 2]', /^moe: .*broken\.json: the top level: .*; give a JSON object with "space"/],
    ['a table without rows', JSON.stringify({ space: [{ BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 32, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 2 }], compile_seconds_1_processes: 1 }), /^moe: .*broken\.json: rows: .*; give a JSON object/],
  ])('rejects a table file that is %s with one line naming it, exit 2', async (_, text, pattern) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'moe-tune-'));
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, text);
    const { code, out, err } = await run(['tune', '--simulate', file, '--json']);
    expect(code).toBe(EXIT.usage);
    expect(out).toBe('');
    expect(err.trim()).toMatch(pattern);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a table that lists a config twice (its times would be ambiguous)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'moe-tune-'));
    const file = path.join(dir, 'twice.json');
    const space = [raw.space[0], raw.space[1], raw.space[0]];
    writeFileSync(file, JSON.stringify({ space, rows: [{ M: 1, us: { '0': 10, '1': 20, '2': 30 } }], compile_seconds_1_processes: 1 }));
    const { code, err } = await run(['tune', '--simulate', file, '--json']);
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/twice\.json: space\[2\] repeats space\[0\] .*; list each config once in "space"$/m);
  });

  it('names the table file and the field when the table is malformed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'moe-tune-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ space: raw.space.slice(0, 2), rows: [{ M: 1, us: { '5': 1 } }], compile_seconds_1_processes: 1 }));
    const { code, err } = await run(['tune', '--simulate', file]);
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/bad\.json: rows\[M=1\]\.us\.5 is not an index into "space"/);
  });
});

describe('moe tune: option values the user did not mean', () => {
  it.each(['99999999999999999999', '4294967296', '-1'])('--seed %s is refused naming the range 0..4294967295, exit 2', async (seed) => {
    const { code, out, err } = await run(['tune', '--simulate', TABLE, '--seed', seed, '--json']);
    expect(code).toBe(EXIT.usage);
    expect(out).toBe('');
    // Seeds are 32-bit: 2^32 would repeat seed 0, and 1e20 is not even an exact integer in JS.
    expect(err).toBe(`moe: --seed ${seed}: not a whole number from 0 to 4294967295 (2^32 - 1); pass e.g. --seed 0\n`);
  });

  it('--jitter 20 is accepted (1 + e stays positive: z > 5 at one repeat)', async () => {
    const { code, out } = await run(['tune', '--simulate', TABLE, '--strategy', 'random', '--budget', '1', '--jitter', '20', '--json']);
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(out).rows.length).toBeGreaterThan(0);
  });

  it('--seed 4294967295 (2^32 - 1) is accepted', async () => {
    const { code } = await run(['tune', '--simulate', TABLE, '--strategy', 'random', '--budget', '1', '--seed', '4294967295', '--json']);
    expect(code).toBe(EXIT.ok);
  });

  it('--simulate --json says the table path is missing instead of reading a file named --json', async () => {
    const { code, out, err } = await run(['tune', '--simulate', '--json']);
    expect(code).toBe(EXIT.usage);
    expect(out).toBe('');
    expect(err).toBe('moe: --simulate --json: the table path is missing (--json is the next option); pass --simulate <table.json> before other options\n');
  });
});
