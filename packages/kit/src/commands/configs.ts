import {
  BadArgumentError,
  type ConfigSource,
  type DoctorReport,
  type Engine,
  type EngineTree,
  type Finding,
  type InstallReport,
  type KernelConfig,
  type LookupReport,
  buildPack,
  collectSourceFiles,
  discoverPacks,
  doctor,
  findInstalledEngine,
  installConfigs,
  lookupConfig,
  mergeConfigs,
  packSource,
  readEngineTree,
  treeSource,
} from '@moe/config-store';
import { kernelShapes, loadModelConfig, resolveMoeShape, type DtypeOption } from '@moe/model-shapes';
import { existsSync, realpathSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT, ExitCode } from '../exit';
import type { CliIo } from '../io';
import { localDeviceName } from '../local-device';
import type { CommandModule } from './index';
import { textTable } from '../text-table';

/** The batch sizes both engines' tuners measure (ENGINES.md): lookup's default --m. */
export const TUNER_BATCH_SIZES = [1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 1536, 2048, 3072, 4096];

const NAME_DTYPES = ['auto', 'bf16', 'fp16', 'fp8_w8a8', 'int8_w8a8', 'int8_w8a16', 'int4_w4a16', 'fp8_w8a16', 'float32'];

function engineOption(value: string | undefined, flag = '--engine'): Engine {
  if (value === 'sglang' || value === 'vllm') return value;
  throw new BadArgumentError(`${flag} ${value ?? '(missing)'}: unknown engine; pass --engine sglang or --engine vllm`);
}

function positiveInt(flag: string, text: string | undefined, example: string): number {
  const t = (text ?? '').trim();
  if (!/^\d+$/.test(t) || Number(t) <= 0 || !Number.isSafeInteger(Number(t))) {
    throw new BadArgumentError(`${flag} ${text ?? '(missing)'}: not a positive integer; pass e.g. ${flag} ${example}`);
  }
  return Number(t);
}

function intList(flag: string, text: string, example: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p) || Number(p) <= 0 || !Number.isSafeInteger(Number(p)))) {
    throw new BadArgumentError(`${flag} ${text}: not a comma-separated list of positive integers; pass e.g. ${flag} ${example}`);
  }
  return parts.map(Number);
}

function tritonOption(text: string | undefined): string | null {
  if (text === undefined) return null;
  if (!/^\d+\.\d+(\.\d+)?$/.test(text.trim())) throw new BadArgumentError(`--triton ${text}: not a version; pass the installed Triton version, e.g. --triton 3.5.1`);
  return text.trim();
}

const EXTRA_FIELDS: (keyof KernelConfig)[] = ['SPLIT_K', 'num_ctas', 'waves_per_eu', 'matrix_instr_nonkdim', 'kpack', 'USE_TMA'];

function configCells(c: KernelConfig): string[] {
  const extra = EXTRA_FIELDS.filter((f) => c[f] !== undefined).map((f) => `${f}=${String(c[f])}`);
  // A default the engine completes later (vLLM's CUDA wna16 kernel picks BLOCK_N/K itself) leaves fields out.
  const cell = (v: number | undefined) => (v === undefined ? 'later' : String(v));
  return [cell(c.BLOCK_SIZE_M), cell(c.BLOCK_SIZE_N), cell(c.BLOCK_SIZE_K), cell(c.GROUP_SIZE_M), cell(c.num_warps), cell(c.num_stages), extra.join(' ')];
}

// ---------------------------------------------------------------------------------------------
// lookup

interface LookupOptions {
  engine?: string;
  dir?: string;
  python?: string;
  model?: string;
  tp?: string;
  ep?: string;
  revision?: string;
  E?: string;
  N?: string;
  deviceName?: string;
  dtype: string;
  blockShape?: string;
  perChannelQuant?: boolean;
  triton?: string;
  m?: string;
  down?: boolean;
  groupSize?: string;
  topk?: string;
  packs?: boolean;
  json?: boolean;
}

