import { existsSync } from 'node:fs';
import path from 'node:path';
import { issueWords } from './issue-words';
import { analyzeConfigText, decodeConfigBytes, formatConfigTable } from './config-content';
import { formatFileName, keyForEngine, parseFileName, sameKernelConfig, type Engine, type KernelConfig } from '@moe/engine-facts';
import { readEngineTree } from './engine-tree';
import { BadArgumentError } from './errors/bad-argument-error';
import { BadConfigFileError } from './errors/bad-config-file-error';
import { BadPackError } from './errors/bad-pack-error';
import { MergeConflictError } from './errors/merge-conflict-error';
import { UnsafePathError } from './errors/unsafe-path-error';
import type { PackMeasurement } from './pack-manifest';
import { packInputSchema } from './pack-manifest';
import { readPack } from './packs';
import { writeNewFolder } from './file-writes';
import { checkNewOutputFolder, MAX_MANIFEST_BYTES, readFileCapped } from './safe-fs';

export interface MergeOptions {
  /** Folder to write the merged files to (must not exist or be empty). */
  out: string;
  /** When inputs disagree and carry no measurements: keep the first or the last input's entry. */
  prefer?: 'first' | 'last' | null;
  /** Engine whose format to write (default: SGLang for triton_* layouts, vLLM for flat folders). */
  engine?: Engine | null;
  dryRun?: boolean;
}

/** Why an entry was kept. */
export type MergeRule = 'only' | 'same' | 'faster' | 'prefer';

export interface MergeProvenance {
  /** Index into `inputs`. */
  from: number;
  rule: MergeRule;
  tunedUs: number | null;
}

export interface MergeReport {
  engine: Engine;
  inputs: string[];
  out: string;
  /** Per output file (relative path): per batch key, where the entry came from. */
  files: Record<string, Record<string, MergeProvenance>>;
}

interface InputFile {
  rel: string;
  name: string;
  table: Map<number, KernelConfig>;
  tritonVersion: string | null;
  measurements: Record<string, PackMeasurement>;
}

