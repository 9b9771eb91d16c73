import { createHash } from 'node:crypto';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { issueWords } from './issue-words';
import { analyzeConfigText, decodeConfigBytes, formatConfigContent } from './config-content';
import { ENGINE_DTYPES, deviceNameForEngine, formatFileName, keyForEngine, parseFileName, type Engine } from '@moe/engine-facts';
import { readEngineTree } from './engine-tree';
import { BadArgumentError } from './errors/bad-argument-error';
import { BadConfigFileError } from './errors/bad-config-file-error';
import { BadPackError } from './errors/bad-pack-error';
import { UnsafePathError } from './errors/unsafe-path-error';
import { parseJsonText } from './json-text';
import type { ConfigSource } from './lookup';
import { treeSource } from './lookup';
import type { PackFile, PackInput, PackManifest } from './pack-manifest';
import { packInputSchema, parsePackManifest } from './pack-manifest';
import { gpuInfo } from './gpu-info';
import { writeNewFolder } from './file-writes';
import { checkNewOutputFolder, isInside, MAX_MANIFEST_BYTES, readFileCapped, walkTree } from './safe-fs';
import { diffConfigTables } from './config-table';

/** A config pack found on disk. */
export interface ConfigPack {
  name: string;
  dir: string;
  manifest: PackManifest;
}

function readJson(file: string, cap: number): unknown {
  const text = decodeConfigBytes(readFileCapped(file, cap), file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadPackError(`${file}: not valid JSON (${(err as Error).message}); rebuild it`);
  }
}

/** Reads and checks a pack folder: manifest.json valid, every file it lists present with its hash. */
export function readPack(dir: string): ConfigPack {
  const abs = path.resolve(dir);
  const manifestPath = path.join(abs, 'manifest.json');
  if (!existsSync(manifestPath)) throw new BadPackError(`${dir} has no manifest.json; a config pack is built with \`moe configs pack\``);
  // Guard against deeply nested manifests before JSON.parse recursion.
  const text = decodeConfigBytes(readFileCapped(manifestPath, MAX_MANIFEST_BYTES), manifestPath);
  try {
    parseJsonText(text, 12);
  } catch (err) {
    throw new BadPackError(`${manifestPath}: ${(err as Error).message}; rebuild the pack`);
  }
  const manifest = parsePackManifest(JSON.parse(text), manifestPath);
  const real = realpathSync(abs);
  const vllmNames = new Set<string>();
  for (const f of manifest.files) {
    const file = path.join(real, f.path);
    if (!f.path.startsWith('configs/triton_') || f.path.split('/').length !== 3) {
      throw new BadPackError(`${manifestPath}: file ${f.path} is not configs/triton_X_Y_Z/<name>; rebuild the pack`);
    }
    if (!existsSync(file) || !isInside(real, realpathSync(file))) {
      throw new BadPackError(`${dir}: ${f.path} is listed in manifest.json but missing (or outside the pack); reinstall the pack`);
    }
    const parsed = parseFileName(path.basename(f.path));
    if (!parsed) throw new BadPackError(`${manifestPath}: file ${f.path} is not a config file name (E=..,N=..,device_name=...json); rebuild the pack`);
    const device = deviceNameForEngine('sglang', parsed.key.deviceName);
    if (!manifest.deviceNames.includes(device)) {
      throw new BadPackError(`${manifestPath}: ${f.path} is for ${device}, which deviceNames (${manifest.deviceNames.join(', ')}) does not list; rebuild the pack`);
    }
    const folderVersion = (f.path.split('/')[1] as string).slice('triton_'.length).replace(/_/g, '.');
    if (manifest.tritonVersion !== null && manifest.tritonVersion !== folderVersion) {
      throw new BadPackError(`${manifestPath}: ${f.path} is in a Triton ${folderVersion} folder but tritonVersion says ${manifest.tritonVersion}; rebuild the pack`);
    }
    const bytes = readFileCapped(file);
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (hash !== f.sha256) throw new BadPackError(`${dir}: ${f.path} does not match its sha256 in manifest.json; reinstall the pack`);
    if (f.vllmName !== null) {
      checkVllmCopy(dir, real, f.path, bytes, f.vllmName);
      vllmNames.add(f.vllmName);
    }
  }
  // Lookup and install read the folders, not the manifest: a config file it does not list is a lie.
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const sub of ['configs', 'vllm']) {
    if (!existsSync(path.join(real, sub))) continue;
    const { entries, problems } = walkTree(path.join(real, sub), { maxDepth: 3 });
    const problem = problems[0];
    if (problem) throw new BadPackError(`${dir}: ${sub}/${problem.rel} ${problem.reason}; reinstall the pack`);
    for (const e of entries) {
      if (e.kind !== 'file' || !e.name.endsWith('.json')) continue;
      const known = sub === 'configs' ? listed.has(`configs/${e.rel}`) : vllmNames.has(e.rel);
      if (!known) throw new BadPackError(`${dir}: ${sub}/${e.rel} is not listed in manifest.json; reinstall the pack (or rebuild it with \`moe configs pack\`)`);
    }
  }
  return { name: manifest.name, dir: real, manifest };
}