/** One --json row of `moe configs lookup`: exactly these keys. */
export interface LookupJsonRow {
  m: number;
  source: 'file' | 'default';
  file: string | null;
  key: number | null;
  config: KernelConfig;
}

async function resolveTree(engine: Engine, opts: { dir?: string; python?: string }, io: CliIo): Promise<{ tree: EngineTree; triton: string | null; note: string | null }> {
  if (opts.dir !== undefined && opts.python !== undefined) throw new BadArgumentError('--dir and --python both given; pass one: the folder to read, or the interpreter whose engine to read');
  if (opts.python !== undefined) {
    const found = await findInstalledEngine(engine, opts.python, { env: io.env });
    const override = engine === 'sglang' ? io.env.SGLANG_MOE_CONFIG_DIR : undefined;
    if (override) {
      // SGLang reads $SGLANG_MOE_CONFIG_DIR/configs/triton_X_Y_Z/ instead of its package folder.
      return {
        tree: readEngineTree('sglang', resolvePath(io, override), { sglangConfigDir: true }),
        triton: found.tritonVersion,
        note: `SGLANG_MOE_CONFIG_DIR is set: SGLang reads ${override}/configs, not its package folder`,
      };
    }
    return { tree: readEngineTree(engine, found.packageDir, { engineVersion: found.version }), triton: found.tritonVersion, note: null };
  }
  if (opts.dir === undefined) throw new BadArgumentError('--dir missing; pass the folder the engine reads (SGLang: the one holding configs/triton_X_Y_Z/; vLLM: the flat config folder) or --python <interpreter>');
  return { tree: readEngineTree(engine, resolvePath(io, opts.dir)), triton: null, note: null };
}

/** The real path of `p` when it exists, else `p`. */
function realOrSelf(p: string): string {
  return existsSync(p) ? realpathSync(p) : p;
}

function resolvePath(io: CliIo, p: string): string {
  return p.startsWith('/') ? p : `${io.cwd.replace(/\/$/, '')}/${p}`;
}

