// Which config each set gives the engine at each batch size, exactly as the engine resolves it:
// through @moe/config-store's lookup (nearest batch key, ties to the smaller; SGLang's
// Triton-version fallback; its _down file, or the up config without TMA; the default config).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  discoverPacks,
  lookup,
  lookupConfig,
  memorySource,
  packSource,
  readPack,
  type ConfigPack,
  type LookupQuery,
  type LookupReport,
} from '@moe/config-store';
import { TILE_CONFIG_FIELDS, tileConfigOf, type Engine, type KernelConfig, type TileConfig } from '@moe/engine-facts';
import type { BenchShape } from './bench-shape';
import type { SetSpec } from './config-sets';
import { BenchOptionError } from './errors/bench-option-error';

export interface ResolvedEntry {
  m: number;
  /** What the engine launches with (Triton's launch defaults filled in). */
  config: KernelConfig;
  /** What the bench times: the six tile parameters. */
  tile: TileConfig;
  source: 'file' | 'default';
  /** The file (relative to `where`), or null for the default. */
  file: string | null;
  /** The batch key picked, or null for the default. */
  key: number | null;
  /** Fields of the entry the runner does not time, and why. */
  ignored: string[];
}

export interface ResolvedGemm {
  /** The file name the engine asks for. */
  fileName: string;
  /** The file it loads, or null (its default). */
  file: string | null;
  /** SGLang: the triton_X_Y_Z folder the file came from when not the running version's. */
  fallbackFrom: string | null;
  tried: string[];
  entries: ResolvedEntry[];
}

export interface ResolvedSet {
  label: string;
  spec: SetSpec;
  /** The folder read, the pack, or "engine default". */
  where: string;
  /** SGLang: the Triton version the lookup ran as; null for vLLM or unknown. */
  tritonVersion: string | null;
  up: ResolvedGemm;
  /** SGLang: its _down file or the up config; vLLM: the up config (one config drives both). */
  down: ResolvedGemm;
  notes: string[];
}