function readInput(dir: string, engineHint: Engine | null): { engine: Engine; files: InputFile[] } {
  const abs = path.resolve(dir);
  if (!existsSync(abs)) throw new BadArgumentError(`${dir} does not exist; pass folders of config files (tuning outputs, trees or packs)`);
  // A `moe tune` output (tune-report.json beside sglang/ and vllm/): its engine's folder.
  if (existsSync(path.join(abs, 'tune-report.json'))) {
    const engines = (['sglang', 'vllm'] as const).filter((e) => existsSync(path.join(abs, e)));
    const pick = engineHint ?? (engines.length === 1 ? engines[0]! : null);
    if (pick === null || !engines.includes(pick)) {
      throw new BadArgumentError(
        `${dir} is a moe tune output with ${engines.length > 0 ? `${engines.join(' and ')} files` : 'no config files'}; ${engines.length > 0 ? `pass \`engine\` ${engines.join(' or ')}, or the folder ${path.join(dir, engines[0]!)}` : 'pass the folders of runs that wrote files'}`,
      );
    }
    return readInput(path.join(abs, pick), pick);
  }
  let root = abs;
  const measurementsByPath = new Map<string, Record<string, PackMeasurement>>();
  const measurementsByName = new Map<string, Record<string, PackMeasurement>>();
  if (existsSync(path.join(abs, 'manifest.json'))) {
    const pack = readPack(abs);
    root = path.join(pack.dir, 'configs');
    for (const f of pack.manifest.files) measurementsByPath.set(f.path.slice('configs/'.length), f.measurements);
  } else if (existsSync(path.join(abs, 'pack-input.json'))) {
    const text = decodeConfigBytes(readFileCapped(path.join(abs, 'pack-input.json'), MAX_MANIFEST_BYTES));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new BadPackError(`${dir}/pack-input.json: not valid JSON (${(err as Error).message})`);
    }
    const r = packInputSchema.safeParse(json);
    if (!r.success) throw new BadPackError(`${dir}/pack-input.json: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0] ? issueWords(r.error.issues[0]) : 'is invalid'}; fix it or remove it`);
    for (const [name, v] of Object.entries(r.data.files ?? {})) if (v.measurements) measurementsByName.set(name, v.measurements);
  }
  const sg = readEngineTree('sglang', root);
  const engine: Engine = engineHint ?? (sg.tritonDirs.length > 0 ? 'sglang' : 'vllm');
  const tree = engine === 'sglang' ? sg : readEngineTree('vllm', root);
  const problem = tree.problems.find((p) => p.kind !== 'broken');
  if (problem?.kind === 'special') throw new UnsafePathError(`${dir}: ${problem.rel} is ${problem.entry ?? 'not a regular file'}, not a file; remove it, or put the config file in its place`);
  if (problem) throw new UnsafePathError(`${dir}: ${problem.rel} ${problem.reason}; merge reads only files inside the folders given (copy them in)`);
  // Files the chosen layout does not read would be dropped without a word (or never merged with
  // their counterparts): refuse them instead.
  const unread = tree.unread[0];
  if (unread) {
    throw new BadArgumentError(
      engine === 'sglang'
        ? `${dir}: ${unread.file.rel} is not directly in a triton_X_Y_Z folder, and this merge writes the SGLang layout; move it into the triton_X_Y_Z folder of the Triton version it was tuned with`
        : `${dir}: ${unread.file.rel} is in a subfolder, and this merge writes the flat vLLM layout; merge with \`engine\` sglang (triton_X_Y_Z folders), or move the files up`,
    );
  }
  if (tree.files.length === 0) throw new BadArgumentError(`${dir}: no config files (E=...json) found; pass folders of config files (tuning outputs, trees or packs)`);
  const files: InputFile[] = [];
  for (const f of tree.files) {
    const found = f.tritonDir ? `${f.tritonDir}/${f.name}` : f.name;
    const key = parseFileName(f.name)?.key ?? null;
    // Written (and merged with its counterparts) under the name the output engine asks for, so
    // shards spelled the other engine's way (block_shape=[n,k] vs [n, k], device names) meet.
    const asked = key ? keyForEngine(engine, key).key : null;
    const name = asked ? formatFileName(engine, asked) : f.name;
    const rel = f.tritonDir ? `${f.tritonDir}/${name}` : name;
    const a = analyzeConfigText(decodeConfigBytes(readFileCapped(f.abs), f.rel), { engine, key });
    if (!a.content || !a.loadable || a.brokenKeys.length > 0) {
      const why = a.issues.find((i) => i.severity === 'error');
      throw new BadConfigFileError(`${path.join(dir, f.rel)}: ${why?.message ?? 'cannot be loaded'}; fix it before merging (run \`moe configs doctor\`)`);
    }
    files.push({ rel, name, table: a.table, tritonVersion: a.content.tritonVersion, measurements: measurementsByPath.get(found) ?? measurementsByName.get(found) ?? measurementsByName.get(f.name) ?? {} });
  }
  return { engine, files };
}

/**
 * Merges config folders (e.g. tuning shards): per file and batch key, the entry with the better
 * measured time when every input carries measurements for it; identical entries merge; other
 * disagreements are refused unless `prefer` says which input wins. Writes the merged files and
 * provenance.json (which input each entry came from, and why).
 */
