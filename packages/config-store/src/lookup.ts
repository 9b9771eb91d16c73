import { existsSync } from 'node:fs';
import path from 'node:path';
import { analyzeConfigText, decodeConfigBytes } from './config-content';
import { deviceNameForEngine, formatFileName, nameDtype, orderKernelConfig, type ConfigKey, type Engine, type KernelConfig } from '@moe/engine-facts';
import type { DefaultConfigInput } from './default-config';
import { defaultConfig } from './default-config';
import type { EngineTree } from './engine-tree';
import { NOT_A_FILE_FIX, notAFileMessage, tritonDirInfo } from './engine-tree';
import { BadArgumentError } from './errors/bad-argument-error';
import { EngineWouldFailError } from './errors/engine-would-fail-error';
import { UnsafePathError } from './errors/unsafe-path-error';
import { platformOf } from './gpu-info';
import { readFileCapped } from './safe-fs';

/** Where lookup reads files from: a folder the engine reads, on disk or in memory. */
export interface ConfigSource {
  /** SGLang: names of the entries starting with `triton_` in the configs folder; null when that folder does not exist. */
  tritonDirs(): string[] | null;
  /** The file's text and display path, or null when it does not exist. `dir` is a triton_* folder (SGLang) or null (vLLM). */
  read(dir: string | null, name: string): { text: string; rel: string } | null;
}

/**
 * A source over a tree read from disk. Entries the walk did not follow (a symlink out of the
 * folder, an unreadable entry) are ones the engine would still open: asking for one throws
 * instead of answering as if it were missing. A broken symlink is missing for the engine too.
 */
export function treeSource(tree: EngineTree): ConfigSource {
  const byPath = new Map(tree.files.map((f) => [f.tritonDir ? `${f.tritonDir}/${f.name}` : f.name, f]));
  const prefix = tree.configsRootRel ? `${tree.configsRootRel}/` : '';
  const skipped = new Map(
    tree.problems.filter((p) => p.rel.startsWith(prefix) && p.kind !== 'name').map((p) => [p.rel.slice(prefix.length), p]),
  );
  // SGLang lists the configs folder: links out of it and broken links are listed too.
  const skippedDirs = [...skipped.keys()].filter((k) => !k.includes('/') && k.startsWith('triton_'));
  const refuse = (key: string, target: string): void => {
    const p = skipped.get(key);
    if (p?.kind === 'special' && key === target) throw new EngineWouldFailError(`${notAFileMessage(tree.engine, p.rel, p.entry ?? 'not a regular file')}; ${NOT_A_FILE_FIX}`);
    // Only a file the engine would find there matters (a stat, nothing is read through the link).
    if (!p || p.kind === 'broken' || !existsSync(path.join(tree.configsRoot, target))) return;
    throw new UnsafePathError(
      `${p.rel} ${p.reason}: the engine would read it, but MoE Kit does not follow it, so it cannot say what the engine loads; copy the files into ${tree.dir} (or fix the permissions) and look up again`,
    );
  };
  return {
    tritonDirs: () =>
      tree.engine === 'sglang' && existsSync(tree.configsRoot) ? [...tree.tritonDirs.map((d) => d.name), ...skippedDirs] : null,
    read: (dir, name) => {
      const key = dir ? `${dir}/${name}` : name;
      const f = byPath.get(key);
      if (!f) {
        if (dir) refuse(dir, key);
        refuse(key, key);
        return null;
      }
      return { text: decodeConfigBytes(readFileCapped(f.abs), f.rel), rel: f.rel };
    },
  };
}

/** A source over files in memory: keys are 'triton_X_Y_Z/<name>' (SGLang) or '<name>' (vLLM). */
export function memorySource(files: Record<string, string>, prefix = ''): ConfigSource {
  const dirs = [...new Set(Object.keys(files).filter((k) => k.includes('/')).map((k) => k.split('/')[0] as string))].sort();
  return {
    tritonDirs: () => dirs,
    read: (dir, name) => {
      const k = dir ? `${dir}/${name}` : name;
      const text = files[k];
      return text === undefined ? null : { text, rel: prefix + k };
    },
  };
}

export interface LookupQuery {
  engine: Engine;
  /** The kernel shape; deviceName may be the driver's name ("NVIDIA H200") or a file-name spelling. */
  key: Omit<ConfigKey, 'down'> & { down?: boolean };
  /** Batch sizes (tokens in the MoE call on this rank). */
  ms: number[];
  /** SGLang: the running Triton version ("3.5.1"); null: one without a folder of its own. */
  tritonVersion?: string | null;
  /** SGLang: look up the down GEMM's config instead of the up one. */
  down?: boolean;
  /** Quantization group size of int4/int8 w*a16 weights (vLLM's default rule needs it). */
  groupSize?: number | null;
  /** Top-k of the model (vLLM's int4 default rule needs it). */
  topk?: number;
}

