import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ConfigFileContent } from './config-content';
import { analyzeConfigText, decodeConfigBytes, formatConfigContent } from './config-content';
import type { JsonOut } from './json-text';
import { formatFileName, keyForEngine, parseFileName, unsafeNameReason, type ConfigKey, type Engine } from '@moe/engine-facts';
import type { TableDifference } from './config-table';
import { doctor } from './doctor';
import { compareWithExisting } from './existing-file';
import { readEngineTree, tritonDirInfo } from './engine-tree';
import { BadArgumentError } from './errors/bad-argument-error';
import { BadConfigFileError } from './errors/bad-config-file-error';
import { TreeNotFoundError } from './errors/tree-not-found-error';
import { UnsafePathError } from './errors/unsafe-path-error';
import type { Finding } from './finding';
import { readPack } from './packs';
import type { WalkProblem } from './safe-fs';
import { checkWritableFolder, writeAllOrNothing } from './file-writes';
import { checkWriteInside, entryKind, isInside, readFileCapped, walkTree } from './safe-fs';

/** A config file to install, and the Triton version it was tuned with when its folder says so. */
export interface SourceFile {
  abs: string;
  /** How to show it (the path as given, or relative to the folder given). */
  display: string;
  name: string;
  /** From a triton_X_Y_Z parent folder, else null. */
  tritonVersion: string | null;
}

/**
 * The config files under the paths given: a file, or a folder (a config tree, an SGLang-layout
 * pack with configs/triton_X_Y_Z/, or a flat folder). Symlinks out of a folder are not followed.
 */
export function collectSourceFiles(paths: string[]): SourceFile[] {
  const out: SourceFile[] = [];
  for (const p of paths) {
    const abs = path.resolve(p);
    if (!existsSync(abs)) throw new TreeNotFoundError(`${p} does not exist; pass config files, folders of them, or a pack folder`);
    const st = statSync(abs);
    if (st.isFile()) {
      const parent = path.basename(path.dirname(abs));
      out.push({ abs, display: p, name: path.basename(abs), tritonVersion: parent.startsWith('triton_') ? tritonDirInfo(parent, parent).version : null });
      continue;
    }
    if (!st.isDirectory()) throw new UnsafePathError(`${p} is ${entryKind(st)}, not a file or folder; pass config files, folders of them, or a pack folder`);
    if (existsSync(path.join(abs, 'manifest.json'))) {
      // A config pack: its manifest is checked (hashes, vLLM copies, no unlisted files) and
      // exactly the files it lists are installed.
      const pack = readPack(abs);
      for (const f of pack.manifest.files) {
        const parent = f.path.split('/')[1] as string;
        out.push({ abs: path.join(pack.dir, f.path), display: path.join(p, f.path), name: path.basename(f.path), tritonVersion: tritonDirInfo(parent, parent).version });
      }
      continue;
    }
    const { entries, problems } = walkTree(abs, { maxDepth: 4 });
    if (problems.length > 0) {
      const first = problems[0] as WalkProblem;
      if (first.kind === 'special') throw new UnsafePathError(`${p}: ${first.rel} ${first.reason}; remove it, or pass the config files themselves`);
      throw new UnsafePathError(`${p}: ${first.rel} ${first.reason}; install copies only files inside the folder given`);
    }
    for (const e of entries) {
      if (e.kind !== 'file' || !e.name.startsWith('E=') || !e.name.endsWith('.json')) continue;
      const parts = e.rel.split('/');
      const parent = parts.length > 1 ? (parts[parts.length - 2] as string) : '';
      // Packs keep vLLM-named copies under vllm/; they are derived, not sources.
      if (parts[0] === 'vllm') continue;
      out.push({
        abs: e.abs,
        display: path.join(p, e.rel),
        name: e.name,
        tritonVersion: parent.startsWith('triton_') ? tritonDirInfo(parent, parent).version : null,
      });
    }
  }
  return out;
}

export interface InstallOptions {
  engine: Engine;
  /** The folder to install into: a config tree, an engine package or site-packages. */
  into: string;
  /** SGLang: the triton_X_Y_Z folder to install into (default: the source's own folder, else `runningTriton`). */
  tritonVersion?: string | null;
  /** SGLang: the Triton version the engine runs (from --python), the last default and used for doctor. */
  runningTriton?: string | null;
  /** SGLang: `into` is the folder SGLANG_MOE_CONFIG_DIR names; files go to <into>/configs/triton_X_Y_Z/ whatever it holds. */
  sglangConfigDir?: boolean;
  dryRun?: boolean;
  force?: boolean;
}

