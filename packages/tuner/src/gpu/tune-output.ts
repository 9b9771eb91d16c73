// What a `moe tune` run writes into --out, through @moe/config-store: each engine's files in its
// exact format and name (SGLang: <out>/sglang/triton_X_Y_Z/<name> and its _down file; vLLM:
// <out>/vllm/<name>), a pack-input.json beside each engine's files (the pack manifest's input:
// Triton, kernel source hash, tool version, and per file the models served and, per batch key,
// the tuned and default µs of up + down, which `moe configs merge` compares), and tune-report.json
// (the card, driver, Triton and engine versions, kernel source, routing, strategy, seed, every
// batch size's choice and the timings). All of it is written at once, atomically.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { formatConfigTable, writeAllOrNothing, type PlannedWrite } from '@moe/config-store';
import { deviceNameForEngine, formatFileName, tileConfigOf, type ConfigKey, type Engine, type KernelConfig } from '@moe/engine-facts';
import type { CoupledRow } from './couple-gemms';
import type { GpuTuneResult, UnitResult } from './gpu-tune';
import type { WorkerRouting } from './measure-protocol';
import { describeReplayProtocol, type ReplayProtocol } from './replay-plan';

export interface TuneOutputOptions {
  out: string;
  /** The model the run was for (pack-input's `serves`). */
  model: string;
  toolVersion: string;
  routing: WorkerRouting;
  strategy: string;
  seed: number;
  /** Wall seconds of the run, for the report (not in the config files or pack-input.json). */
  seconds?: number;
  /** How measurements were replayed (default fast). */
  timing?: ReplayProtocol;
}

export interface TuneFile {
  engine: Engine;
  /** Path under --out. */
  rel: string;
  abs: string;
  /** The engine's folder under --out (what `moe configs install` or `merge` takes). */
  engineDir: string;
  key: ConfigKey;
  gemm: 'up' | 'down' | 'both';
  /** Batch keys written, and how many are tuned (the others the engine's default). */
  entries: number;
  tuned: number;
  tritonVersion: string | null;
}

export interface TuneOutput {
  files: TuneFile[];
  /** Files not written, and why (no batch size beat the default). */
  notWritten: { engine: Engine; name: string; reason: string }[];
  writes: PlannedWrite[];
  report: Record<string, unknown>;
  /** The --out folder: the root every write is under (it holds the write lock). */
  out: string;
}

const round = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? null : Number(x.toFixed(d)));
const tritonDir = (v: string) => `triton_${v.replace(/\./g, '_')}`;

/** The files a finished run writes (nothing is written here: `writeTuneOutput` does). */
export function planTuneOutput(result: GpuTuneResult, o: TuneOutputOptions): TuneOutput {
  const files: TuneFile[] = [];
  const notWritten: TuneOutput['notWritten'] = [];
  const texts = new Map<string, string>();
  const packInputs = new Map<
    string,
    {
      tritonVersion: string | null;
      kernelSourceHash: string | null;
      gpuArch: string | null;
      measuredWith: Record<string, unknown>;
      files: Record<string, { serves: { model: string; tp: number; ep: number }[]; measurements: Record<string, { tunedUs: number; defaultUs: number | null; date: string }> }>;
    }
  >();
  const date = result.started.slice(0, 10);
  for (const u of result.units) {
    const triton = u.ready.triton && /^\d+(\.\d+)*$/.test(u.ready.triton) ? u.ready.triton : null;
    for (const target of u.unit.targets) {
      const rows = u.rows[target.engine] ?? [];
      const deviceName = deviceNameForEngine(target.engine, u.device.name);
      const key: ConfigKey = { ...target.key, deviceName, down: false };
      const name = formatFileName(target.engine, key);
      if (!rows.some((r) => r.source === 'tuned')) {
        notWritten.push({ engine: target.engine, name, reason: 'the engine default was as fast at every batch size: no file, so the engine keeps its default' });
        continue;
      }
      const engineDir = target.engine;
      const folder = target.engine === 'sglang' ? path.join(engineDir, tritonDir(triton ?? 'unknown')) : engineDir;
      const gemms: ('up' | 'down' | 'both')[] = target.engine === 'sglang' ? ['up', 'down'] : ['both'];
      const pi = packInputs.get(engineDir) ?? {
        tritonVersion: triton,
        kernelSourceHash: u.ready.kernelSourceSha256 ?? null,
        gpuArch: u.device.arch ?? null,
        // The pack manifest's record of what was measured (config-store's measuredWith).
        measuredWith: {
          card: u.device.name,
          driver: u.device.driver,
          triton: u.ready.triton ?? null,
          engine: u.ready.engine ?? null,
          kernelSource: u.ready.kernelSource ?? null,
          kernelSourceSha256: u.ready.kernelSourceSha256 ?? null,
          routing: routingText(o.routing),
          strategy: o.strategy,
          seed: o.seed,
          timing: describeReplayProtocol(o.timing ?? 'fast'),
        },
        files: {},
      };
      packInputs.set(engineDir, pi);
      for (const gemm of gemms) {
        const k = gemm === 'down' ? { ...key, down: true } : key;
        const fileName = formatFileName(target.engine, k);
        const rel = path.join(folder, fileName);
        const table = new Map<number, KernelConfig>(rows.map((r) => [r.M, tileConfigOf(gemm === 'down' ? r.down : r.up)]));
        texts.set(rel, formatConfigTable(target.engine, table, { tritonVersion: target.engine === 'vllm' ? triton : null }));
        // pack-input.json is keyed by the path inside the engine folder (triton_X_Y_Z/<name>).
        const inner = path.relative(engineDir, rel).split(path.sep).join('/');
        const entry = pi.files[inner] ?? { serves: [], measurements: {} };
        if (!entry.serves.some((s) => s.model === o.model && s.tp === target.tp && s.ep === target.ep)) entry.serves.push({ model: o.model, tp: target.tp, ep: target.ep });
        for (const r of rows) {
          const written = r.source === 'tuned' ? r.tuned?.us : r.default?.us;
          if (written) entry.measurements[String(r.M)] = { tunedUs: round(written)!, defaultUs: round(r.default?.us ?? null), date };
        }
        pi.files[inner] = entry;
        if (!files.some((f) => f.rel === rel)) {
          files.push({ engine: target.engine, rel, abs: path.join(o.out, rel), engineDir: path.join(o.out, engineDir), key: k, gemm, entries: rows.length, tuned: rows.filter((r) => r.source === 'tuned').length, tritonVersion: triton });
        }
      }
    }
  }
  const writes: PlannedWrite[] = [];
  for (const [rel, text] of texts) writes.push(planned(o.out, rel, text));
  for (const [dir, pi] of packInputs) {
    const body = { gpuArch: pi.gpuArch, tritonVersion: pi.tritonVersion, kernelSourceHash: pi.kernelSourceHash, toolVersion: o.toolVersion, measuredWith: pi.measuredWith, files: pi.files };
    writes.push(planned(o.out, path.join(dir, 'pack-input.json'), `${JSON.stringify(body, null, 2)}\n`));
  }
  const report = reportOf(result, o, files, notWritten);
  writes.push(planned(o.out, 'tune-report.json', `${JSON.stringify(report, null, 2)}\n`));
  return { files, notWritten, writes, report, out: o.out };
}