export interface LookupEntry {
  m: number;
  source: 'file' | 'default';
  /** The file's path relative to the folder given, or null for the default. */
  file: string | null;
  /** The batch key used, or null for the default. */
  key: number | null;
  /** The KernelConfig the engine launches with (Triton's launch defaults filled in). */
  config: KernelConfig;
}

export interface LookupReport {
  engine: Engine;
  /** The file name the engine asks for. */
  fileName: string;
  /** The file it loads (relative path), or null when it uses its default config. */
  file: string | null;
  /** SGLang: the Triton folder the file came from when that is not the running version's. */
  fallbackFrom: string | null;
  /** Paths the engine tried, in order. */
  tried: string[];
  results: LookupEntry[];
  notes: string[];
}

/**
 * SGLang's search order for a file: the running Triton's folder first, then every `triton_*`
 * folder newest first (not bounded by the running version), skipping the running one.
 * Throws EngineWouldFailError when a folder name has a part that is not an integer (SGLang's
 * sort fails on it).
 */
export function sglangSearchOrder(tritonDirs: string[] | null, running: string | null): string[] {
  const order: string[] = [];
  const runningDir = running ? `triton_${running.replace(/\./g, '_')}` : null;
  if (runningDir) order.push(runningDir);
  if (tritonDirs === null) {
    throw new EngineWouldFailError(
      `SGLang lists the configs folder to fall back to other Triton versions, and it does not exist; create it (configs/triton_X_Y_Z/) or point \`dir\` at the right folder`,
    );
  }
  const infos = tritonDirs.filter((d) => d.startsWith('triton_')).map((d) => tritonDirInfo(d, d));
  const bad = infos.find((i) => i.parts === null);
  if (bad) {
    throw new EngineWouldFailError(
      `SGLang cannot sort Triton folder ${bad.name}: a part of its version is not an integer, so its fallback search fails; rename it triton_X_Y_Z or remove it`,
    );
  }
  const sorted = infos
    .map((i, index) => ({ ...i, index }))
    .sort((a, b) => compareTuples(b.parts as number[], a.parts as number[]) || a.index - b.index);
  for (const i of sorted) if (i.version !== running) order.push(i.name);
  return order;
}

function compareTuples(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    if ((a[i] as number) !== (b[i] as number)) return (a[i] as number) - (b[i] as number);
  }
  return a.length - b.length;
}

interface Loaded {
  rel: string;
  keys: number[];
  table: Map<number, KernelConfig>;
  broken: Set<number>;
}

function load(engine: Engine, key: ConfigKey, found: { text: string; rel: string }): Loaded | null {
  const a = analyzeConfigText(found.text, { engine, key });
  // Neither engine checks the top level: a JSON array, string or number fails in the loader
  // (vLLM's pop("triton_version"), SGLang's .items()), so it is a load failure like any other.
  if (!a.content || !a.loadable) {
    const why = a.issues.find((i) => i.severity === 'error');
    throw new EngineWouldFailError(`${found.rel}: the engine fails to load this file (${why?.message ?? 'unreadable'}); ${why?.fix ?? 'fix or remove it'}`);
  }
  if (a.engineKeys.length === 0) return null; // an empty table is treated like a missing file
  return { rel: found.rel, keys: a.engineKeys, table: a.table, broken: new Set(a.brokenKeys) };
}

/** The nearest batch key: absolute distance, ties to the first in file order (the smaller in sorted files). */
function pick(loaded: Loaded, m: number): { key: number; config: KernelConfig } {
  let best = loaded.keys[0] as number;
  for (const k of loaded.keys) if (Math.abs(k - m) < Math.abs(best - m)) best = k;
  const config = loaded.table.get(best);
  if (loaded.broken.has(best) || !config) {
    throw new EngineWouldFailError(
      `${loaded.rel}: at M=${m} the engine picks entry "${best}", which it cannot launch (missing or mistyped fields); run \`moe configs doctor\` and fix the entry`,
    );
  }
  return { key: best, config };
}

