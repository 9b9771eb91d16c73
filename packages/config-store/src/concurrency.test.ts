import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Issue #13, deliverable 5: several processes writing one output folder at once corrupt none of
// it. Each process (src/__fixtures__/concurrent-writer.ts, run with tsx on the sources) waits for
// a common start signal, then writes ROUNDS folders in turn, racing the others for each.

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPO = path.resolve(PKG, '../..');
const WRITER = path.join(PKG, 'src/__fixtures__/concurrent-writer.ts');
const ROUNDS = 12;
const TAGS = ['a', 'b', 'c'];
/** Twelve files per install, so that the writers' commits overlap. */
const NAMES = [8, 16, 32, 64, 128, 256].flatMap((e) => [512, 1024].map((n) => `E=${e},N=${n},device_name=NVIDIA_H100_80GB_HBM3.json`));
/** Each writer's files differ in BLOCK_SIZE_N, so the writer of any file on disk is known. */
const BLOCK_N: Record<string, number> = { a: 32, b: 64, c: 128 };
const table = (tag: string, m = 1) => `${JSON.stringify({ [String(m)]: { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: BLOCK_N[tag], BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 } }, null, 4)}\n`;

const write = (file: string, text: string) => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
};

type Result = 'ok' | { kind: string | null; code: string | null; message: string };

/** Runs one writer per tag at once; returns each one's results, round by round. */
async function race(mode: 'install' | 'merge' | 'pack', work: string): Promise<Record<string, Result[]>> {
  // The writers import the workspace packages from source, as the tests do.
  const tsconfig = path.join(work, 'tsconfig.json');
  writeFileSync(tsconfig, JSON.stringify({ compilerOptions: { baseUrl: REPO, paths: { '@moe/engine-facts': ['packages/engine-facts/src/index.ts'] } } }));
  const exits = TAGS.map(
    (tag) =>
      new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', WRITER, mode, work, tag, String(ROUNDS)], { cwd: PKG, env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig }, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('exit', (code) => resolve(code === 0 ? '' : `writer ${tag} exited ${code}: ${err}`));
      }),
  );
  const deadline = Date.now() + 60_000;
  while (!TAGS.every((t) => existsSync(path.join(work, `ready-${t}`))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  writeFileSync(path.join(work, 'go'), '');
  expect((await Promise.all(exits)).filter(Boolean)).toEqual([]);
  return Object.fromEntries(TAGS.map((t) => [t, JSON.parse(readFileSync(path.join(work, `result-${t}.json`), 'utf8')) as Result[]]));
}

/** Every file under `dir`, relative, temp files and backups included. */
const allFiles = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();

/** A failure that is another run's doing: bad input (exit 2) saying so, never a crash or the machine. */
const lostRace = (r: Result) => r !== 'ok' && r.kind === 'bad-input' && /another run/.test(r.message);

describe('concurrent writers of one output folder', () => {
  it('install: three processes, the same twelve targets, --force; each folder ends with one writer\'s complete set', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'moe-race-install-'));
    for (const tag of TAGS) for (const n of NAMES) write(path.join(work, `src-${tag}`, 'triton_3_5_1', n), table(tag));
    for (let i = 0; i < ROUNDS; i += 1) mkdirSync(path.join(work, `out-${i}`, 'configs'), { recursive: true });
    const results = await race('install', work);
    for (let i = 0; i < ROUNDS; i += 1) {
      const round = TAGS.map((t) => results[t]![i]!);
      // Each writer either installed everything or lost the race cleanly (rolled back).
      for (const r of round) expect(r === 'ok' || lostRace(r), JSON.stringify(r)).toBe(true);
      expect(round.some((r) => r === 'ok')).toBe(true);
      const out = path.join(work, `out-${i}`, 'configs');
      // No temp file or backup is left, and exactly the twelve files are there.
      expect(allFiles(out)).toEqual(NAMES.map((n) => `triton_3_5_1/${n}`).sort());
      // All twelve from one writer, byte for byte: no mix of two runs.
      const writers = new Set(NAMES.map((n) => readFileSync(path.join(out, 'triton_3_5_1', n), 'utf8')));
      expect(writers.size, `round ${i}`).toBe(1);
      expect(TAGS.map((t) => table(t))).toContain([...writers][0]);
    }
  }, 120_000);

  it('merge: three processes, one -o; exactly one writes it, complete; the others are told and leave it alone', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'moe-race-merge-'));
    for (const tag of TAGS) {
      write(path.join(work, `src-${tag}`, 'a', 'triton_3_5_1', NAMES[0]!), table(tag, 1));
      write(path.join(work, `src-${tag}`, 'b', 'triton_3_5_1', NAMES[0]!), table(tag, 2));
    }
    const results = await race('merge', work);
    for (let i = 0; i < ROUNDS; i += 1) {
      const round = TAGS.map((t) => results[t]![i]!);
      const winners = TAGS.filter((t, k) => round[k] === 'ok');
      expect(winners, JSON.stringify(round)).toHaveLength(1);
      for (const r of round) if (r !== 'ok') expect(r.kind === 'bad-input' && /another run|is not empty/.test(r.message), JSON.stringify(r)).toBe(true);
      const out = path.join(work, `out-${i}`);
      expect(allFiles(out)).toEqual(['provenance.json', `triton_3_5_1/${NAMES[0]}`]);
      const winner = winners[0] as string;
      expect(JSON.parse(readFileSync(path.join(out, 'provenance.json'), 'utf8')).inputs).toEqual([path.join(work, `src-${winner}`, 'a'), path.join(work, `src-${winner}`, 'b')]);
      const merged = JSON.parse(readFileSync(path.join(out, 'triton_3_5_1', NAMES[0]!), 'utf8'));
      expect([merged['1'].BLOCK_SIZE_N, merged['2'].BLOCK_SIZE_N]).toEqual([BLOCK_N[winner], BLOCK_N[winner]]);
    }
    // No temp folder is left beside the outputs.
    expect(readdirSync(work).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 120_000);

  it('pack: three processes, one -o; exactly one pack is there, whole', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'moe-race-pack-'));
    for (const tag of TAGS) for (const n of NAMES) write(path.join(work, `src-${tag}`, 'triton_3_5_1', n), table(tag));
    const results = await race('pack', work);
    for (let i = 0; i < ROUNDS; i += 1) {
      const round = TAGS.map((t) => results[t]![i]!);
      const winners = TAGS.filter((t, k) => round[k] === 'ok');
      expect(winners, JSON.stringify(round)).toHaveLength(1);
      const out = path.join(work, `out-${i}`);
      const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
      expect(manifest.name).toBe(`@moe/configs-gpu-${winners[0]}`);
      expect(allFiles(out)).toEqual(['README.md', ...NAMES.map((n) => `configs/triton_3_5_1/${n}`), 'manifest.json', 'package.json', ...NAMES.map((n) => `vllm/${n}`)].sort());
      for (const n of NAMES) expect(JSON.parse(readFileSync(path.join(out, 'configs', 'triton_3_5_1', n), 'utf8'))['1'].BLOCK_SIZE_N).toBe(BLOCK_N[winners[0]!]);
    }
    expect(readdirSync(work).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 120_000);
});