export interface InstallAction {
  source: string;
  /** Path relative to `into`. */
  target: string;
  action: 'write' | 'unchanged' | 'reformat' | 'overwrite' | 'conflict' | 'skip';
  /** Why a file is skipped, renamed or in conflict. */
  reason: string | null;
  /** For conflicts and overwrites: the per-batch differences (existing -> new). */
  differences: TableDifference[];
}

export interface InstallReport {
  engine: Engine;
  into: string;
  /** The folder the engine reads, relative to `into`. */
  configsRoot: string;
  actions: InstallAction[];
  /** True when nothing was written because of conflicts (pass force to overwrite). */
  blocked: boolean;
  /** Doctor's findings for the files written (empty on a dry run). */
  findings: Finding[];
}

/**
 * Where `engine` reads files under `into`, creating nothing. SGLang: an empty folder named
 * `configs` is the configs folder itself; an empty folder of another name is the one
 * SGLANG_MOE_CONFIG_DIR names, read as <into>/configs/triton_X_Y_Z/ (see readEngineTree).
 */
export function installRoot(engine: Engine, into: string, options: { sglangConfigDir?: boolean } = {}): string {
  return readEngineTree(engine, into, options).configsRoot;
}

/**
 * Copies config files to where `engine` reads them under `into`, renaming between the engines'
 * spellings, never overwriting a different file without `force`, writing atomically, then runs
 * doctor on what it wrote. Invalid sources are refused before anything is written.
 */
