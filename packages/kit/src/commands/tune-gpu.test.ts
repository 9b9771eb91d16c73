import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../exit';
import { memoryIo } from '../io';
import { main } from '../main';
import { hasPython } from '@moe/vitest-config/test-env';

// `moe tune` on GPUs, run against the fake measure worker of @moe/tuner (no GPU needed): the
// command, its files, --dry-run and --help, and, in child processes, a run killed with SIGKILL
// (and one stopped with Ctrl-C) that --resume finishes with the same files as a run left alone.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const FAKE = path.join(repoRoot, 'packages/tuner/src/gpu/__fixtures__/fake-measure-worker.mjs');
const CLI = path.join(repoRoot, 'packages/kit/src/cli.ts');
const TSX = path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs');
const UP = 'E=32,N=1792,device_name=NVIDIA_H200.json';
const DOWN = 'E=32,N=1792,device_name=NVIDIA_H200_down.json';


const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'moe-tune-gpu-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(argv: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ MOE_TUNE_WORKER: FAKE, ...env }, repoRoot);
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

/** Every file under `dir` (relative path -> bytes), but the journal folder and the report's timings. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const abs = path.join(d, name);
      const rel = path.relative(dir, abs);
      if (rel === '.moe-tune') continue;
      if (statSync(abs).isDirectory()) walk(abs);
      else out[rel] = readFileSync(abs, 'utf8');
    }
  };
  walk(dir);
  if (out['tune-report.json']) {
    const r = JSON.parse(out['tune-report.json']);
    delete r.timings;
    out['tune-report.json'] = JSON.stringify(r);
  }
  return out;
}

/**
 * A fake SGLang (April 2026 layout, Triton 3.6.0) in a site-packages folder, and a `python` that
 * logs each run to `log` and then runs python3: `find <engine>` for config-store's
 * findInstalledEngine (`-c`), `kernel ...` for the engine-kernel probe (`-m`). The kernel probe
 * waits (up to 5 s) for a find to have started, and logs whether one had: the two run at once.
 */
function fakeEngineEnv() {
  const site = tmp();
  for (const [rel, text] of Object.entries({
    'sglang/__init__.py': '',
    'sglang/srt/layers/moe/moe_runner/triton_utils/fused_moe_triton_config.py': '',
    'sglang/srt/layers/moe/moe_runner/triton_utils/configs/triton_3_6_0/.keep': '',
    'triton/__init__.py': "__version__ = '3.6.0'\n",
  })) {
    mkdirSync(path.dirname(path.join(site, rel)), { recursive: true });
    writeFileSync(path.join(site, rel), text);
  }
  const bin = tmp();
  const log = path.join(bin, 'python.log');
  const python = path.join(bin, 'python');
  writeFileSync(
    python,
    [
      '#!/bin/sh',
      `LOG='${log}'`,
      'case "$1" in',
      '  -c) touch "$LOG.find"; echo "find $3" >> "$LOG" ;;',
      '  -m) i=0; while [ ! -e "$LOG.find" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done',
      '      if [ -e "$LOG.find" ]; then echo "kernel $2 with a find" >> "$LOG"; else echo "kernel $2 alone" >> "$LOG"; fi ;;',
      'esac',
      'exec python3 "$@"',
      '',
    ].join('\n'),
  );
  chmodSync(python, 0o755);
  const runs = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  return { site, python, runs, configs: path.join(site, 'sglang/srt/layers/moe/moe_runner/triton_utils') };
}

