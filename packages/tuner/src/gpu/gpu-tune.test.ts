import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { tileConfigKey } from '@moe/engine-facts';
import { GpuWorkerError } from '../errors/gpu-worker-error';
import { TuneJournalError } from '../errors/tune-journal-error';
import { fakeWorker, lfm2Unit } from './__fixtures__/fake-worker';
import { runGpuTune, type GpuTuneOptions, type TuneProgress } from './gpu-tune';
import { planTuneOutput } from './tune-output';
import type { JournalEntry } from './tune-journal';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'moe-gpu-tune-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function options(dir: string, over: Partial<GpuTuneOptions> = {}): GpuTuneOptions {
  return {
    units: [lfm2Unit()],
    strategy: { name: 'auto', seed: 0 },
    seed: 0,
    kernel: 'moe-kit',
    python: null,
    routing: { kind: 'uniform', seed: 0 },
    gpus: [0],
    worker: fakeWorker(),
    compileWorkers: 2,
    journalFile: path.join(dir, 'journal.jsonl'),
    identity: { test: 1 },
    resume: false,
    resumeCommand: 'moe tune --resume',
    ...over,
  };
}

const journal = (file: string): JournalEntry[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalEntry);

const choices = (r: Awaited<ReturnType<typeof runGpuTune>>) =>
  Object.fromEntries(
    Object.entries(r.units[0]!.rows).map(([engine, rows]) => [engine, rows!.map((x) => ({ M: x.M, source: x.source, up: tileConfigKey(x.up), down: tileConfigKey(x.down), us: x.tuned?.us }))]),
  );

