import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '@moe/engine-facts';
import { BadArgumentError } from './errors/bad-argument-error';
import { TreeNotFoundError } from './errors/tree-not-found-error';
import type { WalkProblem } from './safe-fs';
import { walkTree } from './safe-fs';

/** SGLang's config folder inside the package since April 2026 (upstream PR #23019). */
export const SGLANG_NEW_CONFIGS = 'srt/layers/moe/moe_runner/triton_utils/configs';
/** SGLang's config folder before April 2026; files added there later are never read. */
export const SGLANG_OLD_CONFIGS = 'srt/layers/moe/fused_moe_triton/configs';
/** vLLM's shipped config folder inside the package. */
export const VLLM_CONFIGS = 'model_executor/layers/fused_moe/configs';

export type TreeLayout =
  /** SGLang: a folder holding `configs/triton_X_Y_Z/` (what SGLANG_MOE_CONFIG_DIR points to). */
  | 'config-dir'
  /** SGLang: a folder holding the `triton_X_Y_Z/` folders directly. */
  | 'triton-dirs'
  /** An installed engine package folder (…/site-packages/sglang or …/vllm). */
  | 'package'
  /** A site-packages folder holding the engine package. */
  | 'site-packages'
  /** vLLM: a flat folder of files. */
  | 'flat';

export interface TreeFile {
  /** Path relative to the folder given, '/'-separated. */
  rel: string;
  abs: string;
  name: string;
  /** SGLang: the triton_X_Y_Z folder holding the file, null elsewhere. */
  tritonDir: string | null;
}

export interface TritonDir {
  /** Folder name, e.g. triton_3_5_1. */
  name: string;
  /** Version as SGLang derives it ("3.5.1"), or null when SGLang cannot parse it. */
  version: string | null;
  /** Numeric parts for sorting, or null when a part is not an integer. */
  parts: number[] | null;
  rel: string;
}

/** A folder read as an engine reads it. */
export interface EngineTree {
  engine: Engine;
  /** The folder given (absolute). */
  dir: string;
  layout: TreeLayout;
  /** SGLang package layout: 'new' (moe_runner/triton_utils, April 2026+) or 'old'; null when not a package. */
  packageLayout: 'new' | 'old' | null;
  /** The engine package version when known (from --python). */
  engineVersion: string | null;
  /** Absolute path of the folder the engine reads (SGLang: holds the triton_* folders). */
  configsRoot: string;
  /** configsRoot relative to dir ('' when the same). */
  configsRootRel: string;
  /** SGLang: the triton_* folders, as found. */
  tritonDirs: TritonDir[];
  /** Files the engine can read (SGLang: E= files inside triton_* folders; vLLM: E= files in the folder). */
  files: TreeFile[];
  /** Config-named files the engine never reads, with why. */
  unread: { file: TreeFile; reason: 'old-folder' | 'not-in-triton-folder' | 'subfolder' }[];
  /** Entries that were not followed (symlinks out of the tree, unreadable, too deep). */
  problems: WalkProblem[];
}