export interface ResolveOptions {
  engine: Engine;
  shape: BenchShape;
  /** The card the bench runs on, as its driver names it. */
  deviceName: string;
  ms: number[];
  /** SGLang: the running Triton version (the compile service's, or given); null: unknown. */
  tritonVersion: string | null;
  /** The engine environment's interpreter: what `installed` reads. */
  python?: string;
  /** The environment the engine runs in (SGLANG_MOE_CONFIG_DIR, VLLM_TUNED_CONFIG_FOLDER apply to `installed`). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Fields beyond the six tile parameters that an entry can carry, and what the bench does with them. */
function ignoredFields(config: KernelConfig): string[] {
  const out: string[] = [];
  for (const [field, value] of Object.entries(config)) {
    if ((TILE_CONFIG_FIELDS as readonly string[]).includes(field)) continue;
    if (field === 'SPLIT_K' && value === 1) continue;
    if (field === 'USE_TMA' && value === false) continue;
    out.push(
      field === 'USE_TMA'
        ? "USE_TMA: true is not timed: the runner launches the engine's down GEMM without TMA"
        : `${field}: ${JSON.stringify(value)} is not timed: the runner launches the six tile parameters only`,
    );
  }
  return out;
}

function gemmOf(report: LookupReport): ResolvedGemm {
  return {
    fileName: report.fileName,
    file: report.file,
    fallbackFrom: report.fallbackFrom,
    tried: report.tried,
    entries: report.results.map((r) => ({
      m: r.m,
      config: r.config,
      tile: tileConfigOf(r.config),
      source: r.source,
      file: r.file,
      key: r.key,
      ignored: ignoredFields(r.config),
    })),
  };
}

/** A tune output folder (`moe tune --out`) holds <engine>/ beside tune-report.json: read that engine's folder. */
export function tunedFolder(dir: string, engine: Engine): string {
  const inner = path.join(dir, engine);
  const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
  return isDir(inner) && existsSync(path.join(dir, 'tune-report.json')) ? inner : dir;
}

function findPack(arg: string, cwd: string): ConfigPack {
  const asPath = path.resolve(cwd, arg);
  if (existsSync(asPath) && statSync(asPath).isDirectory()) return readPack(asPath);
  const { packs, problems } = discoverPacks(cwd);
  const wanted = [arg, `@moe/${arg}`, `@moe/configs-${arg}`];
  const found = packs.find((p) => wanted.includes(p.name));
  if (found) return found;
  const have = packs.map((p) => p.name);
  const bad = problems.length > 0 ? `; skipped as invalid: ${problems.map((p) => p.dir).join(', ')}` : '';
  throw new BenchOptionError(
    `\`sets\` pack:${arg}: no such pack installed from ${cwd} up (${have.length > 0 ? `installed: ${have.join(', ')}` : 'none installed'}${bad}); install it (npm install @moe/configs-<gpu>) or pass its folder`,
  );
}

/** Resolves every set at every batch size, for the up and the down GEMM. */
export async function resolveSets(sets: readonly SetSpec[], o: ResolveOptions): Promise<ResolvedSet[]> {
  const cwd = o.cwd ?? process.cwd();
  const out: ResolvedSet[] = [];
  for (const spec of sets) {
    const key = {
      E: o.shape.E,
      N: o.shape.fileN,
      deviceName: spec.deviceName ?? o.deviceName,
      dtype: o.shape.dtype,
      blockShape: o.shape.blockShape,
      perChannelQuant: o.shape.perChannelQuant,
    };
    const query = (down: boolean): LookupQuery => ({ engine: o.engine, key, ms: o.ms, tritonVersion: o.tritonVersion, down, topk: o.shape.topk });
    const notes: string[] = [];
    let up: LookupReport;
    let down: LookupReport;
    let where: string;
    let triton = o.engine === 'sglang' ? o.tritonVersion : null;
    if (spec.kind === 'default') {
      // No file anywhere: what the engine builds when it finds none.
      up = lookupConfig(query(false), memorySource({}));
      down = lookupConfig(query(true), memorySource({}));
      where = 'engine default';
    } else if (spec.kind === 'pack') {
      const pack = findPack(spec.arg!, cwd);
      up = lookupConfig(query(false), packSource(pack, o.engine));
      down = lookupConfig(query(true), packSource(pack, o.engine));
      where = `${pack.name} (${pack.dir})`;
    } else if (spec.kind === 'installed') {
      if (!o.python) throw new BenchOptionError('`sets` installed: no `python` given; pass the interpreter of the environment the engine is installed in');
      const common = { engine: o.engine, python: o.python, key, ms: o.ms, topk: o.shape.topk, ...(o.env ? { env: o.env } : {}), cwd };
      // The running Triton of that environment decides SGLang's folder: the installed one.
      const u = await lookup({ ...common, down: false });
      const d = await lookup({ ...common, down: true });
      if (o.engine === 'sglang' && o.tritonVersion && u.tritonVersion && o.tritonVersion !== u.tritonVersion) {
        notes.push(`the engine's environment has Triton ${u.tritonVersion} (not ${o.tritonVersion}): installed is looked up as that SGLang runs, with ${u.tritonVersion}`);
      }
      triton = u.tritonVersion;
      up = u;
      down = d;
      where = u.where;
    } else {
      const dir = spec.kind === 'tuned' ? tunedFolder(path.resolve(cwd, spec.arg!), o.engine) : path.resolve(cwd, spec.arg!);
      // A folder set is what is in that folder: the environment's overrides do not apply to it.
      const common = { engine: o.engine, dir, key, ms: o.ms, tritonVersion: o.tritonVersion, topk: o.shape.topk, env: {}, cwd };
      const u = await lookup({ ...common, down: false });
      const d = await lookup({ ...common, down: true });
      up = u;
      down = d;
      where = u.where;
    }
    if (spec.deviceName) notes.push(`the files of ${key.deviceName} (the engine on this card asks for ${o.deviceName}'s): timed on this card`);
    out.push(resolvedSetOf(spec, where, triton, up, down, notes));
  }
  return out;
}

/** A resolved set from the lookups of its up and down GEMM. */
export function resolvedSetOf(spec: SetSpec, where: string, tritonVersion: string | null, up: LookupReport, down: LookupReport, notes: string[] = []): ResolvedSet {
  const all = [...notes];
  for (const n of [...up.notes, ...down.notes]) if (!all.includes(n)) all.push(n);
  return { label: spec.label, spec, where, tritonVersion, up: gemmOf(up), down: gemmOf(down), notes: all };
}

/** One line saying where a set's config at one batch size comes from (file and entry, or the default). */
export function provenance(g: ResolvedGemm, e: ResolvedEntry, set: Pick<ResolvedSet, 'where' | 'spec'>): string {
  // SGLang without a _down file runs the down GEMM with the up config (the lookup names the up file).
  const upFile = e.file !== null && path.posix.basename(e.file) !== g.fileName;
  if (upFile || (e.source === 'default' && g.fileName.endsWith('_down.json') && set.spec.kind !== 'default')) return `the up config (no ${g.fileName})`;
  if (e.source === 'default') return set.spec.kind === 'default' ? 'engine default config' : `engine default (no ${g.fileName} in ${set.where})`;
  return `${e.file} entry "${e.key}"${g.fallbackFrom ? ` (Triton fallback: ${g.fallbackFrom})` : ''}`;
}