async function runLookup(opts: LookupOptions, io: CliIo): Promise<void> {
  const engine = engineOption(opts.engine);
  const ms = opts.m !== undefined ? intList('--m', opts.m, '1,37,4096') : TUNER_BATCH_SIZES;
  if (!NAME_DTYPES.includes(opts.dtype)) throw new BadArgumentError(`--dtype ${opts.dtype}: unknown; pass one of ${NAME_DTYPES.join(', ')}`);
  const byModel = opts.model !== undefined;
  const byShape = opts.E !== undefined || opts.N !== undefined;
  if (byModel === byShape) throw new BadArgumentError('pass either --model <m> --tp <n> or --E <e> --N <n> (exactly one of the two)');
  const rawDevice = opts.deviceName ?? (await localDeviceName());
  if (rawDevice === null || rawDevice.trim() === '') {
    throw new BadArgumentError('--device-name missing and no local GPU found; pass the GPU name as the driver reports it, e.g. --device-name "NVIDIA H100 80GB HBM3"');
  }
  let tree: EngineTree | null = null;
  let installedTriton: string | null = null;
  let treeNote: string | null = null;
  if (!opts.packs) ({ tree, triton: installedTriton, note: treeNote } = await resolveTree(engine, opts, io));
  else if (opts.dir !== undefined || opts.python !== undefined) throw new BadArgumentError('--packs searches installed packs; drop --dir/--python, or drop --packs');
  const triton = tritonOption(opts.triton) ?? installedTriton;

  let key: { E: number; N: number; deviceName: string; dtype: string | null; blockShape: [number, number] | null; perChannelQuant: boolean };
  let topk: number | undefined = opts.topk !== undefined ? positiveInt('--topk', opts.topk, '8') : undefined;
  if (byModel) {
    if (opts.tp === undefined) throw new BadArgumentError('--tp missing; pass the tensor-parallel size with --model, e.g. --tp 8');
    const tp = positiveInt('--tp', opts.tp, '8');
    const ep = opts.ep !== undefined ? positiveInt('--ep', opts.ep, '1') : 1;
    const dtype = (['fp8_w8a16', 'float32'].includes(opts.dtype) ? 'auto' : opts.dtype) as DtypeOption;
    if (opts.dtype !== dtype) throw new BadArgumentError(`--dtype ${opts.dtype} with --model: pass auto or a model dtype (bf16, fp16, fp8_w8a8, int8_w8a8, int8_w8a16, int4_w4a16)`);
    const loaded = await loadModelConfig(opts.model as string, { env: io.env, cwd: io.cwd, ...(opts.revision !== undefined ? { revision: opts.revision } : {}) });
    const shape = resolveMoeShape(loaded.config, {}, { label: opts.model as string });
    const k = kernelShapes(shape, { tp, ep, engine, dtype, deviceName: rawDevice });
    key = { E: k.localExperts, N: k.fileN, deviceName: rawDevice, dtype: k.dtype, blockShape: k.blockShape, perChannelQuant: k.perChannelQuant };
    topk ??= k.topk;
  } else {
    const dtype = opts.dtype === 'auto' || opts.dtype === 'bf16' || opts.dtype === 'fp16' ? null : opts.dtype;
    let blockShape: [number, number] | null = null;
    if (opts.blockShape !== undefined) {
      const b = intList('--block-shape', opts.blockShape, '128,128');
      if (b.length !== 2) throw new BadArgumentError(`--block-shape ${opts.blockShape}: give two numbers, e.g. --block-shape 128,128`);
      blockShape = [b[0] as number, b[1] as number];
    }
    key = {
      E: positiveInt('--E', opts.E, '64'),
      N: positiveInt('--N', opts.N, '1792'),
      deviceName: rawDevice,
      dtype,
      blockShape,
      perChannelQuant: opts.perChannelQuant === true,
    };
  }
  const sources: ConfigSource[] = [];
  if (tree) {
    const tuned = engine === 'vllm' ? io.env.VLLM_TUNED_CONFIG_FOLDER : undefined;
    if (tuned) {
      // vLLM looks in VLLM_TUNED_CONFIG_FOLDER first; a folder that does not exist is simply skipped.
      if (existsSync(resolvePath(io, tuned))) {
        // Files found there are shown with their absolute path: they are not under --dir.
        const userTree = readEngineTree('vllm', resolvePath(io, tuned));
        const inner = treeSource(userTree);
        sources.push({
          tritonDirs: inner.tritonDirs,
          read: (d, name) => {
            const r = inner.read(d, name);
            return r ? { text: r.text, rel: `${userTree.dir}/${r.rel}` } : null;
          },
        });
      }
      treeNote = `VLLM_TUNED_CONFIG_FOLDER=${tuned} is read before ${tree.dir}${existsSync(resolvePath(io, tuned)) ? '' : ' (it does not exist)'}`;
    }
    sources.push(treeSource(tree));
  }
  const query = {
    engine,
    key,
    ms,
    tritonVersion: engine === 'sglang' ? triton : null,
    down: opts.down === true,
    ...(opts.groupSize !== undefined ? { groupSize: positiveInt('--group-size', opts.groupSize, '128') } : {}),
    ...(topk !== undefined ? { topk } : {}),
  };
  let report: LookupReport;
  let where: string;
  if (tree) {
    report = lookupConfig(query, sources);
    where = tree.dir;
  } else {
    const { packs, problems } = discoverPacks(io.cwd);
    for (const p of problems) io.stderr(`moe: note: skipping pack ${p.dir}: ${p.message}\n`);
    if (packs.length === 0) throw new BadArgumentError(`--packs: no config packs installed in node_modules/@moe/configs-* from ${io.cwd} up; install one (npm install @moe/configs-<gpu>) or pass --dir`);
    // The first pack that has the file wins; with none, the engine's default (from the last lookup).
    let found: LookupReport | null = null;
    for (const pack of packs) {
      found = lookupConfig(query, packSource(pack, engine));
      if (found.file) break;
    }
    report = found as LookupReport;
    where = packs.map((p) => p.name).join(', ');
  }
  if (treeNote) report.notes.unshift(treeNote);
  if (opts.json) {
    const rows: LookupJsonRow[] = report.results.map((r) => ({ m: r.m, source: r.source, file: r.file, key: r.key, config: r.config }));
    io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  io.stdout(lookupText(report, where, tree?.packageLayout ?? null, engine === 'sglang' ? triton : null));
}

function lookupText(report: LookupReport, where: string, packageLayout: 'new' | 'old' | null, triton: string | null): string {
  const out: string[] = [];
  const Eng = report.engine === 'sglang' ? 'SGLang' : 'vLLM';
  out.push(`${Eng} reading ${where}${packageLayout ? ` (${packageLayout === 'new' ? 'April 2026+' : 'pre-April-2026'} package layout)` : ''}${triton ? `, Triton ${triton}` : ''}`);
  out.push(`asks for  ${report.fileName}`);
  out.push(`loads     ${report.file ?? 'nothing: no such file, the engine uses its default config'}`);
  out.push('');
  out.push(
    textTable(
      ['M', 'source', 'key', 'BLOCK_M', 'BLOCK_N', 'BLOCK_K', 'GROUP_M', 'warps', 'stages', 'other'],
      report.results.map((r) => [String(r.m), r.source, r.key === null ? '-' : String(r.key), ...configCells(r.config)]),
    ),
  );
  if (report.notes.length > 0) {
    out.push('');
    for (const n of report.notes) out.push(`note: ${n}`);
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// doctor

interface DoctorCliOptions {
  engine: string;
  triton?: string;
  json?: boolean;
}

function doctorText(report: DoctorReport): string {
  const out: string[] = [];
  const Eng = report.engine === 'sglang' ? 'SGLang' : 'vLLM';
  out.push(`${Eng} tree ${report.tree.dir}${report.tree.configsRootRel ? ` (reads ${report.tree.configsRootRel}/)` : ''}`);
  let last = '';
  for (const f of report.findings) {
    if (f.file !== last) {
      out.push('');
      out.push(f.file);
      last = f.file;
    }
    out.push(`  ${f.severity.padEnd(7)} ${f.code}: ${f.message}`);
    out.push(`  ${' '.repeat(7)} fix: ${f.fix}`);
  }
  const count = (s: Finding['severity']) => report.findings.filter((f) => f.severity === s).length;
  out.push('');
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  out.push(`${n(report.checked, 'file')} checked: ${n(count('error'), 'error')}, ${n(count('warning'), 'warning')}, ${n(count('info'), 'note')}`);
  return `${out.join('\n')}\n`;
}

function runDoctor(dir: string, opts: DoctorCliOptions, io: CliIo): void {
  const engine = opts.engine === 'auto' ? 'auto' : engineOption(opts.engine);
  const report = doctor(resolvePath(io, dir), { engine, tritonVersion: tritonOption(opts.triton) });
  if (opts.json) {
    const findings = report.findings.map((f) => ({ file: f.file, severity: f.severity, code: f.code, message: f.message, fix: f.fix }));
    io.stdout(`${JSON.stringify({ findings }, null, 2)}\n`);
  } else io.stdout(doctorText(report));
  if (report.findings.some((f) => f.severity === 'error')) throw new ExitCode(EXIT.findings);
}


// ---------------------------------------------------------------------------------------------
// install

interface InstallCliOptions {
  engine?: string;
  into?: string;
  python?: string;
  triton?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

function showConfig(c: KernelConfig | null): string {
  return c ? configCells(c).slice(0, 6).join('/') + (configCells(c)[6] ? ` ${configCells(c)[6]}` : '') : '(none)';
}

function installText(r: InstallReport, dryRun: boolean): string {
  const out: string[] = [];
  out.push(`${r.engine === 'sglang' ? 'SGLang' : 'vLLM'} reads ${r.configsRoot ? `${r.into}/${r.configsRoot}` : r.into}`);
  for (const a of r.actions) {
    const what = a.action === 'write' && dryRun ? 'would write' : a.action;
    out.push(`  ${what.padEnd(11)} ${a.target || a.source}${a.reason ? `  (${a.reason})` : ''}${a.target && a.source ? `  <- ${a.source}` : ''}`);
    if (a.differences.length > 0) {
      out.push('      M        existing -> new  (BLOCK_M/N/K/GROUP_M/warps/stages)');
      for (const d of a.differences) out.push(`      ${String(d.m).padEnd(8)} ${showConfig(d.before)} -> ${showConfig(d.after)}`);
    }
  }
  if (r.blocked) out.push('nothing written: existing files differ; check the differences above and pass --force to overwrite');
  else if (dryRun) out.push('dry run: nothing written');
  for (const f of r.findings) out.push(`${f.severity}: ${f.file}: ${f.code}: ${f.message} (fix: ${f.fix})`);
  return `${out.join('\n')}\n`;
}

async function runInstall(sources: string[], opts: InstallCliOptions, io: CliIo): Promise<void> {
  const engine = engineOption(opts.engine);
  if ((opts.into === undefined) === (opts.python === undefined)) {
    throw new BadArgumentError('pass exactly one of --into <dir> (a config tree or engine folder) and --python <interpreter> (the environment the engine runs in)');
  }
  let into = opts.into !== undefined ? resolvePath(io, opts.into) : '';
  let running: string | null = null;
  let sglangConfigDir = false;
  if (opts.python !== undefined) {
    const found = await findInstalledEngine(engine, opts.python, { env: io.env });
    into = found.packageDir;
    running = found.tritonVersion;
    const override = engine === 'sglang' ? io.env.SGLANG_MOE_CONFIG_DIR : undefined;
    if (override) {
      // That SGLang reads $SGLANG_MOE_CONFIG_DIR/configs/triton_X_Y_Z/, never its package folder.
      into = resolvePath(io, override);
      sglangConfigDir = true;
      io.stderr(`moe: note: SGLANG_MOE_CONFIG_DIR is set: installing into ${into}/configs, which this SGLang reads instead of its package folder\n`);
    }
  }
  const files = collectSourceFiles(sources.map((s) => resolvePath(io, s)));
  const report = installConfigs(files, {
    engine,
    into,
    tritonVersion: tritonOption(opts.triton),
    runningTriton: running,
    sglangConfigDir,
    dryRun: opts.dryRun === true,
    force: opts.force === true,
  });
  const tuned = engine === 'vllm' ? io.env.VLLM_TUNED_CONFIG_FOLDER : undefined;
  if (tuned) {
    // vLLM opens $VLLM_TUNED_CONFIG_FOLDER/<name> first: a file of the same name there wins.
    for (const a of report.actions) {
      const name = a.target.split('/').pop() as string;
      const shadow = `${resolvePath(io, tuned).replace(/\/$/, '')}/${name}`;
      if (a.target && existsSync(shadow) && realpathSync(shadow) !== realOrSelf(`${report.into}/${a.target}`)) {
        io.stderr(`moe: note: ${a.target} is shadowed: vLLM reads ${shadow} first (VLLM_TUNED_CONFIG_FOLDER); install there (--into ${tuned}) or remove that file\n`);
      }
    }
  }
  if (opts.json) io.stdout(`${JSON.stringify({ actions: report.actions, findings: report.findings }, null, 2)}\n`);
  else io.stdout(installText(report, opts.dryRun === true));
  if (report.blocked || report.findings.some((f) => f.severity === 'error')) throw new ExitCode(EXIT.findings);
}

// ---------------------------------------------------------------------------------------------
// merge and pack

interface MergeCliOptions {
  output?: string;
  prefer?: string;
  engine?: string;
  json?: boolean;
}

function runMerge(inputs: string[], opts: MergeCliOptions, io: CliIo): void {
  if (opts.output === undefined) throw new BadArgumentError('-o <dir> missing; pass the folder to write the merged files to');
  if (opts.prefer !== undefined && opts.prefer !== 'first' && opts.prefer !== 'last') {
    throw new BadArgumentError(`--prefer ${opts.prefer}: pass --prefer first or --prefer last`);
  }
  const report = mergeConfigs(
    inputs.map((i) => resolvePath(io, i)),
    {
      out: resolvePath(io, opts.output),
      prefer: (opts.prefer as 'first' | 'last' | undefined) ?? null,
      engine: opts.engine !== undefined ? engineOption(opts.engine) : null,
    },
  );
  if (opts.json) {
    io.stdout(`${JSON.stringify({ out: report.out, inputs: report.inputs, files: report.files }, null, 2)}\n`);
    return;
  }
  const out: string[] = [`merged ${report.inputs.length} inputs into ${report.out} (${report.engine} format, provenance.json beside)`];
  for (const [file, keys] of Object.entries(report.files)) {
    const rules = Object.values(keys).reduce<Record<string, number>>((acc, p) => ({ ...acc, [p.rule]: (acc[p.rule] ?? 0) + 1 }), {});
    out.push(`  ${file}: ${Object.keys(keys).length} batch keys (${Object.entries(rules).map(([r, n]) => `${n} ${r}`).join(', ')})`);
  }
  io.stdout(`${out.join('\n')}\n`);
}

interface PackCliOptions {
  name?: string;
  output?: string;
  triton?: string;
  packVersion?: string;
  gpuArch?: string;
  kernelHash?: string;
  json?: boolean;
}

function runPack(dir: string, opts: PackCliOptions, io: CliIo): void {
  if (opts.name === undefined) throw new BadArgumentError('--name missing; pass the GPU the pack is for, e.g. --name h100 (the package becomes @moe/configs-h100)');
  if (opts.output === undefined) throw new BadArgumentError('-o <dir> missing; pass the folder to write the pack to');
  const built = buildPack(resolvePath(io, dir), {
    name: opts.name,
    out: resolvePath(io, opts.output),
    tritonVersion: tritonOption(opts.triton),
    ...(opts.packVersion !== undefined ? { version: opts.packVersion } : {}),
    gpuArch: opts.gpuArch ?? null,
    kernelSourceHash: opts.kernelHash ?? null,
    toolVersion: null,
  });
  if (opts.json) {
    io.stdout(`${JSON.stringify({ dir: built.dir, manifest: built.manifest, skipped: built.skipped }, null, 2)}\n`);
    return;
  }
  const m = built.manifest;
  const out = [`${m.name}: ${m.files.length} files for ${m.deviceNames.join(', ')} in ${built.dir}`];
  out.push(`  vLLM copies: ${m.files.filter((f) => f.vllmName).length}; Triton ${m.tritonVersion ?? 'mixed'}; arch ${m.gpuArch ?? 'unknown'}`);
  for (const s of built.skipped) out.push(`  skipped ${s.file}: ${s.reason}`);
  io.stdout(`${out.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------

/** `moe configs …`: look up, check, install, merge and pack fused-MoE config files. */
export const configsCommand: CommandModule = (program: Command, io: CliIo) => {
  const configs = program.command('configs').description('fused-MoE config files: lookup, doctor, install, merge, pack');

  configs
    .command('lookup')
    .description('which file and entry an engine loads for each batch size, or the default config it falls back to')
    .option('--engine <engine>', 'sglang | vllm')
    .option('--dir <tree>', 'SGLang: the folder holding configs/triton_X_Y_Z/ (SGLANG_MOE_CONFIG_DIR), the configs folder itself (holding triton_* folders, or named configs), or an sglang package; vLLM: the config folder')
    .option('--python <interpreter>', 'read the engine installed for this Python instead of --dir (also gives the Triton version)')
    .option('--model <model>', 'a config.json, model folder or Hugging Face id (with --tp)')
    .option('--tp <n>', 'tensor-parallel size (with --model)')
    .option('--ep <n>', 'expert-parallel size (with --model)')
    .option('--revision <rev>', 'Hugging Face revision (with --model)')
    .option('--E <e>', 'experts on this rank, as in the file name')
    .option('--N <n>', 'N as in the file name')
    .option('--device-name <name>', 'GPU name as the driver reports it (default: the local GPU)')
    .option('--dtype <dtype>', `dtype part of the name: ${NAME_DTYPES.join(' | ')}`, 'auto')
    .option('--block-shape <n,k>', 'block quantization, e.g. 128,128 (with --E/--N)')
    .option('--per-channel-quant', 'SGLang per_channel_quant=True files (with --E/--N)')
    .option('--triton <version>', 'SGLang: the running Triton version, e.g. 3.5.1')
    .option('--m <list>', 'batch sizes, comma-separated (default: the tuners\' 1..4096)')
    .option('--down', 'SGLang: the down GEMM (its _down file, or the up config)')
    .option('--group-size <n>', 'vLLM int4/int8 w*a16: quantization group size (default rule)')
    .option('--topk <n>', 'vLLM int4 default rule: top-k (taken from --model)')
    .option('--packs', 'search the config packs installed in node_modules/@moe/configs-* instead of --dir')
    .option('--json', 'print a JSON array, one object per M')
    .action(async (opts: LookupOptions) => {
      await runLookup(opts, io);
    });

  configs
    .command('doctor')
    .description('every problem that makes a config file useless or risky for the engine reading the folder (exit 1 on errors)')
    .argument('<dir>', 'the folder to check (a config tree, an engine package or site-packages)')
    .option('--engine <engine>', 'sglang | vllm | auto', 'auto')
    .option('--triton <version>', 'SGLang: the running Triton version, for exact shadowing findings')
    .option('--json', 'print {"findings": [...]}')
    .action((dir: string, opts: DoctorCliOptions) => {
      runDoctor(dir, opts, io);
    });

  configs
    .command('install')
    .description('copy config files to where an engine version reads them, renaming between engine spellings (atomic, never overwrites a different file without --force)')
    .argument('<sources...>', 'config files, folders of them, or a pack folder')
    .option('--engine <engine>', 'sglang | vllm')
    .option('--into <dir>', 'a config tree, an engine package folder or site-packages')
    .option('--python <interpreter>', 'install into the engine of this Python environment')
    .option('--triton <version>', 'SGLang: the triton_X_Y_Z folder to install into (default: the source folder\'s version, else the installed Triton)')
    .option('--dry-run', 'show what would be written')
    .option('--force', 'overwrite existing files that differ')
    .option('--json', 'print {"actions": [...], "findings": [...]}')
    .action(async (sources: string[], opts: InstallCliOptions) => {
      await runInstall(sources, opts, io);
    });

  configs
    .command('merge')
    .description('merge config folders (e.g. tuning shards): per file and batch key the faster measured entry; disagreements need --prefer')
    .argument('<inputs...>', 'folders of config files, packs or tuning outputs')
    .option('-o, --output <dir>', 'folder to write the merged files and provenance.json to')
    .option('--prefer <which>', 'first | last: which input wins a disagreement without measurements')
    .option('--engine <engine>', 'sglang | vllm: format to write (default from the layout)')
    .option('--json', 'print {"out", "inputs", "files"}')
    .action((inputs: string[], opts: MergeCliOptions) => {
      runMerge(inputs, opts, io);
    });

  configs
    .command('pack')
    .description('build a config pack (@moe/configs-<gpu>): SGLang-layout files, vLLM copies, manifest.json')
    .argument('<dir>', 'folder of config files (triton_X_Y_Z/ folders or flat with --triton); pack-input.json beside is read')
    .option('--name <gpu>', 'the GPU: the package is @moe/configs-<gpu>')
    .option('-o, --output <dir>', 'folder to write the pack to (new or empty)')
    .option('--triton <version>', 'Triton version of files not in a triton_X_Y_Z folder')
    .option('--pack-version <semver>', 'package version', '0.1.0')
    .option('--gpu-arch <arch>', 'GPU architecture (default from the device names)')
    .option('--kernel-hash <hash>', 'hash of the kernel source the files were tuned with')
    .option('--json', 'print the manifest')
    .action((dir: string, opts: PackCliOptions) => {
      runPack(dir, opts, io);
    });
};