export function tritonDirInfo(name: string, rel: string): TritonDir {
  const version = name.slice('triton_'.length).replace(/_/g, '.');
  const raw = version.split('.');
  const parts = raw.every((p) => /^\d+$/.test(p)) ? raw.map(Number) : null;
  return { name, version: parts ? version : null, parts, rel };
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

const isFile = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

const looksLikeConfig = (name: string) => name.startsWith('E=') && name.endsWith('.json');

const listNames = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/**
 * What a plain (non-package) folder given for SGLang is. SGLang reads
 * $SGLANG_MOE_CONFIG_DIR/configs/triton_X_Y_Z/, so a folder is either that variable's folder
 * (it holds configs/) or the configs folder itself (it holds triton_* folders or config files,
 * or is named `configs`: the variable then names its parent). An empty or unrelated folder of
 * another name is taken as the variable's folder. A folder holding both configs/ and triton_*
 * folders could be either: refused.
 */
function sglangFolder(dir: string, given: string, asConfigDir: boolean): { layout: TreeLayout; configsRoot: string; pkg: null; packageLayout: null } {
  const inner = path.join(dir, 'configs');
  if (asConfigDir) return { layout: 'config-dir', configsRoot: inner, pkg: null, packageLayout: null };
  const hasConfigs = isDir(inner);
  const names = listNames(dir);
  const hasTriton = names.some((n) => n.startsWith('triton_') && isDir(path.join(dir, n)));
  if (hasConfigs && hasTriton) {
    throw new BadArgumentError(
      `${given} holds both triton_* folders and a configs/ folder, so which one SGLang reads is unclear; pass ${path.join(given, 'configs')} if SGLANG_MOE_CONFIG_DIR names ${given}, else move or remove its configs/ folder`,
    );
  }
  if (hasConfigs) return { layout: 'config-dir', configsRoot: inner, pkg: null, packageLayout: null };
  if (hasTriton || names.some(looksLikeConfig) || path.basename(dir) === 'configs') return { layout: 'triton-dirs', configsRoot: dir, pkg: null, packageLayout: null };
  return { layout: 'config-dir', configsRoot: inner, pkg: null, packageLayout: null };
}

function locate(engine: Engine, dir: string, given: string, asConfigDir: boolean): { layout: TreeLayout; configsRoot: string; pkg: string | null; packageLayout: 'new' | 'old' | null } {
  if (engine === 'sglang') {
    let pkg: string | null = null;
    let layout: TreeLayout | null = null;
    if (isDir(path.join(dir, 'sglang', 'srt'))) {
      pkg = path.join(dir, 'sglang');
      layout = 'site-packages';
    } else if (isDir(path.join(dir, 'srt', 'layers', 'moe'))) {
      pkg = dir;
      layout = 'package';
    }
    if (pkg && layout) {
      // New layout: the loader and its configs/ live in moe_runner/triton_utils/. The folder alone
      // is not enough: it may hold other modules in a package whose loader is still the old one.
      const triton = path.join(pkg, 'srt/layers/moe/moe_runner/triton_utils');
      const isNew = isDir(path.join(triton, 'configs')) || isFile(path.join(triton, 'fused_moe_triton_config.py'));
      return {
        layout,
        pkg,
        packageLayout: isNew ? 'new' : 'old',
        configsRoot: path.join(pkg, isNew ? SGLANG_NEW_CONFIGS : SGLANG_OLD_CONFIGS),
      };
    }
    return sglangFolder(dir, given, asConfigDir);
  }
  if (isDir(path.join(dir, 'vllm', 'model_executor'))) {
    return { layout: 'site-packages', configsRoot: path.join(dir, 'vllm', VLLM_CONFIGS), pkg: path.join(dir, 'vllm'), packageLayout: null };
  }
  if (isDir(path.join(dir, 'model_executor'))) {
    return { layout: 'package', configsRoot: path.join(dir, VLLM_CONFIGS), pkg: dir, packageLayout: null };
  }
  return { layout: 'flat', configsRoot: dir, pkg: null, packageLayout: null };
}

/**
 * What the engine does with something that is not a regular file at a config file's name: both
 * check the path with os.path.exists, then open() it. `entry` is what it is ("a FIFO (named pipe)").
 */
export function notAFileMessage(engine: Engine, rel: string, entry: string): string {
  const consequence =
    entry === 'a folder'
      ? 'fails opening it (IsADirectoryError)'
      : entry === 'a FIFO (named pipe)'
        ? 'blocks opening it until something writes to the pipe'
        : entry === 'a socket'
          ? 'fails opening it (ENXIO)'
          : 'reads the device instead of a config file';
  return `${rel} is ${entry}, not a file: ${engine === 'sglang' ? 'SGLang' : 'vLLM'} finds it by name (os.path.exists) and ${consequence}`;
}

/** The fix for notAFileMessage. */
export const NOT_A_FILE_FIX = 'remove it, or put the config file in its place';

/** Which engine a folder belongs to: SGLang when it has triton_* folders or an sglang package. */
export function detectEngine(dir: string): Engine {
  const abs = path.resolve(dir);
  if (!isDir(abs)) throw new TreeNotFoundError(`${dir} is not a folder; pass the folder that holds the config files`);
  if (isDir(path.join(abs, 'sglang', 'srt')) || isDir(path.join(abs, 'srt', 'layers', 'moe'))) return 'sglang';
  if (isDir(path.join(abs, 'vllm', 'model_executor')) || isDir(path.join(abs, 'model_executor'))) return 'vllm';
  const { entries } = walkTree(abs, { maxDepth: 2 });
  if (entries.some((e) => e.kind === 'dir' && /^triton_/.test(e.name))) return 'sglang';
  const names = entries.filter((e) => e.kind === 'file' && looksLikeConfig(e.name)).map((e) => e.name);
  if (names.some((n) => n.includes('block_shape=[') && n.includes(', ')) || names.some((n) => /_down\.json$|per_channel_quant=True/.test(n))) {
    return 'sglang';
  }
  return 'vllm';
}

/**
 * Reads `dir` as `engine` reads it. SGLang: a folder holding `configs/triton_X_Y_Z/`, one
 * holding `triton_*` folders directly, an installed sglang package (new or pre-April-2026
 * layout, recognised by where the loader lives) or the site-packages folder holding it.
 * vLLM: a flat folder, the vllm package or its site-packages folder.
 */
/** The package version written in the package (sglang/version.py, vllm/_version.py), or null. */
export function packageVersion(engine: Engine, pkg: string): string | null {
  const file = path.join(pkg, engine === 'sglang' ? 'version.py' : '_version.py');
  try {
    if (!statSync(file).isFile() || statSync(file).size > 64 * 1024) return null;
    const m = /__version__\s*=\s*(?:version\s*=\s*)?["']([^"'\n]{1,64})["']/.exec(readFileSync(file, 'utf8'));
    return m ? (m[1] as string) : null;
  } catch {
    return null;
  }
}

export function readEngineTree(
  engine: Engine,
  dir: string,
  options: {
    engineVersion?: string | null;
    /** SGLang: `dir` is the folder SGLANG_MOE_CONFIG_DIR names, read as <dir>/configs/triton_X_Y_Z/ whatever it holds. */
    sglangConfigDir?: boolean;
  } = {},
): EngineTree {
  const abs = path.resolve(dir);
  if (!existsSync(abs) || !isDir(abs)) throw new TreeNotFoundError(`${dir} is not a folder; pass the folder that holds the config files`);
  const real = realpathSync(abs);
  const loc = locate(engine, real, dir, options.sglangConfigDir === true);
  const tree: EngineTree = {
    engine,
    dir: real,
    layout: loc.layout,
    packageLayout: loc.packageLayout,
    engineVersion: options.engineVersion ?? (loc.pkg ? packageVersion(engine, loc.pkg) : null),
    configsRoot: loc.configsRoot,
    configsRootRel: path.relative(real, loc.configsRoot).split(path.sep).join('/'),
    tritonDirs: [],
    files: [],
    unread: [],
    problems: [],
  };
  const prefix = tree.configsRootRel ? `${tree.configsRootRel}/` : '';
  if (isDir(loc.configsRoot)) {
    const { entries, problems } = walkTree(loc.configsRoot);
    tree.problems.push(...problems.map((p) => ({ ...p, rel: prefix + p.rel })));
    for (const e of entries) {
      const parts = e.rel.split('/');
      if (engine === 'sglang' && parts.length === 1 && e.kind === 'dir' && e.name.startsWith('triton_')) {
        tree.tritonDirs.push(tritonDirInfo(e.name, prefix + e.rel));
        continue;
      }
      if (e.kind === 'dir' && looksLikeConfig(e.name)) {
        // The engine finds it by name and fails to open it (see notAFileMessage).
        tree.problems.push({ rel: prefix + e.rel, reason: 'is a folder, not a file', kind: 'special', entry: 'a folder' });
        continue;
      }
      if (e.kind !== 'file' || !looksLikeConfig(e.name)) continue;
      const file: TreeFile = { rel: prefix + e.rel, abs: e.abs, name: e.name, tritonDir: null };
      if (engine === 'sglang') {
        if (parts.length === 2 && (parts[0] as string).startsWith('triton_')) tree.files.push({ ...file, tritonDir: parts[0] as string });
        else tree.unread.push({ file, reason: parts.length === 1 ? 'not-in-triton-folder' : 'subfolder' });
      } else if (parts.length === 1) tree.files.push(file);
      else tree.unread.push({ file, reason: 'subfolder' });
    }
  }
  if (engine === 'sglang' && loc.pkg && loc.packageLayout === 'new') {
    const old = path.join(loc.pkg, SGLANG_OLD_CONFIGS);
    if (isDir(old)) {
      const oldRel = path.relative(real, old).split(path.sep).join('/');
      const { entries, problems } = walkTree(old);
      tree.problems.push(...problems.map((p) => ({ ...p, rel: `${oldRel}/${p.rel}` })));
      for (const e of entries) {
        if (e.kind === 'file' && looksLikeConfig(e.name)) {
          tree.unread.push({ file: { rel: `${oldRel}/${e.rel}`, abs: e.abs, name: e.name, tritonDir: null }, reason: 'old-folder' });
        }
      }
    }
  }
  return tree;
}