describe('moe tune on (fake) GPUs', { timeout: 180_000 }, () => {
  let single: Awaited<ReturnType<typeof runGpuTune>>;

  it('tunes both GEMMs per batch size, coupled by BLOCK_SIZE_M for SGLang, guarded by the default', async () => {
    const dir = tmp();
    single = await runGpuTune(options(dir, { units: [lfm2Unit([1, 64, 1024], ['sglang', 'vllm'])] }));
    const rows = single.units[0]!.rows;
    for (const r of rows.sglang!) {
      expect(r.up.BLOCK_SIZE_M, `M=${r.M}`).toBe(r.down.BLOCK_SIZE_M);
      expect(r.default).not.toBeNull();
      // Never written unless faster than the default: a tuned row beats it beyond the spread.
      if (r.source === 'tuned') expect(r.tuned!.us + 2 * r.tuned!.se).toBeLessThan(r.default!.us);
      else expect(r.up).toEqual(r.default!.config);
      expect(r.checks.length).toBeGreaterThan(0);
    }
    // vLLM runs one config for both GEMMs.
    for (const r of rows.vllm!) expect(r.up).toEqual(r.down);
    // The landscape's default (64/64/32/8 at M > E) is far from the best at M = 1024.
    expect(rows.sglang!.find((r) => r.M === 1024)!.source).toBe('tuned');
    // Every compile and measurement was journaled, fsync'd one per line.
    const j = journal(path.join(dir, 'journal.jsonl'));
    expect(j[0]!.t).toBe('run');
    expect(j.filter((e) => e.t === 'measure').length).toBe(single.units[0]!.measurements);
    expect(j.filter((e) => e.t === 'compile').length).toBe(single.units[0]!.compiles);
  });

  it('writes SGLang up and _down files in a triton_X_Y_Z folder, vLLM one file, and pack-input.json with the times', () => {
    const out = planTuneOutput(single, { out: '/o', model: 'LiquidAI/LFM2-8B-A1B', toolVersion: '0.0.0', routing: { kind: 'uniform', seed: 0 }, strategy: 'auto', seed: 0 });
    const rels = out.files.map((f) => f.rel).sort();
    expect(rels).toEqual([
      'sglang/triton_3_6_0/E=32,N=1792,device_name=NVIDIA_H200.json',
      'sglang/triton_3_6_0/E=32,N=1792,device_name=NVIDIA_H200_down.json',
      'vllm/E=32,N=1792,device_name=NVIDIA_H200.json',
    ]);
    const sgInput = JSON.parse(out.writes.find((w) => w.display === 'sglang/pack-input.json')!.bytes as string);
    const m1024 = sgInput.files['triton_3_6_0/E=32,N=1792,device_name=NVIDIA_H200.json'].measurements['1024'];
    const row = single.units[0]!.rows.sglang!.find((r) => r.M === 1024)!;
    expect(m1024.tunedUs).toBeCloseTo(row.tuned!.us, 2);
    expect(m1024.defaultUs).toBeCloseTo(row.default!.us, 2);
    // What the numbers were measured with, the replay protocol included (default fast).
    expect(sgInput.measuredWith.card).toBe('NVIDIA H200');
    expect(sgInput.measuredWith.timing).toMatch(/^fast: CUDA graphs of 1-10 launches/);
    // The vLLM file starts with the triton_version entry, as vLLM's tuner writes it.
    const vllm = out.writes.find((w) => w.display.startsWith('vllm/E='))!.bytes as string;
    expect(vllm.startsWith('{\n    "triton_version": "3.6.0",\n    "1": {')).toBe(true);
  });

  it('spreads the work of a batch size over any number of GPUs, with the same result as one GPU', async () => {
    const events: TuneProgress[] = [];
    const three = await runGpuTune(options(tmp(), { units: [lfm2Unit([1, 64, 1024], ['sglang', 'vllm'])], gpus: [0, 1, 2], onProgress: (e) => events.push(e) }));
    expect(choices(three)).toEqual(choices(single));
    const perGpu = [0, 1, 2].map((g) => events.filter((e) => e.type === 'pool' && e.event.type === 'done' && e.event.gpu === g).length);
    // Each GPU took a real share (the searches of up and down and their groups run side by side).
    for (const n of perGpu) expect(n).toBeGreaterThan(50);
    expect(three.units[0]!.devices.map((d) => d.index)).toEqual([0, 1, 2]);
  });

  it("on the engine's kernel, self-checks one config per BLOCK_SIZE_M and GEMM before measuring, at batch sizes spread over the run", async () => {
    const dir = tmp();
    const logFile = path.join(dir, 'fake.log');
    const unit = lfm2Unit([1, 64, 1024]);
    await runGpuTune(options(dir, { units: [unit], kernel: 'engine', worker: fakeWorker({ MOE_FAKE_LOG: logFile }) }));
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => l.split(' '));
    const selfChecks = lines.filter((l) => l[1] === 'self-check');
    const firstMeasure = lines.findIndex((l) => l[1] === 'measure');
    expect(lines.findLastIndex((l) => l[1] === 'self-check')).toBeLessThan(firstMeasure);
    // H200's space has BLOCK_SIZE_M 16, 32, 64, 128, 256: one each per GEMM, 16 at M=1, 256 at M=1024.
    const bms = selfChecks.map((l) => `${l[2]} ${l[3]!.split('/')[0]} ${l[4]}`).sort();
    expect(bms).toEqual(['down 128 1024', 'down 16 1', 'down 256 1024', 'down 32 64', 'down 64 64', 'up 128 1024', 'up 16 1', 'up 256 1024', 'up 32 64', 'up 64 64']);
    // The chosen configs are then checked against the reference only.
    expect(lines.some((l) => l[1] === 'check')).toBe(true);
    expect(lines.some((l) => l[1] === 'check+self-check')).toBe(false);
  });

  it('stops before measuring anything when the engine self-check finds a launch it does not understand', async () => {
    const dir = tmp();
    const logFile = path.join(dir, 'fake.log');
    const run = runGpuTune(options(dir, { units: [lfm2Unit([1, 64])], kernel: 'engine', worker: fakeWorker({ MOE_FAKE_LOG: logFile, MOE_FAKE_SELF_CHECK_FAIL: '64' }) }));
    await expect(run).rejects.toThrow(/engine self-check failed for the (up|down) GEMM, config 64\/.* this engine version's launch is not understood/);
    expect(readFileSync(logFile, 'utf8')).not.toMatch(/ measure /);
  });

  it('compiles the search space ahead of need, each config once', async () => {
    const dir = tmp();
    const logFile = path.join(dir, 'fake.log');
    const unit = lfm2Unit([64]);
    const r = await runGpuTune(options(dir, { units: [unit], worker: fakeWorker({ MOE_FAKE_LOG: logFile, MOE_FAKE_COMPILE_MS: '5' }) }));
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => l.split(' '));
    const ahead = lines.filter((l) => l[1] === 'compile-ahead').length;
    expect(ahead).toBeGreaterThan(0);
    // Every measured config was compiled once (ahead or when asked), never twice.
    const compiled = lines.filter((l) => l[1] === 'compile' || l[1] === 'compile-ahead').map((l) => `${l[2]} ${l[3]}`);
    expect(new Set(compiled).size).toBe(compiled.length);
    expect(r.units[0]!.compiles).toBe(compiled.length);
  });

  it('journals, once per GEMM and batch size, a measurement whose binary no compile request produced', async () => {
    const dir = tmp();
    await runGpuTune(options(dir, { units: [lfm2Unit([1, 64])], worker: fakeWorker({ MOE_FAKE_UNPLANNED_M: '64' }) }));
    const events = journal(path.join(dir, 'journal.jsonl')).filter((e) => e.t === 'event' && e.what === 'unplanned-binary') as { message: string }[];
    expect(events.map((e) => e.message.split(':')[0]).sort()).toEqual(['down at M=64', 'up at M=64']);
  });

  it('restarts a worker that dies on a config, skips that config and records it', async () => {
    const dir = tmp();
    const bad = '64/64/64/1/4/3';
    // Exhaustive over the BLOCK_SIZE_M 64 configs: every one is measured, the bad one included.
    const unit = lfm2Unit([64]);
    unit.candidates = unit.candidates.filter((c) => c.BLOCK_SIZE_M === 64);
    const r = await runGpuTune(options(dir, { units: [unit], strategy: { name: 'exhaustive', seed: 0 }, worker: fakeWorker({ MOE_FAKE_FAULT_CONFIG: bad }) }));
    const j = journal(path.join(dir, 'journal.jsonl'));
    const crashed = j.filter((e) => e.t === 'measure' && !e.ok && e.kind === 'worker_crash');
    // Once per GEMM: then it is skipped.
    expect(crashed.map((e) => (e as { c: string }).c)).toEqual([bad, bad]);
    expect(j.some((e) => e.t === 'event' && e.what === 'worker-died')).toBe(true);
    // Every other config was measured, but those that failed to compile (the fake's MLIR errors).
    // (distinct configs: a config is compiled per specialisation, and a failure fails every one)
    const failedCompiles = new Set(j.filter((e) => e.t === 'compile' && e.g === 'up' && !e.ok).map((e) => (e as { c: string }).c)).size;
    expect(failedCompiles).toBeGreaterThan(0);
    expect(r.units[0]!.search.up.rows[0]!.measured.length).toBe(unit.candidates.length - 1 - failedCompiles);
    expect(r.units[0]!.search.up.rows[0]!.measured.some((m) => tileConfigKey(m.config) === bad)).toBe(false);
  });

  it('kills a worker that hangs (a request past its time limit), restarts it and skips the config', async () => {
    const dir = tmp();
    const hang = '16/32/64/1/4/3';
    await runGpuTune(
      options(dir, {
        units: [lfm2Unit([16])],
        strategy: { name: 'random', budget: 20, seed: 0 },
        worker: fakeWorker({ MOE_FAKE_HANG_CONFIG: hang }),
        timeouts: { hello: 30_000, setup: 30_000, compile: 30_000, measure: 1500, check: 30_000 },
      }),
    );
    const j = journal(path.join(dir, 'journal.jsonl'));
    // SGLang's default at M <= E (16/32/64/1, Triton's 4 warps and 3 stages) is always measured: it hangs.
    expect(j.some((e) => e.t === 'measure' && e.kind === 'timeout' && e.c === hang)).toBe(true);
  });

  it('records compile errors as results and drops a config that fails its check', async () => {
    const first = await runGpuTune(options(tmp(), { units: [lfm2Unit([1024])] }));
    const chosen = first.units[0]!.rows.sglang![0]!;
    const dir = tmp();
    const failing = `${tileConfigKey(chosen.up)}`;
    const again = await runGpuTune(options(dir, { units: [lfm2Unit([1024])], worker: fakeWorker({ MOE_FAKE_CHECK_FAIL: failing, MOE_FAKE_COMPILE_FAIL: '128/128/64/1/8/3' }) }));
    const row = again.units[0]!.rows.sglang![0]!;
    expect(tileConfigKey(row.up)).not.toBe(failing);
    expect(row.notes.some((n) => n.includes('failed its check'))).toBe(true);
    const j = journal(path.join(dir, 'journal.jsonl'));
    // Asked (the search went there at M = 1024) and recorded as a failure, not fatal.
    const asked = j.filter((e) => e.t === 'compile' && e.c === '128/128/64/1/8/3');
    expect(asked.length).toBeGreaterThan(0);
    for (const e of asked) expect(e).toMatchObject({ ok: false, kind: 'compile_error' });
  });

  it('answers from a measured table: auto on the GPU path picks what it picks in the replay (within 1% of the best)', async () => {
    const dir = tmp();
    const table = path.join(repoRoot, 'reference/measured/engine-kernel-exhaustive-h200-lfm2-8b-a1b-tp1-up.json');
    const raw = JSON.parse(readFileSync(table, 'utf8')) as { space: Record<string, number>[]; failed: Record<string, string>; rows: { M: number; us: Record<string, number> }[] };
    const r = await runGpuTune(options(dir, { units: [lfm2Unit([64, 1024])], worker: fakeWorker({ MOE_FAKE_TABLE: table }) }));
    for (const [i, M] of [64, 1024].entries()) {
      const row = raw.rows.find((x) => x.M === M)!;
      const best = Math.min(...Object.values(row.us));
      const chosen = r.units[0]!.search.up.rows[i]!.best!.config;
      const index = raw.space.findIndex((c) => tileConfigKey(c as never) === tileConfigKey(chosen));
      expect(row.us[String(index)]! / best, `M=${M}`).toBeLessThanOrEqual(1.01);
    }
    // The table's compile failures that pruning cannot predict (MLIR errors; the shared-memory
    // ones are pruned) come back as the worker's: recorded with the table's reason, not fatal.
    const j = journal(path.join(dir, 'journal.jsonl'));
    // (SGLang's default 64/64/32/8 has BLOCK_SIZE_K 32, outside the table's grid: the fake refuses it.)
    const failed = j.filter((e) => e.t === 'compile' && !e.ok && !(e as { message: string }).message.includes('is not in the table'));
    expect(failed.length).toBeGreaterThan(0);
    for (const e of failed) {
      expect(e).toMatchObject({ kind: 'compile_error' });
      expect(Object.values(raw.failed)).toContain((e as { message: string }).message);
    }
  });

  it('a machine without a GPU is a machine error naming the GPU', async () => {
    await expect(runGpuTune(options(tmp(), { worker: fakeWorker({ MOE_FAKE_NO_GPU: '1' }) }))).rejects.toThrow(GpuWorkerError);
    await expect(runGpuTune(options(tmp(), { worker: fakeWorker({ MOE_FAKE_NO_GPU: '1' }) }))).rejects.toThrow(/no GPU measure worker started: GPU 0: no GPU 0/);
  });

  it('refuses a journal without --resume, and another run\'s journal with it', async () => {
    const dir = tmp();
    await runGpuTune(options(dir, { units: [lfm2Unit([64])], strategy: { name: 'random', budget: 5, seed: 0 } }));
    await expect(runGpuTune(options(dir, { units: [lfm2Unit([64])] }))).rejects.toThrow(/journal of an earlier run is there; continue it with --resume/);
    await expect(runGpuTune(options(dir, { units: [lfm2Unit([64])], resume: true, identity: { test: 2 } }))).rejects.toThrow(TuneJournalError);
  });
});