describe('moe tune (fake GPUs)', { timeout: 180_000 }, () => {
  it('--help and --dry-run need no GPU', async () => {
    const help = await run(['tune', '--help']);
    expect(help.code).toBe(EXIT.ok);
    for (const flag of ['--tp', '--engine', '--python', '--kernel', '--batch-sizes', '--routing', '--strategy', '--gpus', '--shard', '--out', '--install', '--resume', '--dry-run', '--json', '--simulate']) expect(help.out).toContain(flag);
    const dry = await run(['tune', '--dry-run', '--json', '--device-name', 'NVIDIA H200', '--engine', 'both'], { MOE_TUNE_WORKER: '/nonexistent' });
    expect(dry.code).toBe(EXIT.ok);
    const plan = JSON.parse(dry.out);
    expect(plan.model).toBe('LiquidAI/LFM2-8B-A1B');
    expect(plan.batchSizes).toHaveLength(18);
    expect(plan.kernel.kind).toBe('moe-kit');
    // 1,920 less the 616 over the H200's 227 KB of shared memory (SEARCH.md: 1304 candidates).
    expect(plan.units[0].candidates).toBe(1304);
    expect(plan.units[0].files).toEqual([
      { engine: 'sglang', tp: 1, name: UP, down: DOWN },
      { engine: 'vllm', tp: 1, name: UP, down: null },
    ]);
    expect(plan.install.map((t: { why: string }) => t.why)).toEqual([expect.stringMatching(/^no engine found: no --python given/), expect.stringMatching(/^no engine found/)]);
    expect(plan.units[0].estimate.wallSeconds).toBeGreaterThan(0);
  });

  it('tunes on two fake GPUs and writes the engine-exact files where --out says, found by lookup', async () => {
    const out = tmp();
    const { code, out: stdout, err } = await run(['tune', '--gpus', '0,1', '--batch-sizes', '1,64,1024', '--engine', 'both', '--out', out, '--json']);
    expect(err).toBe('');
    expect(code).toBe(EXIT.ok);
    const report = JSON.parse(stdout);
    expect(report.files.map((f: { path: string }) => f.path).sort()).toEqual([`sglang/triton_3_6_0/${UP}`, `sglang/triton_3_6_0/${DOWN}`, `vllm/${UP}`]);
    expect(existsSync(path.join(out, 'sglang/triton_3_6_0', DOWN))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(out, 'sglang/triton_3_6_0', UP), 'utf8'))).toHaveProperty('1024');
    // lookup over the written tree: every batch size loads the file written.
    expect(report.lookup).toEqual([
      { engine: 'sglang', file: `sglang/triton_3_6_0/${UP}`, loaded: 3, of: 3 },
      { engine: 'vllm', file: `vllm/${UP}`, loaded: 3, of: 3 },
    ]);
    expect(report.timings.units[0].gpus.map((c: { index: number }) => c.index)).toEqual([0, 1]);
    expect(report.units[0].rows.sglang.map((r: { M: number }) => r.M)).toEqual([1, 64, 1024]);
    // moe configs pack takes the SGLang folder: the manifest records the times and what they were measured on.
    const pack = await run(['configs', 'pack', path.join(out, 'sglang'), '--name', 'h200', '-o', path.join(tmp(), 'pack'), '--json']);
    expect(pack.err).toBe('');
    expect(pack.code).toBe(EXIT.ok);
    const manifest = JSON.parse(readFileSync(path.join(JSON.parse(pack.out).dir, 'manifest.json'), 'utf8'));
    expect(manifest.measuredWith).toMatchObject({ card: 'NVIDIA H200', driver: '580.00-fake', triton: '3.6.0', engine: null, routing: 'uniform (seed 0)', strategy: 'auto', seed: 0 });
    expect(manifest.tritonVersion).toBe('3.6.0');
    const upFile = manifest.files.find((f: { path: string }) => f.path === `configs/triton_3_6_0/${UP}`);
    expect(Object.keys(upFile.measurements)).toEqual(['1', '64', '1024']);
    expect(upFile.serves).toEqual([{ model: 'LiquidAI/LFM2-8B-A1B', tp: 1, ep: 1 }]);
    // A second run into the same --out without --resume is refused: the journal is there.
    const again = await run(['tune', '--gpus', '0', '--batch-sizes', '1,64,1024', '--engine', 'both', '--out', out]);
    expect(again.code).toBe(EXIT.usage);
    expect(again.err).toMatch(/journal of an earlier run is there; continue it with --resume/);
    // And resuming a finished run measures nothing new and writes the same files.
    const before = tree(out);
    const resumed = await run(['tune', '--gpus', '0', '--batch-sizes', '1,64,1024', '--engine', 'both', '--out', out, '--resume', '--json']);
    expect(resumed.code).toBe(EXIT.ok);
    expect(JSON.parse(resumed.out).timings.units[0].newMeasurements).toBe(0);
    expect(tree(out)).toEqual(before);
  });

  it('shards (--shard, or a Slurm array) split the batch sizes; moe configs merge joins their outputs', async () => {
    const slurm = await run(['tune', '--dry-run', '--json', '--batch-sizes', '16,256,1024'], { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' });
    const plan = JSON.parse(slurm.out);
    expect(plan.shard).toEqual({ index: 2, count: 2, from: 'slurm' });
    // floor(3 x 1 / 2) = 1: the second shard takes 256 and 1024.
    expect(plan.batchSizes).toEqual([256, 1024]);
    expect(plan.out).toBe(path.join(repoRoot, 'moe-configs/shard-2-of-2'));
    const root = tmp();
    for (const i of [1, 2]) {
      const r = await run(['tune', '--shard', `${i}/2`, '--batch-sizes', '16,256,1024', '--out', path.join(root, `s${i}`)]);
      expect(r.code).toBe(EXIT.ok);
    }
    const merged = await run(['configs', 'merge', path.join(root, 's1'), path.join(root, 's2'), '-o', path.join(root, 'merged'), '--json']);
    expect(merged.err).toBe('');
    expect(merged.code).toBe(EXIT.ok);
    for (const f of [UP, DOWN]) expect(Object.keys(JSON.parse(readFileSync(path.join(root, 'merged/triton_3_6_0', f), 'utf8')))).toEqual(['16', '256', '1024']);
    const kept = JSON.parse(readFileSync(path.join(root, 'merged/pack-input.json'), 'utf8'));
    expect(Object.keys(kept.files[`triton_3_6_0/${UP}`].measurements)).toEqual(['16', '256', '1024']);
  });

  it.runIf(hasPython)('--install puts every tp\'s files where the SGLang of --python reads them, and doctor finds nothing wrong', async () => {
    const { site, python, runs, configs } = fakeEngineEnv();
    const out = tmp();
    const { code, out: stdout, err } = await run(['tune', '--python', python, '--install', '--tp', '1,2', '--batch-sizes', '64,1024', '--gpus', '0', '--out', out, '--json'], { PYTHONPATH: site, PATH: process.env.PATH ?? '' });
    expect(err).toBe('');
    expect(code).toBe(EXIT.ok);
    const report = JSON.parse(stdout);
    // Two kernel shapes (N = 1792 at tp 1, 896 at tp 2), each an up and a _down file.
    expect(report.units.map((u: { id: string }) => u.id)).toEqual(['E=32,N=1792,K=2048,topk=4,bf16', 'E=32,N=896,K=2048,topk=4,bf16']);
    expect(report.installed).toEqual([{ engine: 'sglang', into: path.join(configs, 'configs'), written: 4, doctorErrors: 0, findings: [] }]);
    for (const f of [UP, DOWN, 'E=32,N=896,device_name=NVIDIA_H200.json', 'E=32,N=896,device_name=NVIDIA_H200_down.json']) {
      expect(existsSync(path.join(configs, 'configs/triton_3_6_0', f)), f).toBe(true);
    }
    // --python was asked where SGLang is once (the install reused it), while the kernel probe ran.
    expect(runs().sort()).toEqual(['find sglang', 'kernel moe_kit_kernels.engine with a find']);
  });

  it.runIf(hasPython)('asks --python where each engine reads once per run, while the kernel probe runs', async () => {
    const { site, python, runs, configs } = fakeEngineEnv();
    const out = tmp();
    const { code, out: stdout, err } = await run(['tune', '--python', python, '--engine', 'both', '--batch-sizes', '64', '--gpus', '0', '--out', out, '--json'], { PYTHONPATH: site, PATH: process.env.PATH ?? '' });
    expect(err).toBe('');
    expect(code).toBe(EXIT.ok);
    const report = JSON.parse(stdout);
    expect(report.installed).toEqual([]);
    expect(report.engineReads).toEqual([
      { engine: 'sglang', dir: path.join(configs, 'configs/triton_3_6_0'), triton: '3.6.0', why: null },
      { engine: 'vllm', dir: null, triton: null, why: expect.stringMatching(/^no engine found: .*vllm is not installed there/) },
    ]);
    expect(runs().sort()).toEqual(['find sglang', 'find vllm', 'kernel moe_kit_kernels.engine with a find']);
    // The same for a dry run: the plan's targets, asked once.
    const dry = fakeEngineEnv();
    const plan = await run(['tune', '--dry-run', '--json', '--python', dry.python, '--device-name', 'NVIDIA H200'], { PYTHONPATH: dry.site, PATH: process.env.PATH ?? '' });
    expect(plan.code).toBe(EXIT.ok);
    expect(JSON.parse(plan.out).install).toEqual([{ engine: 'sglang', dir: path.join(dry.configs, 'configs/triton_3_6_0'), triton: '3.6.0', why: null }]);
    expect(dry.runs().sort()).toEqual(['find sglang', 'kernel moe_kit_kernels.engine with a find']);
  });

  it('no GPU: exit 4 with the worker\'s reason', async () => {
    const { code, err } = await run(['tune', '--batch-sizes', '64', '--out', tmp()], { MOE_FAKE_NO_GPU: '1' });
    expect(code).toBe(EXIT.machine);
    expect(err).toMatch(/^moe: no GPU measure worker started: GPU 0: no GPU 0/);
  });
});

