import { existsSync } from 'node:fs';
import path from 'node:path';
import { analyzeConfigText, decodeConfigBytes, formatConfigTable } from './config-content';
import { formatFileName, type ConfigKey, type Engine } from '@moe/engine-facts';
import type { ConfigTable } from './config-table';
import { diffConfigTables } from './config-table';
import { BadConfigFileError } from './errors/bad-config-file-error';
import { FileTooLargeError } from './errors/file-too-large-error';
import { InstallConflictError } from './errors/install-conflict-error';
import { TreeNotFoundError } from './errors/tree-not-found-error';
import { mkdirInside, readFileCapped, writeFileAtomic } from './safe-fs';
import { validateConfigTable } from './validate-table';
import { readEngineTree } from './engine-tree';
import { BadArgumentError } from './errors/bad-argument-error';
import type { InstallOptions, InstallReport } from './install';
import { collectSourceFiles, installConfigs, installRoot } from './install';
import type { ConfigSource, LookupReport } from './lookup';
import { lookupConfig, treeSource } from './lookup';
import { findInstalledEngine } from './python-engine';

export interface LookupOptions {
  engine: Engine;
  /** The folder the engine reads (see `moe configs lookup --dir`), or use `python`. */
  dir?: string;
  /** A Python interpreter whose installed engine (and Triton version) to read. */
  python?: string;
  /** vLLM: VLLM_TUNED_CONFIG_FOLDER, read before `dir`. */
  tunedConfigFolder?: string | null;
  /**
   * SGLang: SGLANG_MOE_CONFIG_DIR (the folder holding `configs/triton_X_Y_Z/`). When set, SGLang
   * reads there instead of its package folder, so `dir` (or the package `python` finds) is not read.
   */
  sglangConfigDir?: string | null;
  /** E, N, device name (driver spelling is fine), dtype, block shape, per-channel quant. */
  key: Omit<ConfigKey, 'down'>;
  /** Batch sizes. */
  ms: number[];
  /** SGLang: the running Triton version (default: the installed one with `python`). */
  tritonVersion?: string | null;
  /** SGLang: the down GEMM. */
  down?: boolean;
}

/**
 * `moe configs lookup` as a function: which file and entry the engine loads for each batch size,
 * or the default config it falls back to.
 */
export async function lookup(options: LookupOptions): Promise<LookupReport> {
  if ((options.dir === undefined) === (options.python === undefined)) throw new BadArgumentError('lookup: pass exactly one of dir and python');
  let dir = options.dir as string;
  let engineVersion: string | null = null;
  let triton = options.tritonVersion ?? null;
  if (options.python !== undefined) {
    const found = await findInstalledEngine(options.engine, options.python);
    dir = found.packageDir;
    engineVersion = found.version;
    triton ??= found.tritonVersion;
  }
  // With SGLANG_MOE_CONFIG_DIR set, SGLang reads $SGLANG_MOE_CONFIG_DIR/configs/, never the package folder.
  const tree =
    options.engine === 'sglang' && options.sglangConfigDir
      ? readEngineTree('sglang', options.sglangConfigDir, { sglangConfigDir: true })
      : readEngineTree(options.engine, dir, engineVersion ? { engineVersion } : {});
  const sources: ConfigSource[] = [];
  // vLLM looks for the file in VLLM_TUNED_CONFIG_FOLDER first; a folder that does not exist holds nothing.
  if (options.engine === 'vllm' && options.tunedConfigFolder && existsSync(options.tunedConfigFolder)) {
    sources.push(treeSource(readEngineTree('vllm', options.tunedConfigFolder)));
  }
  sources.push(treeSource(tree));
  return lookupConfig({ engine: options.engine, key: options.key, ms: options.ms, tritonVersion: triton, down: options.down ?? false }, sources);
}

/** `moe configs install` as a function: sources are files, folders of them or pack folders. */
export function install(sources: string[], options: InstallOptions): InstallReport {
  return installConfigs(collectSourceFiles(sources), options);
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
  let action: 'write' | 'unchanged' | 'overwrite' = 'write';
  if (existsSync(target)) {
    let existing: string | null = null;
    try {
      existing = decodeConfigBytes(readFileCapped(target), target);
    } catch (err) {
      if (!(err instanceof BadConfigFileError || err instanceof FileTooLargeError)) throw err;
    }
    if (existing === text) return { path: target, action: 'unchanged' };
    if (existing === null) {
      if (!options.force) throw new InstallConflictError(`${target} exists and is not a readable config file (not UTF-8 or over the size cap); pass force to overwrite it (or write elsewhere)`);
    } else {
      const differences = diffConfigTables(analyzeConfigText(existing, { engine, key }).table, table);
      if (differences.length > 0 && !options.force) {
        throw new InstallConflictError(
          `${target} exists with different configs at batch sizes ${differences.map((d) => d.m).join(', ')}; pass force to overwrite it (or write elsewhere)`,
        );
      }
    }
    action = 'overwrite';
  }
  mkdirInside(options.into, dir);
  writeFileAtomic(target, text, options.into);
  return { path: target, action };
}