/** A pack's vLLM copy must be the rename its manifest promises: vLLM's name of the key, same configs. */
function checkVllmCopy(dir: string, real: string, sgPath: string, sgBytes: Uint8Array, vllmName: string): void {
  const parsed = parseFileName(path.basename(sgPath));
  const vKey = parsed ? keyForEngine('vllm', parsed.key).key : null;
  const expected = vKey ? formatFileName('vllm', vKey) : null;
  if (vllmName !== expected) {
    throw new BadPackError(`${dir}: manifest.json names the vLLM copy of ${sgPath} ${vllmName}, but vLLM asks for ${expected ?? 'no such file'}; rebuild the pack`);
  }
  const file = path.join(real, 'vllm', vllmName);
  if (!existsSync(file) || !isInside(real, realpathSync(file))) {
    throw new BadPackError(`${dir}: vllm/${vllmName} is listed in manifest.json but missing (or outside the pack); reinstall the pack`);
  }
  const key = (parsed as NonNullable<typeof parsed>).key;
  const sg = analyzeConfigText(decodeConfigBytes(sgBytes, sgPath), { engine: 'sglang', key });
  const v = analyzeConfigText(decodeConfigBytes(readFileCapped(file), `vllm/${vllmName}`), { engine: 'vllm', key: vKey });
  if (!v.content || !v.loadable || diffConfigTables(sg.table, v.table).length > 0 || v.brokenKeys.length !== sg.brokenKeys.length) {
    throw new BadPackError(`${dir}: vllm/${vllmName} is not a copy of ${sgPath} (its configs differ); reinstall the pack`);
  }
}

/**
 * Installed packs: node_modules/@moe/configs-* in `from` and every folder above it, nearest
 * first (a name found twice keeps the nearest). Invalid packs are returned in `problems`.
 */
