import { existsSync } from 'node:fs';
import path from 'node:path';
import { formatFileName, type ConfigKey, type Engine } from '@moe/engine-facts';
import { formatConfigTable } from './config-content';
import type { ConfigTable } from './config-table';
import type { EngineEnvironment } from './engine-location';
import { engineReadLocation, engineWriteLocation, shadowNotes } from './engine-location';
import { BadArgumentError } from './errors/bad-argument-error';
import { BadConfigFileError } from './errors/bad-config-file-error';
import { InstallConflictError } from './errors/install-conflict-error';
import { TreeNotFoundError } from './errors/tree-not-found-error';
import { compareWithExisting } from './existing-file';
import type { InstallOptions, InstallReport } from './install';
import { collectSourceFiles, installConfigs, installRoot } from './install';
import type { LookupQuery, LookupReport } from './lookup';
import { lookupConfig } from './lookup';
import { discoverPacks, packSource } from './packs';
import { mkdirInside, writeFileAtomic } from './safe-fs';
import { validateConfigTable } from './validate-table';

/** lookupConfig's query (key, ms, tritonVersion, down, groupSize, topk), and where and how to read. */
export interface LookupOptions extends LookupQuery, EngineEnvironment {
  /**
   * Exactly one of `dir`, `python` and `packs`. `dir`: the folder the engine reads (SGLang: the
   * one holding configs/triton_X_Y_Z/, the configs folder itself, or an sglang package; vLLM: its
   * config folder or package), read as given.
   */
  dir?: string;
  /**
   * A Python interpreter whose installed engine (and Triton version) to read. SGLang then reads
   * the folder SGLANG_MOE_CONFIG_DIR (in `env`) names instead of its package folder, when set.
   * Its Triton version is the default `tritonVersion`.
   */
  python?: string;
  /** Search the config packs installed in node_modules/@moe/configs-* from `cwd` up; the first that has the file wins. */
  packs?: boolean;
}

/** A lookup's report, with what was read. */
export interface LookupResult extends LookupReport {
  /** The folder read (the engine's own files), or the names of the packs searched. */
  where: string;
  /** SGLang package layout of the folder read ('new': April 2026+), else null. */
  packageLayout: 'new' | 'old' | null;
  /** SGLang: the Triton version the lookup ran as (given, or installed with `python`); null for vLLM. */
  tritonVersion: string | null;
  /** Installed packs that were skipped, and why. */
  skippedPacks: { dir: string; message: string }[];
}

/**
 * `moe configs lookup` as a function (the command prints exactly this): which file and entry the
 * engine loads for each batch size, or the default config it falls back to. The environment
 * (`env`, default process.env) is read as the engine reads it: SGLANG_MOE_CONFIG_DIR with
 * `python`, VLLM_TUNED_CONFIG_FOLDER before the folder.
 */
export async function lookup(options: LookupOptions): Promise<LookupResult> {
  const { engine } = options;
  const query = (triton: string | null): LookupQuery => ({
    engine,
    key: options.key,
    ms: options.ms,
    tritonVersion: engine === 'sglang' ? triton : null,
    down: options.down ?? false,
    ...(options.groupSize !== undefined ? { groupSize: options.groupSize } : {}),
    ...(options.topk !== undefined ? { topk: options.topk } : {}),
  });
  if (options.packs) {
    if (options.dir !== undefined || options.python !== undefined) {
      throw new BadArgumentError('`packs` searches the installed packs; drop `dir` and `python`, or drop `packs`');
    }
    const from = options.cwd ?? process.cwd();
    const { packs, problems } = discoverPacks(from);
    if (packs.length === 0) {
      throw new BadArgumentError(`\`packs\`: no config packs installed in node_modules/@moe/configs-* from ${from} up; install one (npm install @moe/configs-<gpu>) or pass \`dir\``);
    }
    const triton = options.tritonVersion ?? null;
    // The first pack that has the file wins; with none, the engine's default (from the last lookup).
    let found: LookupReport | null = null;
    for (const pack of packs) {
      found = lookupConfig(query(triton), packSource(pack, engine));
      if (found.file) break;
    }
    return { ...(found as LookupReport), where: packs.map((p) => p.name).join(', '), packageLayout: null, tritonVersion: engine === 'sglang' ? triton : null, skippedPacks: problems };
  }
  const location = await engineReadLocation(engine, { ...(options.dir !== undefined ? { dir: options.dir } : {}), ...(options.python !== undefined ? { python: options.python } : {}) }, options);
  const triton = options.tritonVersion ?? location.installedTriton;
  const report = lookupConfig(query(triton), location.sources);
  return {
    ...report,
    notes: [...location.notes, ...report.notes],
    where: location.tree.dir,
    packageLayout: location.tree.packageLayout,
    tritonVersion: engine === 'sglang' ? triton : null,
    skippedPacks: [],
  };
}