/** Reproduces the engine's file resolution, batch-key choice, down fallback and default config. */
export function lookupConfig(query: LookupQuery, sources: ConfigSource | ConfigSource[]): LookupReport {
  const { engine } = query;
  const list = Array.isArray(sources) ? sources : [sources];
  for (const m of query.ms) {
    if (!Number.isSafeInteger(m) || m < 1) throw new BadArgumentError(`batch size ${m} is not a positive integer; pass \`ms\` as positive integers (1,37,4096)`);
  }
  const key: ConfigKey = { ...query.key, deviceName: deviceNameForEngine(engine, query.key.deviceName), down: false };
  const notes: string[] = [];
  if (engine === 'vllm') {
    key.perChannelQuant = false;
    if (key.dtype !== nameDtype(engine, key.dtype)) notes.push('vLLM names no int8_w8a8 files: it looks int8_w8a8 models up under the name without a dtype');
    key.dtype = nameDtype(engine, key.dtype);
  }
  const fileName = formatFileName(engine, key);
  const tried: string[] = [];

  const resolve = (name: string): { loaded: Loaded | null; fallbackFrom: string | null; found: boolean } => {
    if (engine === 'vllm') {
      for (const src of list) {
        const f = src.read(null, name);
        tried.push(f?.rel ?? name);
        if (f) return { loaded: load(engine, key, f), fallbackFrom: null, found: true };
      }
      return { loaded: null, fallbackFrom: null, found: false };
    }
    const src = list[0] as ConfigSource;
    const running = query.tritonVersion ?? null;
    const runningDir = running ? `triton_${running.replace(/\./g, '_')}` : null;
    if (runningDir) {
      const f = src.read(runningDir, name);
      tried.push(`${runningDir}/${name}`);
      if (f) return { loaded: load(engine, key, f), fallbackFrom: null, found: true };
    }
    for (const dir of sglangSearchOrder(src.tritonDirs(), running)) {
      if (dir === runningDir) continue;
      const f = src.read(dir, name);
      tried.push(`${dir}/${name}`);
      if (f) return { loaded: load(engine, key, f), fallbackFrom: dir, found: true };
    }
    return { loaded: null, fallbackFrom: null, found: false };
  };

  const up = resolve(fileName);
  if (up.found && !up.loaded) notes.push(`${fileName} has no usable entries: the engine treats it as missing and uses its default`);
  if (up.fallbackFrom && query.tritonVersion) notes.push(`no file for Triton ${query.tritonVersion}: SGLang falls back to ${up.fallbackFrom}`);
  if (engine === 'sglang' && !query.tritonVersion) notes.push('no `tritonVersion` given: assuming a running Triton without a folder of its own (newest folder first)');

  const defaultInput = (m: number): DefaultConfigInput => ({
    m,
    e: key.E,
    dtype: key.dtype,
    blockShape:
      key.blockShape && key.blockShape[0] > 0 && key.blockShape[1] > 0
        ? key.blockShape
        : query.groupSize && (key.dtype === 'int4_w4a16' || key.dtype === 'int8_w8a16')
          ? [0, query.groupSize]
          : null,
    platform: platformOf(key.deviceName),
    ...(query.topk !== undefined ? { topk: query.topk } : {}),
  });

  const upEntry = (m: number): LookupEntry => {
    if (up.loaded) {
      const p = pick(up.loaded, m);
      return { m, source: 'file', file: up.loaded.rel, key: p.key, config: orderKernelConfig({ ...p.config }) };
    }
    const d = defaultConfig(engine, defaultInput(m));
    return { m, source: 'default', file: null, key: null, config: d.config };
  };

  let results: LookupEntry[];
  let file = up.loaded?.rel ?? null;
  let fallbackFrom = up.fallbackFrom;
  let reportedName = fileName;
  if (query.down && engine === 'sglang') {
    const downName = formatFileName(engine, { ...key, down: true });
    reportedName = downName;
    const down = resolve(downName);
    if (down.loaded) {
      file = down.loaded.rel;
      fallbackFrom = down.fallbackFrom;
      results = query.ms.map((m) => {
        const u = upEntry(m);
        const p = pick(down.loaded as Loaded, m);
        const config = orderKernelConfig({ ...p.config });
        if (config.BLOCK_SIZE_M !== u.config.BLOCK_SIZE_M) config.BLOCK_SIZE_M = u.config.BLOCK_SIZE_M;
        return { m, source: 'file', file: (down.loaded as Loaded).rel, key: p.key, config };
      });
      notes.push("the down entry's BLOCK_SIZE_M is forced to the up config's (both GEMMs share one alignment)");
    } else {
      notes.push(`no ${downName}: the down GEMM uses the up config without TMA`);
      results = query.ms.map((m) => {
        const u = upEntry(m);
        const config = { ...u.config };
        delete config.USE_TMA;
        return { ...u, config };
      });
    }
  } else {
    if (query.down) notes.push('vLLM has no down files: one config drives both GEMMs');
    results = query.ms.map(upEntry);
  }
  // Each batch size's default may come from a different rule: keep every distinct note.
  for (const r of results) {
    if (r.source !== 'default') continue;
    for (const n of defaultConfig(engine, defaultInput(r.m)).notes) if (!notes.includes(n)) notes.push(n);
  }
  return { engine, fileName: reportedName, file, fallbackFrom, tried, results, notes };
}