export function discoverPacks(from: string): { packs: ConfigPack[]; problems: { dir: string; message: string }[] } {
  const packs: ConfigPack[] = [];
  const problems: { dir: string; message: string }[] = [];
  const seen = new Set<string>();
  let dir = path.resolve(from);
  for (let i = 0; i < 64; i += 1) {
    const scope = path.join(dir, 'node_modules', '@moe');
    let names: string[] = [];
    try {
      names = statSync(scope).isDirectory() ? readdirSync(scope).filter((n) => n.startsWith('configs-')).sort() : [];
    } catch {
      names = [];
    }
    for (const n of names) {
      const name = `@moe/${n}`;
      if (seen.has(name)) continue;
      seen.add(name);
      try {
        const pack = readPack(path.join(scope, n));
        if (pack.name !== name) {
          throw new BadPackError(`${path.join(scope, n)}: manifest.json names ${pack.name}, but it is installed as ${name}; reinstall the pack`);
        }
        packs.push(pack);
      } catch (err) {
        problems.push({ dir: path.join(scope, n), message: (err as Error).message });
      }
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return { packs, problems };
}

/** A lookup source over a pack: its SGLang tree (configs/) or its vLLM copies (vllm/). */
export function packSource(pack: ConfigPack, engine: Engine): ConfigSource {
  const root = path.join(pack.dir, engine === 'sglang' ? 'configs' : 'vllm');
  if (!existsSync(root)) return { tritonDirs: () => [], read: () => null };
  const tree = readEngineTree(engine, root);
  const inner = treeSource(tree);
  const prefix = `${pack.name}/${engine === 'sglang' ? 'configs' : 'vllm'}/`;
  return {
    tritonDirs: inner.tritonDirs,
    read: (d, name) => {
      const r = inner.read(d, name);
      return r ? { text: r.text, rel: prefix + r.rel } : null;
    },
  };
}

export interface BuildPackOptions {
  /** The GPU part of the package name: @moe/configs-<name>. */
  name: string;
  /** The folder to write the pack to (must not exist or be empty). */
  out: string;
  /** Triton version of files not in a triton_X_Y_Z folder. */
  tritonVersion?: string | null;
  /** Package version (default 0.1.0). */
  version?: string;
  gpuArch?: string | null;
  kernelSourceHash?: string | null;
  toolVersion?: string | null;
}

export interface BuiltPack {
  dir: string;
  manifest: PackManifest;
  /** Files not packed, with why. */
  skipped: { file: string; reason: string }[];
}

/**
 * Builds a config pack from a folder of SGLang-layout (triton_X_Y_Z/) or flat config files:
 * package.json, manifest.json, configs/triton_X_Y_Z/<SGLang name>, and vllm/<vLLM name> copies.
 * Reads `<src>/pack-input.json` (serves, measurements, kernel hash, ...) when present.
 */
export function buildPack(src: string, options: BuildPackOptions): BuiltPack {
  if (!/^[a-z0-9][a-z0-9-]{0,60}$/.test(options.name)) {
    throw new BadArgumentError(`\`name\` ${options.name}: use lowercase letters, digits and dashes (the GPU, e.g. h100 or mi300x)`);
  }
  const version = options.version ?? '0.1.0';
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) throw new BadArgumentError(`\`version\` ${version}: not a semver version; pass e.g. \`version\` 0.1.0`);
  const out = path.resolve(options.out);
  checkNewOutputFolder(out, options.out, 'the pack');
  const srcAbs = path.resolve(src);
  let input: PackInput = {};
  const inputPath = path.join(srcAbs, 'pack-input.json');
  if (existsSync(inputPath)) {
    const r = packInputSchema.safeParse(readJson(inputPath, MAX_MANIFEST_BYTES));
    if (!r.success) throw new BadPackError(`${inputPath}: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0] ? issueWords(r.error.issues[0]) : 'is invalid'}; fix it or remove it`);
    input = r.data;
  }
  const hasTriton = readEngineTree('sglang', srcAbs).tritonDirs.length > 0;
  const tree = readEngineTree(hasTriton ? 'sglang' : 'vllm', srcAbs);
  const skipped: { file: string; reason: string }[] = tree.unread.map((u) => ({ file: u.file.rel, reason: 'not where an engine reads it' }));
  const problem = tree.problems.find((p) => p.kind !== 'broken');
  if (problem?.kind === 'special') throw new UnsafePathError(`${src}: ${problem.rel} is ${problem.entry ?? 'not a regular file'}, not a file; remove it, or put the config file in its place`);
  if (problem) throw new UnsafePathError(`${src}: ${problem.rel} ${problem.reason}; a pack is built only from files inside the folder given (copy them in)`);
  const files: PackFile[] = [];
  const writes: { rel: string; text: string }[] = [];
  const devices = new Set<string>();
  const tritons = new Set<string>();
  for (const f of tree.files) {
    const parsed = parseFileName(f.name);
    if (!parsed || parsed.key.deviceName === '') {
      skipped.push({ file: f.rel, reason: 'not a config name the engines ask for' });
      continue;
    }
    if (parsed.key.dtype !== null && !ENGINE_DTYPES.sglang.includes(parsed.key.dtype) && !ENGINE_DTYPES.vllm.includes(parsed.key.dtype)) {
      skipped.push({ file: f.rel, reason: `no engine asks for dtype=${parsed.key.dtype}` });
      continue;
    }
    const triton = f.tritonDir ? f.tritonDir.slice('triton_'.length).replace(/_/g, '.') : options.tritonVersion ?? input.tritonVersion ?? null;
    if (!triton) throw new BadArgumentError(`\`tritonVersion\` missing: ${f.rel} is not in a triton_X_Y_Z folder; pass the Triton version the files were tuned with`);
    tritons.add(triton);
    const sgKey = { ...parsed.key, deviceName: deviceNameForEngine('sglang', parsed.key.deviceName) };
    devices.add(sgKey.deviceName);
    const text = decodeConfigBytes(readFileCapped(f.abs), f.rel);
    const a = analyzeConfigText(text, { engine: 'sglang', key: sgKey });
    const errors = a.issues.filter((i) => i.severity === 'error' && i.code !== 'triton-version-key');
    if (!a.content || errors.length > 0) {
      throw new BadConfigFileError(`${f.rel}: ${errors[0]?.message ?? 'cannot be read'}; fix it before packing (run \`moe configs doctor\`)`);
    }
    const sgName = formatFileName('sglang', sgKey);
    const rel = `configs/triton_${triton.replace(/\./g, '_')}/${sgName}`;
    const sgText = formatConfigContent('sglang', a.content);
    writes.push({ rel, text: sgText });
    let vllmName: string | null = null;
    const vKey = keyForEngine('vllm', sgKey).key;
    if (vKey) {
      vllmName = formatFileName('vllm', vKey);
      const vText = formatConfigContent('vllm', { ...a.content, tritonVersion: triton });
      if (writes.some((w) => w.rel === `vllm/${vllmName}`)) {
        skipped.push({ file: f.rel, reason: `its vLLM copy ${vllmName} clashes with another file's (Triton versions differ); only the first is kept` });
        vllmName = null;
      } else writes.push({ rel: `vllm/${vllmName}`, text: vText });
    }
    // pack-input.json keys files by name, or by path when a name repeats across Triton folders (merge writes paths).
    const extra = input.files?.[f.rel] ?? input.files?.[f.name] ?? {};
    files.push({
      path: rel,
      sha256: createHash('sha256').update(sgText).digest('hex'),
      vllmName,
      serves: (extra.serves ?? []).map((s) => ({ model: s.model, tp: s.tp, ep: s.ep ?? 1 })),
      measurements: extra.measurements ?? {},
    });
  }
  if (files.length === 0) throw new BadArgumentError(`${src}: no config files to pack`);
  const archs = [...devices].map((d) => gpuInfo(d)?.arch).filter((a): a is string => !!a);
  const manifest: PackManifest = parsePackManifest({
    schema: 1,
    name: `@moe/configs-${options.name}`,
    deviceNames: [...devices].sort(),
    gpuArch: options.gpuArch ?? input.gpuArch ?? (new Set(archs).size === 1 ? (archs[0] as string) : null),
    tritonVersion: options.tritonVersion ?? input.tritonVersion ?? (tritons.size === 1 ? ([...tritons][0] as string) : null),
    kernelSourceHash: options.kernelSourceHash ?? input.kernelSourceHash ?? null,
    toolVersion: options.toolVersion ?? input.toolVersion ?? null,
    ...(input.measuredWith ? { measuredWith: input.measuredWith } : {}),
    vllm: { derive: 'rename', dir: 'vllm' },
    files,
  });
  const pkg = {
    name: manifest.name,
    version,
    description: `Tuned fused-MoE Triton kernel configs for ${manifest.deviceNames.join(', ')} (SGLang and vLLM)`,
    license: 'Apache-2.0',
    keywords: ['moe-kit-config-pack', 'fused-moe', 'triton'],
    files: ['manifest.json', 'configs', 'vllm', 'README.md'],
  };
  const readme = `# ${manifest.name}\n\nTuned fused-MoE kernel configs for ${manifest.deviceNames.join(', ')}.\nInstall them where your engine reads them:\n\n\`\`\`sh\nnpx moe configs install node_modules/${manifest.name} --engine sglang --python $(which python)\n\`\`\`\n\nmanifest.json lists every file, the models and TP it serves, and measured times.\n`;
  // All at once: a temp folder beside `out`, renamed into place.
  writeNewFolder(
    out,
    options.out,
    [...writes, { rel: 'manifest.json', text: `${JSON.stringify(manifest, null, 2)}\n` }, { rel: 'package.json', text: `${JSON.stringify(pkg, null, 2)}\n` }, { rel: 'README.md', text: readme }].map((w) => ({
      rel: w.rel,
      bytes: w.text,
    })),
    'pass -o a folder you can write to',
  );
  return { dir: out, manifest, skipped };
}