export interface InstallFilesOptions extends Omit<InstallOptions, 'into' | 'runningTriton' | 'sglangConfigDir'>, EngineEnvironment {
  /**
   * Exactly one of `into` and `python`. `into`: a config tree, an engine package folder or
   * site-packages. `python`: install into the engine of that interpreter's environment (SGLang:
   * into the folder SGLANG_MOE_CONFIG_DIR names, when set, which that SGLang reads instead).
   */
  into?: string;
  python?: string;
}

export interface InstallFilesReport extends InstallReport {
  /** What the environment changed or will change (SGLANG_MOE_CONFIG_DIR used, files vLLM reads from VLLM_TUNED_CONFIG_FOLDER instead). */
  notes: string[];
}

/**
 * `moe configs install` as a function (the command prints exactly this): sources are config
 * files, folders of them or pack folders, relative to `cwd`.
 */
export async function install(sources: string[], options: InstallFilesOptions): Promise<InstallFilesReport> {
  const { into: _into, python: _python, env: _env, cwd: _cwd, ...rest } = options;
  const environment = { ...(options.env ? { env: options.env } : {}), ...(options.cwd ? { cwd: options.cwd } : {}) };
  const where = await engineWriteLocation(options.engine, { ...(options.into !== undefined ? { into: options.into } : {}), ...(options.python !== undefined ? { python: options.python } : {}) }, environment);
  const cwd = options.cwd ?? process.cwd();
  const report = installConfigs(
    collectSourceFiles(sources.map((s) => path.resolve(cwd, s))),
    { ...rest, into: where.into, runningTriton: where.runningTriton, sglangConfigDir: where.sglangConfigDir },
  );
  const targets = report.actions.map((a) => a.target).filter(Boolean);
  return { ...report, notes: [...where.notes, ...shadowNotes(options.engine, report.into, targets, environment)] };
}

export interface SaveTableOptions {
  engine: Engine;
  /** A config tree, engine package or site-packages folder (as for install). */
  into: string;
  key: ConfigKey;
  table: ConfigTable;
  /** SGLang: the triton_X_Y_Z folder (required); vLLM: written as the leading triton_version entry. */
  tritonVersion?: string | null;
  /** Overwrite an existing file whose configs differ. */
  force?: boolean;
}

/**
 * Writes a tuned table where the engine reads it, in its tuner's exact format, atomically.
 * Refuses tables the engine could not launch (validateConfigTable) and, without `force`,
 * existing files with different configs (InstallConflictError lists the batch sizes).
 */
export function saveConfigTable(options: SaveTableOptions): { path: string; action: 'write' | 'unchanged' | 'overwrite' } {
  const { engine, key, table } = options;
  const problems = validateConfigTable(table, { engine, key }).filter((i) => i.severity === 'error');
  if (problems.length > 0) throw new BadConfigFileError(`table for ${formatFileName(engine, key)}: ${problems[0]?.message}; ${problems[0]?.fix}`);
  if (!existsSync(options.into)) throw new TreeNotFoundError(`${options.into} does not exist; create it or pass the engine's folder`);
  let dir = installRoot(engine, options.into);
  if (engine === 'sglang') {
    if (!options.tritonVersion || !/^\d+(\.\d+)*$/.test(options.tritonVersion)) {
      throw new BadArgumentError(`tritonVersion ${options.tritonVersion ?? '(missing)'}: SGLang files live in triton_X_Y_Z folders; pass the Triton version the table was tuned with`);
    }
    dir = path.join(dir, `triton_${options.tritonVersion.replace(/\./g, '_')}`);
  }
  const target = path.join(dir, formatFileName(engine, key));
  const text = formatConfigTable(engine, table, { tritonVersion: options.tritonVersion ?? null });
  const existing = compareWithExisting(target, target, text, table, { engine, key });
  if (existing.state === 'same') return { path: target, action: 'unchanged' };
  if (existing.state === 'unreadable' && !options.force) {
    throw new InstallConflictError(`${target} exists and is not a readable config file (${existing.reason}); pass \`force\` to overwrite it (or write elsewhere)`);
  }
  if (existing.state === 'differs' && existing.differences.length > 0 && !options.force) {
    throw new InstallConflictError(
      `${target} exists with different configs at batch sizes ${existing.differences.map((d) => d.m).join(', ')}; pass \`force\` to overwrite it (or write elsewhere)`,
    );
  }
  const action = existing.state === 'absent' ? 'write' : 'overwrite';
  mkdirInside(options.into, dir);
  writeFileAtomic(target, text, options.into);
  return { path: target, action };
}
