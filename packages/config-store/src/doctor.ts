import { analyzeConfigText, decodeConfigBytes } from './config-content';
import { BLOCK_QUANT_DTYPES, ENGINE_DTYPES, neverRequestedDevice, parseFileName, type Engine } from '@moe/engine-facts';
import type { EngineTree, TreeFile } from './engine-tree';
import { detectEngine, NOT_A_FILE_FIX, notAFileMessage, readEngineTree, SGLANG_NEW_CONFIGS } from './engine-tree';
import { BadConfigFileError } from './errors/bad-config-file-error';
import { EngineWouldFailError } from './errors/engine-would-fail-error';
import { FileTooLargeError } from './errors/file-too-large-error';
import type { Finding, Issue, Severity } from './finding';
import { issue } from './finding';
import { gpuInfo } from './gpu-info';
import { sglangSearchOrder } from './lookup';
import { readFileCapped } from './safe-fs';

export interface DoctorOptions {
  /** Which engine reads the folder; 'auto' (default) detects it. */
  engine?: Engine | 'auto';
  /** SGLang: the running Triton version; enables exact shadowing findings. */
  tritonVersion?: string | null;
}

export interface DoctorReport {
  engine: Engine;
  tree: EngineTree;
  findings: Finding[];
  /** Number of config files checked. */
  checked: number;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Problems with a file's name: names the engine never asks for, or asks for differently. */
export function fileNameIssues(engine: Engine, name: string): Issue[] {
  const parsed = parseFileName(name);
  const Eng = engine === 'sglang' ? 'SGLang' : 'vLLM';
  if (!parsed) {
    return [
      issue(
        'error',
        'bad-name',
        `${Eng} never asks for this name: it is not E={E},N={N},device_name={GPU}[,dtype=..][,block_shape=[n${engine === 'sglang' ? ', ' : ','}k]]${engine === 'sglang' ? '[,per_channel_quant=True][_down]' : ''}.json`,
        'rename it to the form the engine asks for (`moe shapes <model>` prints the names)',
      ),
    ];
  }
  const { key, blockShapeSpelling } = parsed;
  const out: Issue[] = [];
  if (key.dtype !== null && !ENGINE_DTYPES[engine].includes(key.dtype)) {
    const fix =
      key.dtype === 'bf16' || key.dtype === 'fp16' || key.dtype === 'bfloat16' || key.dtype === 'float16'
        ? 'remove ",dtype=…": bf16/fp16 files have no dtype part'
        : key.dtype === 'float8' || key.dtype === 'fp8'
          ? 'rename with dtype=fp8_w8a8 (after checking it was tuned for fp8 w8a8)'
          : engine === 'vllm' && key.dtype === 'int8_w8a8'
            ? key.blockShape
              ? 'remove ",dtype=int8_w8a8": vLLM looks block-quantized int8_w8a8 models up under the name without a dtype (`moe configs install --engine vllm` renames it)'
              : 'vLLM looks int8_w8a8 models up under the bf16 name (no dtype), shared with bf16 models; rename only if no bf16 file of this shape is needed'
            : `use one of ${ENGINE_DTYPES[engine].join(', ')}, or none for bf16/fp16`;
    const other = engine === 'vllm' ? ENGINE_DTYPES.sglang : ENGINE_DTYPES.vllm;
    const note = other.includes(key.dtype) ? ` (${key.dtype} is ${engine === 'vllm' ? 'an SGLang' : 'a vLLM'} dtype)` : '';
    out.push(issue('error', 'unknown-dtype', `${Eng} never asks for dtype=${key.dtype}${note}; the file is never read`, fix));
  }
  if (blockShapeSpelling && blockShapeSpelling !== engine) {
    const [n, k] = key.blockShape as [number, number];
    out.push(
      issue(
        'error',
        'block-shape-spelling',
        `block_shape is spelled the ${blockShapeSpelling === 'sglang' ? 'SGLang' : 'vLLM'} way; ${Eng} asks for block_shape=[${n}${engine === 'sglang' ? ', ' : ','}${k}], so the file is never read`,
        `rename it with block_shape=[${n}${engine === 'sglang' ? ', ' : ','}${k}] (\`moe configs install --engine ${engine}\` renames)`,
      ),
    );
  }
  if (key.blockShape && key.dtype === null) {
    out.push(
      engine === 'sglang'
        ? issue(
            'error',
            'block-shape-without-dtype',
            `block_shape without a dtype: ${Eng} writes a block shape only for block-quantized fp8/int8, whose names carry the dtype, so it never asks for this name`,
            'add the dtype (e.g. ,dtype=fp8_w8a8) before block_shape, or drop block_shape',
          )
        : issue(
            'info',
            'block-shape-without-dtype',
            'block_shape without a dtype: vLLM asks for this name only for block-quantized int8_w8a8 models (it names them without a dtype), never for fp8 ones',
            'keep it only if it was tuned for int8 w8a8 with this block shape; an fp8 file needs ,dtype=fp8_w8a8',
          ),
    );
  } else if (key.blockShape && key.dtype !== null && !BLOCK_QUANT_DTYPES.includes(key.dtype)) {
    out.push(
      issue('warning', 'block-shape-dtype', `block_shape with dtype=${key.dtype}: block quantization comes with fp8_w8a8 or int8_w8a8`, 'check the name against `moe shapes`'),
    );
  }
  if (engine === 'vllm' && (key.perChannelQuant || key.down)) {
    out.push(
      issue(
        'error',
        'sglang-only-name',
        `${key.down ? '_down' : 'per_channel_quant=True'} is an SGLang file name part; vLLM never asks for it`,
        'install it for SGLang, or rename without it for vLLM',
      ),
    );
  }
  if (key.deviceName === '') {
    out.push(issue('error', 'empty-device-name', 'the device name is empty; the engine always asks with the GPU name', 'rename with device_name=<GPU name as the driver reports it, spaces as _>'));
  } else {
    const better = neverRequestedDevice(engine, key.deviceName);
    if (better) {
      out.push(
        issue('error', 'device-never-requested', `${Eng} never asks for device_name=${key.deviceName}: it names this GPU ${better}`, `rename with device_name=${better}`),
      );
    } else if (!gpuInfo(key.deviceName)) {
      out.push(
        issue(
          'warning',
          'unknown-device-name',
          `MoE Kit does not know the GPU ${key.deviceName}; shared memory is not checked`,
          'check the name matches what the driver reports on that GPU (spaces become _)',
        ),
      );
    }
  }
  return out;
}

function contentIssues(engine: Engine, file: TreeFile, versions?: Map<string, number>): Issue[] {
  let text: string;
  try {
    text = decodeConfigBytes(readFileCapped(file.abs), file.rel);
  } catch (err) {
    if (err instanceof FileTooLargeError) return [issue('error', 'file-too-large', err.message, 'remove it: config files are a few KB')];
    if (err instanceof BadConfigFileError) return [issue('error', 'not-utf8', err.message, 'rewrite it as UTF-8 JSON or regenerate it')];
    return [issue('error', 'unreadable', `cannot be read (${(err as Error).message})`, 'check permissions')];
  }
  const a = analyzeConfigText(text, { engine, key: parseFileName(file.name)?.key ?? null });
  const v = a.content?.tritonVersion;
  if (versions && v) versions.set(v, (versions.get(v) ?? 0) + 1);
  return a.issues;
}

function shadowFindings(tree: EngineTree, running: string | null): Finding[] {
  const out: Finding[] = [];
  const byName = new Map<string, TreeFile[]>();
  for (const f of tree.files) {
    const list = byName.get(f.name) ?? [];
    list.push(f);
    byName.set(f.name, list);
  }
  let order: string[];
  try {
    order = sglangSearchOrder(
      tree.tritonDirs.map((d) => d.name),
      running,
    );
  } catch {
    return out; // reported as triton-folder-name
  }
  const runningDir = running ? `triton_${running.replace(/\./g, '_')}` : null;
  const newestFirst = order.filter((d) => d !== runningDir);
  for (const [name, copies] of byName) {
    if (copies.length < 2) continue;
    const dirs = new Set(copies.map((c) => c.tritonDir));
    if (running) {
      const winner = order.find((d) => dirs.has(d)) as string;
      for (const c of copies) {
        if (c.tritonDir === winner) continue;
        out.push({
          file: c.rel,
          ...issue(
            'warning',
            'shadowed',
            `under Triton ${running} SGLang loads ${winner}/${name} instead (${winner === runningDir ? 'the running version\'s folder' : 'newest folder first'}); this copy is read only under Triton ${c.tritonDir?.slice(7).replace(/_/g, '.')}`,
            'remove the copies you do not run, or retune for your Triton version',
          ),
        });
      }
    } else {
      const newest = newestFirst.find((d) => dirs.has(d)) as string;
      for (const c of copies) {
        if (c.tritonDir === newest) continue;
        out.push({
          file: c.rel,
          ...issue(
            'info',
            'shadowed',
            `read only under Triton ${c.tritonDir?.slice(7).replace(/_/g, '.')}: any Triton version without its own copy loads ${newest}/${name} (newest folder first)`,
            'keep it only if you run that Triton version (doctor --triton X.Y.Z shows what your version loads)',
          ),
        });
      }
    }
  }
  return out;
}

/** Checks every config file of a folder the way its engine reads it. */
export function doctor(dir: string, options: DoctorOptions = {}): DoctorReport {
  const engine = !options.engine || options.engine === 'auto' ? detectEngine(dir) : options.engine;
  const tree = readEngineTree(engine, dir);
  const findings: Finding[] = [];
  const add = (file: string, list: Issue[]) => {
    for (const i of list) findings.push({ file, ...i });
  };
  const running = options.tritonVersion ?? null;
  // Any version string names a folder (SGLang replaces the dots), local builds like 3.5.0+git1a2b included.
  if (running !== null && !/^\d+(\.\d+)*([+._-][0-9A-Za-z.+_-]*)?$/.test(running)) {
    throw new EngineWouldFailError(`\`tritonVersion\` ${running}: not a version like 3.5.1; pass the installed Triton version`);
  }

  const versions = new Map<string, number>();
  for (const f of tree.files) {
    add(f.rel, fileNameIssues(engine, f.name));
    add(f.rel, contentIssues(engine, f, versions));
  }
  for (const { file, reason } of tree.unread) {
    add(file.rel, fileNameIssues(engine, file.name).filter((i) => i.severity === 'error' && i.code !== 'bad-name'));
    if (reason === 'old-folder') {
      add(file.rel, [
        issue(
          'error',
          'unread-folder',
          `this SGLang reads ${SGLANG_NEW_CONFIGS.replace('srt/', '…/')}/ (since April 2026); files in the old fused_moe_triton/configs/ folder are never read`,
          `move it to ${tree.configsRootRel}/triton_X_Y_Z/ (\`moe configs install --engine sglang\` puts files there)`,
        ),
      ]);
    } else if (reason === 'not-in-triton-folder') {
      add(file.rel, [
        issue('error', 'not-in-triton-folder', 'SGLang reads config files only from triton_X_Y_Z/ folders; this one is never read', 'move it into the triton_X_Y_Z folder of the Triton version it was tuned with'),
      ]);
    } else {
      add(file.rel, [
        issue(
          'error',
          'unread-subfolder',
          engine === 'vllm' ? 'vLLM reads only files directly in its config folder (no Triton-version folders); this one is never read' : 'SGLang reads only files directly in triton_X_Y_Z/ folders; this one is never read',
          engine === 'vllm' ? 'move it up into the config folder' : 'move it up into its triton_X_Y_Z folder',
        ),
      ]);
    }
  }
  for (const p of tree.problems) {
    if (p.kind === 'broken') {
      // The engine checks the path exists: a dangling link named like a config is a file it never reads.
      const name = p.rel.split('/').pop() as string;
      add(p.rel, [
        issue(
          name.startsWith('E=') && name.endsWith('.json') ? 'error' : 'warning',
          'broken-symlink',
          `${p.rel} is a symlink to nothing: the engine finds no file there`,
          'point the link at the config file, or copy the file in its place',
        ),
      ]);
      continue;
    }
    if (p.kind === 'special') {
      const inRoot = tree.configsRootRel && p.rel.startsWith(`${tree.configsRootRel}/`) ? p.rel.slice(tree.configsRootRel.length + 1) : tree.configsRootRel ? null : p.rel;
      const parts = inRoot?.split('/') ?? [];
      const name = parts[parts.length - 1] ?? '';
      const read = engine === 'sglang' ? parts.length === 2 && (parts[0] as string).startsWith('triton_') : parts.length === 1;
      if (read && name.startsWith('E=') && name.endsWith('.json')) {
        add(p.rel, [issue('error', 'not-a-file', notAFileMessage(engine, p.rel, p.entry ?? 'not a regular file'), NOT_A_FILE_FIX)]);
      } else {
        add(p.rel, [issue('warning', 'special-entry', `not checked: ${p.rel} is ${p.entry ?? 'not a regular file'}, not a file or folder`, 'remove it if it is not yours: config folders hold only files')]);
      }
      continue;
    }
    const symlink = p.kind === 'outside';
    add(p.rel, [
      issue('warning', symlink ? 'symlink-outside' : 'unreadable-entry', `not checked: ${p.rel} ${p.reason}`, symlink ? 'copy the file into the folder instead of linking outside it' : 'check permissions and nesting'),
    ]);
  }
  if (engine === 'sglang') {
    for (const d of tree.tritonDirs) {
      if (d.parts === null) {
        add(d.rel, [
          issue('error', 'triton-folder-name', `SGLang cannot parse the version of ${d.name}: its fallback search (sorting folders by version) fails for every file it does not find first`, 'rename it triton_X_Y_Z or remove it'),
        ]);
      }
    }
    findings.push(...shadowFindings(tree, running));
    if (running && !tree.tritonDirs.some((d) => d.version === running)) {
      add('.', [
        issue(
          'warning',
          'no-running-triton-folder',
          `there is no triton_${running.replace(/\./g, '_')} folder: under Triton ${running} every file comes from another version's folder (newest first)`,
          `retune for Triton ${running}, or install the files into triton_${running.replace(/\./g, '_')}`,
        ),
      ]);
    }
  } else {
    if (versions.size > 1) {
      const list = [...versions.entries()].sort().map(([v, n]) => `${v} (${n} file${n === 1 ? '' : 's'})`);
      add('.', [
        issue(
          'info',
          'mixed-triton-versions',
          `files record ${versions.size} Triton versions: ${list.join(', ')}; vLLM ignores the version, so a file tuned under another Triton may be slower`,
          'retune the files that matter with the Triton version you run',
        ),
      ]);
    }
  }
  findings.sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.code.localeCompare(b.code) || a.message.localeCompare(b.message),
  );
  return { engine, tree, findings, checked: tree.files.length + tree.unread.length };
}
