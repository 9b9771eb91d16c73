import type { ConfigKey } from './config-key';
import type { Engine } from './engine';
import { readEngineTree } from './engine-tree';
import { BadArgumentError } from './errors/bad-argument-error';
import type { InstallOptions, InstallReport } from './install';
import { collectSourceFiles, installConfigs } from './install';
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
  let triton = options.tritonVersion ?? null;
  if (options.python !== undefined) {
    const found = await findInstalledEngine(options.engine, options.python);
    dir = found.packageDir;
    triton ??= found.tritonVersion;
  }
  const sources: ConfigSource[] = [];
  if (options.engine === 'vllm' && options.tunedConfigFolder) sources.push(treeSource(readEngineTree('vllm', options.tunedConfigFolder)));
  sources.push(treeSource(readEngineTree(options.engine, dir)));
  return lookupConfig({ engine: options.engine, key: options.key, ms: options.ms, tritonVersion: triton, down: options.down ?? false }, sources);
}

/** `moe configs install` as a function: sources are files, folders of them or pack folders. */
export function install(sources: string[], options: InstallOptions): InstallReport {
  return installConfigs(collectSourceFiles(sources), options);
}