/** Runs the CLI in a child process; `stop` decides when to signal it from the journal's measurements. */
/** `stop.group`: the signal goes to the whole process group, as a Ctrl-C at a terminal does. */
function child(args: string[], env: Record<string, string>, stop?: { signal: NodeJS.Signals; afterMeasurements: number; journal: string; group?: boolean }) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>((resolve) => {
    const p = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd: repoRoot, env: { ...process.env, MOE_TUNE_WORKER: FAKE, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: stop?.group === true });
    let stderr = '';
    let stdout = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let timer: NodeJS.Timeout | null = null;
    if (stop) {
      timer = setInterval(() => {
        if (!existsSync(stop.journal)) return;
        const n = readFileSync(stop.journal, 'utf8').split('"t":"measure"').length - 1;
        if (n >= stop.afterMeasurements) {
          if (stop.group) process.kill(-p.pid!, stop.signal);
          else p.kill(stop.signal);
          clearInterval(timer!);
        }
      }, 20);
    }
    p.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, stderr, stdout });
    });
  });
}

describe('a run killed with SIGKILL resumes to the same files (child processes)', { timeout: 180_000 }, () => {
  const args = (out: string) => ['tune', '--batch-sizes', '16,256', '--gpus', '0,1', '--out', out, '--seed', '7'];
  // Slow enough to be killed in the middle (2 ms per measurement on the fake GPU).
  // SOURCE_DATE_EPOCH: both runs carry the same date (pack-input.json, tune-report.json).
  const env = { MOE_FAKE_MEASURE_MS: '2', SOURCE_DATE_EPOCH: '1796256000' };

  it('SIGKILL mid-run, then --resume: byte-identical files, nothing measured twice', async () => {
    const whole = tmp();
    const a = await child(args(whole), env);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const journalA = readFileSync(path.join(whole, '.moe-tune/journal.jsonl'), 'utf8');
    const measuresA = journalA.split('"t":"measure"').length - 1;

    const killed = tmp();
    const journal = path.join(killed, '.moe-tune/journal.jsonl');
    const b = await child(args(killed), env, { signal: 'SIGKILL', afterMeasurements: Math.floor(measuresA / 3), journal });
    expect(b.signal).toBe('SIGKILL');
    const kept = readFileSync(journal, 'utf8').split('"t":"measure"').length - 1;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(measuresA);
    expect(existsSync(path.join(killed, 'sglang'))).toBe(false);

    const c = await child([...args(killed), '--resume', '--json'], env);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    // The resumed run sent only what the journal lacked: its new measurements and the kept ones add up to the whole run's.
    expect(JSON.parse(c.stdout).timings.units[0].newMeasurements).toBe(measuresA - kept);
    expect(tree(killed)).toEqual(tree(whole));
  });

  it('Ctrl-C stops, prints the exact command that resumes, and that command finishes the run', async () => {
    const out = tmp();
    const journal = path.join(out, '.moe-tune/journal.jsonl');
    const r = await child(args(out), env, { signal: 'SIGINT', afterMeasurements: 40, journal, group: true });
    expect(r.code).toBe(130);
    // The Ctrl-C reached the whole process group: the GPU workers (their own group) were shut
    // down by moe, not killed mid-measurement, so no config was recorded as crashing them.
    const entries = readFileSync(journal, 'utf8').trim().split('\n');
    expect(entries.filter((l) => l.includes('"kind":"worker_crash"') || l.includes('"what":"skipped"') || l.includes('"what":"worker-died"'))).toEqual([]);
    const command = `moe ${args(out).join(' ')} --resume`;
    expect(r.stderr).toContain(`resume with:\n  ${command}\n`);
    const c = await child([...command.split(' ').slice(1)], env);
    expect(c.code).toBe(0);
    expect(existsSync(path.join(out, 'sglang/triton_3_6_0', DOWN))).toBe(true);
  });
});