describe('resume', { timeout: 180_000 }, () => {
  it('any prefix of a journal (a kill at any moment, a line cut anywhere) resumes to the same result, measuring only what is missing (property)', async () => {
    const dir = tmp();
    const unit = lfm2Unit([16, 256]);
    const full = await runGpuTune(options(dir, { units: [unit] }));
    const lines = readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean);
    const measures = lines.filter((l) => l.includes('"t":"measure"')).length;
    const isMeasure = (l: string) => l.includes('"t":"measure"');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: lines.length - 1 }), fc.nat(), async (keep, cutAt) => {
        const d = tmp();
        // The first `keep` lines, and part of the next (the write the kill interrupted).
        const next = lines[keep]!;
        writeFileSync(path.join(d, 'journal.jsonl'), `${lines.slice(0, keep).join('\n')}\n${next.slice(0, cutAt % next.length)}`);
        const kept = lines.slice(0, keep).filter(isMeasure).length;
        const resumed = await runGpuTune(options(d, { units: [unit], resume: true }));
        expect(choices(resumed)).toEqual(choices(full));
        expect(resumed.units[0]!.measurements).toBe(measures - kept);
        expect(readFileSync(path.join(d, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).filter(isMeasure).length).toBe(measures);
      }),
      { numRuns: 8, seed: 9 },
    );
  }, 120_000);
});