export function mergeConfigs(inputs: string[], options: MergeOptions): MergeReport {
  if (inputs.length < 2) throw new BadArgumentError('merge needs at least two inputs; pass the folders to merge, then -o <dir>');
  const out = path.resolve(options.out);
  checkNewOutputFolder(out, options.out, 'the merged files');
  const read = inputs.map((d) => readInput(d, options.engine ?? null));
  const engine = options.engine ?? (read[0] as { engine: Engine }).engine;
  const other = read.findIndex((r) => r.engine !== engine);
  if (other >= 0) {
    throw new BadArgumentError(
      `${inputs[0]} and ${inputs[other]} have different layouts (triton_X_Y_Z folders vs a flat folder), so their files would not be merged; put the flat files in a triton_X_Y_Z folder, or pass \`engine\` to read both one way`,
    );
  }
  const byPath = new Map<string, { input: number; file: InputFile }[]>();
  read.forEach((r, input) => {
    for (const file of r.files) {
      const list = byPath.get(file.rel) ?? [];
      list.push({ input, file });
      byPath.set(file.rel, list);
    }
  });
  const report: MergeReport = { engine, inputs: inputs.map((i) => path.resolve(i)), out, files: {} };
  const conflicts: string[] = [];
  const writes: { rel: string; text: string }[] = [];
  // The measurements of the entries kept, so the output is a measured shard again (for merge and pack).
  const measurements: Record<string, { measurements: Record<string, PackMeasurement> }> = {};
  for (const [rel, copies] of [...byPath.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const keys = [...new Set(copies.flatMap((c) => [...c.file.table.keys()]))].sort((a, b) => a - b);
    const merged = new Map<number, KernelConfig>();
    const prov: Record<string, MergeProvenance> = {};
    const keptTimes: Record<string, PackMeasurement> = {};
    for (const m of keys) {
      const cands = copies
        .filter((c) => c.file.table.has(m))
        .map((c) => {
          const measured = c.file.measurements[String(m)] ?? null;
          return { input: c.input, config: c.file.table.get(m) as KernelConfig, us: measured?.tunedUs ?? null, measured };
        });
      const first = cands[0] as (typeof cands)[number];
      let pick = first;
      let rule: MergeRule = cands.length === 1 ? 'only' : 'same';
      if (cands.length > 1 && !cands.every((c) => sameKernelConfig(c.config, first.config))) {
        if (cands.every((c) => c.us !== null)) {
          pick = cands.reduce((best, c) => ((c.us as number) < (best.us as number) ? c : best));
          rule = 'faster';
        } else if (options.prefer) {
          pick = options.prefer === 'first' ? first : (cands[cands.length - 1] as typeof first);
          rule = 'prefer';
        } else {
          conflicts.push(`${rel} M=${m}: ${cands.map((c) => inputs[c.input]).join(' vs ')}`);
          continue;
        }
      }
      merged.set(m, pick.config);
      prov[String(m)] = { from: pick.input, rule, tunedUs: pick.us };
      if (pick.measured) keptTimes[String(m)] = pick.measured;
    }
    report.files[rel] = prov;
    if (Object.keys(keptTimes).length > 0) measurements[rel] = { measurements: keptTimes };
    const tritonVersion = copies.map((c) => c.file.tritonVersion).find((v) => v !== null) ?? null;
    writes.push({ rel, text: formatConfigTable(engine, merged, { tritonVersion }) });
  }
  if (conflicts.length > 0) {
    const shown = conflicts.slice(0, 8).join('; ');
    throw new MergeConflictError(
      `inputs disagree without measurements at ${conflicts.length} batch key${conflicts.length === 1 ? '' : 's'} (${shown}${conflicts.length > 8 ? '; …' : ''}); pass \`prefer\` first|last, or merge inputs that carry measurements (manifest.json / pack-input.json)`,
    );
  }
  if (options.dryRun) return report;
  const entries = writes.map((w) => ({ rel: w.rel, bytes: w.text }));
  entries.push({ rel: 'provenance.json', bytes: `${JSON.stringify({ inputs: report.inputs, files: report.files }, null, 2)}\n` });
  // Keyed by path (triton_X_Y_Z/<name> or <name>): one name may sit in several Triton folders.
  if (Object.keys(measurements).length > 0) entries.push({ rel: 'pack-input.json', bytes: `${JSON.stringify({ files: measurements }, null, 2)}\n` });
  // All at once: a temp folder beside `out`, renamed into place.
  writeNewFolder(out, options.out, entries, 'pass -o a folder you can write to');
  return report;
}
