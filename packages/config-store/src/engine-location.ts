import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '@moe/engine-facts';
import type { EngineTree } from './engine-tree';
import { readEngineTree } from './engine-tree';
import { BadArgumentError } from './errors/bad-argument-error';
import type { ConfigSource } from './lookup';
import { treeSource } from './lookup';
import { findInstalledEngine } from './python-engine';

/**
 * The environment an engine runs in, as far as where it reads config files goes: the variables
 * it reads (SGLANG_MOE_CONFIG_DIR, VLLM_TUNED_CONFIG_FOLDER; PATH and PYTHONPATH for `python`)
 * and the folder relative paths start from.
 */
export interface EngineEnvironment {
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default: process.cwd(). */
  cwd?: string;
}

/** Where an engine reads, for a lookup: the folders in the order it tries them. */
export interface ReadLocation {
  /** The folder read for the engine's own files (the package's, `dir`, or SGLANG_MOE_CONFIG_DIR's). */
  tree: EngineTree;
  /** Every source in the engine's order (vLLM: VLLM_TUNED_CONFIG_FOLDER first, its files shown with absolute paths). */
  sources: ConfigSource[];
  /** The installed Triton version when `python` found it, else null. */
  installedTriton: string | null;
  /** What the environment changed, in words. */
  notes: string[];
}

const envOf = (e: EngineEnvironment) => ({ env: e.env ?? process.env, cwd: e.cwd ?? process.cwd() });

function oneOf(given: Record<string, string | undefined>, fix: string): void {
  const names = Object.keys(given).filter((k) => given[k] !== undefined);
  if (names.length === 1) return;
  const list = Object.keys(given).map((k) => `\`${k}\``);
  throw new BadArgumentError(
    names.length === 0
      ? `no folder given; pass one of ${list.join(' and ')} (${fix})`
      : `${names.map((k) => `\`${k}\``).join(' and ')} both given; pass exactly one of ${list.join(' and ')} (${fix})`,
  );
}

/**
 * The folders `engine` reads config files from, as it reads them: `dir` as given, or the package
 * `python` finds (SGLang: the folder SGLANG_MOE_CONFIG_DIR names instead, when it is set); vLLM
 * reads VLLM_TUNED_CONFIG_FOLDER before either (a folder that does not exist holds nothing).
 */
export async function engineReadLocation(engine: Engine, where: { dir?: string; python?: string }, environment: EngineEnvironment = {}): Promise<ReadLocation> {
  const { env, cwd } = envOf(environment);
  oneOf({ dir: where.dir, python: where.python }, 'the folder the engine reads, or the interpreter whose engine to read');
  const notes: string[] = [];
  let tree: EngineTree;
  let installedTriton: string | null = null;
  if (where.python !== undefined) {
    const found = await findInstalledEngine(engine, where.python, { env });
    installedTriton = found.tritonVersion;
    const override = engine === 'sglang' ? env.SGLANG_MOE_CONFIG_DIR : undefined;
    if (override) {
      // SGLang reads $SGLANG_MOE_CONFIG_DIR/configs/triton_X_Y_Z/ instead of its package folder.
      tree = readEngineTree('sglang', path.resolve(cwd, override), { sglangConfigDir: true });
      notes.push(`SGLANG_MOE_CONFIG_DIR is set: SGLang reads ${override}/configs, not its package folder`);
    } else tree = readEngineTree(engine, found.packageDir, { engineVersion: found.version });
  } else tree = readEngineTree(engine, path.resolve(cwd, where.dir as string));
  const sources: ConfigSource[] = [];
  const tuned = engine === 'vllm' ? env.VLLM_TUNED_CONFIG_FOLDER : undefined;
  if (tuned) {
    // vLLM opens $VLLM_TUNED_CONFIG_FOLDER/<name> first; a folder that does not exist is skipped.
    const exists = existsSync(path.resolve(cwd, tuned));
    if (exists) {
      // Its files are shown with their absolute path: they are not under the folder read.
      const userTree = readEngineTree('vllm', path.resolve(cwd, tuned));
      const inner = treeSource(userTree);
      sources.push({
        tritonDirs: inner.tritonDirs,
        read: (d, name) => {
          const r = inner.read(d, name);
          return r ? { text: r.text, rel: `${userTree.dir}/${r.rel}` } : null;
        },
      });
    }
    notes.push(`VLLM_TUNED_CONFIG_FOLDER=${tuned} is read before ${tree.dir}${exists ? '' : ' (it does not exist)'}`);
  }
  sources.push(treeSource(tree));
  return { tree, sources, installedTriton, notes };
}

/** Where an install writes, for `engine` in this environment. */
export interface WriteLocation {
  /** The folder to install into (absolute). */
  into: string;
  /** SGLang: `into` is the folder SGLANG_MOE_CONFIG_DIR names (files go to <into>/configs/triton_X_Y_Z/). */
  sglangConfigDir: boolean;
  /** The installed Triton version when `python` found it, else null. */
  runningTriton: string | null;
  notes: string[];
}

/**
 * The folder an install writes to: `into` as given, or the package `python` finds (SGLang: the
 * folder SGLANG_MOE_CONFIG_DIR names instead, when it is set, which that SGLang reads).
 */
export async function engineWriteLocation(engine: Engine, where: { into?: string; python?: string }, environment: EngineEnvironment = {}): Promise<WriteLocation> {
  const { env, cwd } = envOf(environment);
  oneOf({ into: where.into, python: where.python }, 'a config tree or engine folder, or the interpreter of the environment the engine runs in');
  if (where.into !== undefined) return { into: path.resolve(cwd, where.into), sglangConfigDir: false, runningTriton: null, notes: [] };
  const found = await findInstalledEngine(engine, where.python as string, { env });
  const override = engine === 'sglang' ? env.SGLANG_MOE_CONFIG_DIR : undefined;
  if (!override) return { into: found.packageDir, sglangConfigDir: false, runningTriton: found.tritonVersion, notes: [] };
  const into = path.resolve(cwd, override);
  return {
    into,
    sglangConfigDir: true,
    runningTriton: found.tritonVersion,
    notes: [`SGLANG_MOE_CONFIG_DIR is set: installing into ${into}/configs, which this SGLang reads instead of its package folder`],
  };
}

/**
 * vLLM opens $VLLM_TUNED_CONFIG_FOLDER/<name> first: for each file installed under `into`, a
 * note when a file of the same name there will be read instead.
 */
export function shadowNotes(engine: Engine, into: string, targets: string[], environment: EngineEnvironment = {}): string[] {
  const { env, cwd } = envOf(environment);
  const tuned = engine === 'vllm' ? env.VLLM_TUNED_CONFIG_FOLDER : undefined;
  if (!tuned) return [];
  const notes: string[] = [];
  for (const target of targets) {
    const name = target.split('/').pop() as string;
    const shadow = path.join(path.resolve(cwd, tuned), name);
    const installed = path.join(into, target);
    if (existsSync(shadow) && realpathSync(shadow) !== (existsSync(installed) ? realpathSync(installed) : installed)) {
      notes.push(`${target} is shadowed: vLLM reads ${shadow} first (VLLM_TUNED_CONFIG_FOLDER); install there (\`into\` ${tuned}) or remove that file`);
    }
  }
  return notes;
}