/** Writes the planned files, all or nothing (a failure leaves --out as it was). */
export function writeTuneOutput(output: TuneOutput): void {
  writeAllOrNothing(output.writes, 'pass --out a folder you can write to', output.out);
}

function routingText(r: WorkerRouting): string {
  return r.kind === 'uniform' ? `uniform (seed ${r.seed})` : r.kind === 'zipf' ? `zipf:${r.s} (seed ${r.seed})` : `trace:${r.file}`;
}

function planned(out: string, rel: string, bytes: string): PlannedWrite {
  const abs = path.join(out, rel);
  return { abs, display: rel, bytes, existed: existsSync(abs) };
}

function rowJson(r: CoupledRow) {
  return {
    M: r.M,
    source: r.source,
    up: tileConfigOf(r.up),
    down: tileConfigOf(r.down),
    tunedUs: round(r.tuned?.us),
    tunedSpreadUs: round(r.tuned?.se),
    defaultConfig: r.default ? tileConfigOf(r.default.config) : null,
    defaultUs: round(r.default?.us),
    defaultSpreadUs: round(r.default?.se),
    speedup: round(r.speedup, 4),
    checks: r.checks,
    notes: r.notes,
  };
}

function unitJson(u: UnitResult) {
  return {
    id: u.unit.id,
    shape: u.unit.shape,
    batchSizes: u.unit.batchSizes,
    candidates: u.unit.candidates.length,
    targets: u.unit.targets.map((t) => ({ engine: t.engine, tp: t.tp, ep: t.ep })),
    card: u.device.name,
    driver: u.device.driver,
    arch: u.device.arch,
    triton: u.ready.triton ?? null,
    engine: u.ready.engine ?? null,
    kernelSource: u.ready.kernelSource ?? null,
    kernelSourceSha256: u.ready.kernelSourceSha256 ?? null,
    rows: Object.fromEntries(Object.entries(u.rows).map(([engine, rows]) => [engine, rows!.map(rowJson)])),
  };
}

function reportOf(result: GpuTuneResult, o: TuneOutputOptions, files: TuneFile[], notWritten: TuneOutput['notWritten']) {
  return {
    schema: 1,
    tool: `@moe/kit ${o.toolVersion}`,
    model: o.model,
    started: result.started,
    strategy: o.strategy,
    seed: o.seed,
    routing: o.routing,
    timing: describeReplayProtocol(o.timing ?? 'fast'),
    journal: path.relative(o.out, result.journal) || result.journal,
    units: result.units.map(unitJson),
    files: files.map((f) => ({ engine: f.engine, path: f.rel.split(path.sep).join('/'), gemm: f.gemm, entries: f.entries, tuned: f.tuned })),
    notWritten,
    // This process's wall time, GPUs and requests: they differ between a run and its resume (nothing else here does).
    timings: {
      seconds: round(o.seconds ?? null, 1),
      units: result.units.map((u) => ({
        id: u.unit.id,
        seconds: round(u.seconds, 1),
        gpus: u.devices.map((d) => ({ index: d.index, name: d.name, arch: d.arch })),
        newCompiles: u.compiles,
        newMeasurements: u.measurements,
      })),
    },
  };
}