export function installConfigs(sources: SourceFile[], options: InstallOptions): InstallReport {
  const { engine } = options;
  const intoAbs = path.resolve(options.into);
  if (!existsSync(intoAbs) || !statSync(intoAbs).isDirectory()) {
    throw new TreeNotFoundError(`\`into\` ${options.into} is not a folder; create it or pass the engine's folder (or \`python\`)`);
  }
  const into = realpathSync(intoAbs);
  const root = installRoot(engine, into, { sglangConfigDir: options.sglangConfigDir === true });
  const rootRel = path.relative(into, root).split(path.sep).join('/');
  if (sources.length === 0) throw new BadArgumentError('no config files found in the sources given; pass E=...json files, folders of them or a pack');

  const planned: { action: InstallAction; abs: string; bytes: string }[] = [];
  const byTarget = new Map<string, string>();
  for (const src of sources) {
    const bad = unsafeNameReason(src.name);
    if (bad) throw new UnsafePathError(`${src.display}: the name ${bad}; refusing to install it`);
    const parsed = parseFileName(src.name);
    const skip = (reason: string) => planned.push({ action: { source: src.display, target: '', action: 'skip', reason, differences: [] }, abs: '', bytes: '' });
    if (!parsed) {
      skip('not a fused-MoE config name (E=..,N=..,device_name=...json)');
      continue;
    }
    const asked = keyForEngine(engine, parsed.key);
    if (asked.key === null) {
      skip(asked.reason);
      continue;
    }
    const key: ConfigKey = asked.key;
    const name = formatFileName(engine, key);
    let folder = root;
    if (engine === 'sglang') {
      const version = options.tritonVersion ?? src.tritonVersion ?? options.runningTriton ?? null;
      if (!version) {
        throw new BadArgumentError(
          `\`tritonVersion\` missing: ${src.display} is not in a triton_X_Y_Z folder, so its Triton version is unknown; pass \`tritonVersion\` X.Y.Z (the version it was tuned with or the one you run)`,
        );
      }
      if (!/^\d+(\.\d+)*$/.test(version)) {
        throw new BadArgumentError(
          options.tritonVersion
            ? `\`tritonVersion\` ${version}: not a version like 3.5.1`
            : `the installed Triton is ${version}: a triton_X_Y_Z folder for it would break SGLang's version sort; pass \`tritonVersion\` X.Y.Z (the release it is built from)`,
        );
      }
      folder = path.join(root, `triton_${version.replace(/\./g, '_')}`);
    }
    const target = path.join(folder, name);
    if (!isInside(into, path.resolve(target))) throw new UnsafePathError(`refusing to write ${target}: outside ${into}`);
    const targetRel = path.relative(into, target).split(path.sep).join('/');
    const earlier = byTarget.get(targetRel);
    if (earlier) {
      throw new BadArgumentError(`${src.display} and ${earlier} both install to ${targetRel}; pass only one of them`);
    }
    byTarget.set(targetRel, src.display);

    let text: string;
    try {
      text = decodeConfigBytes(readFileCapped(src.abs), src.display);
    } catch (err) {
      const typed = typeof (err as { code?: unknown }).code === 'string' && String((err as { code: string }).code).startsWith('MOE_');
      throw typed ? err : new BadConfigFileError(`${src.display}: cannot be read (${(err as Error).message}); check the path and permissions`, { cause: err });
    }
    const first = analyzeConfigText(text, { engine, key });
    // Fields the other engine writes and this one rejects: SPLIT_K=1 (no split) is dropped for
    // SGLang, USE_TMA (a loading strategy) for vLLM; anything else is refused below.
    const dropped: string[] = [];
    let content: ConfigFileContent | null = first.content;
    if (content) {
      const drop = (f: [string, JsonOut]) =>
        (engine === 'sglang' && f[0] === 'SPLIT_K' && f[1].kind === 'int' && Number(f[1].value) === 1) || (engine === 'vllm' && f[0] === 'USE_TMA');
      const entries = content.entries.map((e) => ({ key: e.key, fields: e.fields.filter((f) => !(drop(f) && dropped.push(f[0]) > 0)) }));
      content = { ...content, entries };
    }
    const bytes = content ? formatConfigContent(engine, content) : text;
    const a = content ? analyzeConfigText(bytes, { engine, key }) : first;
    const blocking = a.issues.filter((i) => i.severity === 'error' && !['shared-memory', 'block-k-mismatch'].includes(i.code));
    if (!a.content || blocking.length > 0) {
      const firstIssue = blocking[0] ?? a.issues[0];
      throw new BadConfigFileError(`${src.display}: ${firstIssue?.message ?? 'cannot be read'}; fix: ${firstIssue?.fix ?? 'regenerate it'} (nothing was installed)`);
    }
    const notes = [name !== src.name ? `renamed from ${src.name}` : null, dropped.length > 0 ? `dropped ${[...new Set(dropped)].join(', ')} (${engine === 'sglang' ? 'SGLang' : 'vLLM'} does not take it)` : null].filter(Boolean);
    const renamed = notes.length > 0 ? notes.join('; ') : null;
    const action: InstallAction = { source: src.display, target: targetRel, action: 'write', reason: renamed, differences: [] };
    const existing = compareWithExisting(target, targetRel, bytes, a.table, { engine, key });
    if (existing.state === 'same') action.action = 'unchanged';
    else if (existing.state === 'reformat') {
      action.action = 'reformat';
      action.reason = 'same configs, different formatting';
    } else if (existing.state !== 'absent') {
      // Unreadable for the engine too, or other configs: replaced only when asked.
      action.action = options.force ? 'overwrite' : 'conflict';
      action.reason = existing.reason;
      action.differences = existing.differences;
    }
    planned.push({ action, abs: target, bytes });
  }

  const blocked = planned.some((p) => p.action.action === 'conflict');
  const report: InstallReport = { engine, into, configsRoot: rootRel, actions: planned.map((p) => p.action), blocked, findings: [] };
  if (blocked) return report;
  const writes = planned.filter((p) => ['write', 'reformat', 'overwrite'].includes(p.action.action));
  for (const p of writes) checkWriteInside(into, p.abs);
  const fix = `run the install as the user who owns that folder, or install into a folder you own and point ${
    engine === 'sglang' ? 'SGLang at it (SGLANG_MOE_CONFIG_DIR)' : 'vLLM at it (VLLM_TUNED_CONFIG_FOLDER)'
  }`;
  // Every target folder is checked before the first write, on a dry run too (it says what the
  // run would do, and this run would stop here).
  for (const dir of new Set(writes.map((p) => path.dirname(p.abs)))) {
    checkWritableFolder(dir, fix, options.dryRun ? 'dry run: nothing was written' : 'nothing was written');
  }
  if (options.dryRun) return report;
  // All or nothing: staged beside their targets, renamed in when all are written, rolled back
  // when a rename fails halfway.
  writeAllOrNothing(
    writes.map((p) => ({ abs: p.abs, display: p.action.target, bytes: p.bytes, existed: p.action.action !== 'write' })),
    fix,
    into,
  );
  const targets = new Set(planned.map((p) => p.action.target).filter(Boolean));
  const check = doctor(into, { engine, tritonVersion: options.runningTriton ?? null });
  report.findings = check.findings.filter((f) => targets.has(f.file));
  return report;
}
