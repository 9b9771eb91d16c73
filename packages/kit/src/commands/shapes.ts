import { ENGINES, type Engine } from '@moe/engine-facts';
import {
  DTYPE_OPTIONS,
  MAX_SHAPE_DIMENSION,
  type KernelShape,
  type LoadedModelConfig,
  type MoeShape,
  type MoeShapeOverrides,
  kernelShapes,
  loadModelConfig,
  resolveMoeShape,
} from '@moe/model-shapes';
import type { CliIo } from '../io';
import { localDeviceName } from '../local-device';
import { engineOption, flagged, inFlags, nonEmpty, oneOf, positiveInt, positiveIntList } from '../options';
import type { CommandModule } from './command-module';
import { textTable } from '../text-table';

interface ShapesOptions {
  tp: string;
  ep: string;
  engine: string;
  dtype: string;
  deviceName?: string;
  revision?: string;
  experts?: string;
  topk?: string;
  intermediate?: string;
  json?: boolean;
}

/** The --json object of one tp value: exactly these keys (in the order jsonRow writes them). */
export type ShapesJsonRow = Pick<
  KernelShape,
  'architecture' | 'tp' | 'ep' | 'hidden' | 'experts' | 'topk' | 'intermediate' | 'localExperts' | 'shardIntermediate' | 'dtype' | 'blockShape' | 'configFile' | 'downConfigFile'
>;

function jsonRow(k: KernelShape): ShapesJsonRow {
  return {
    architecture: k.architecture,
    tp: k.tp,
    ep: k.ep,
    hidden: k.hidden,
    experts: k.experts,
    topk: k.topk,
    intermediate: k.intermediate,
    localExperts: k.localExperts,
    shardIntermediate: k.shardIntermediate,
    dtype: k.dtype,
    blockShape: k.blockShape,
    configFile: k.configFile,
    downConfigFile: k.downConfigFile,
  };
}

function describeSource(model: string, loaded: LoadedModelConfig): string {
  switch (loaded.origin) {
    case 'file':
      return loaded.location;
    case 'hub-cache':
      return `${model} (local Hugging Face cache: ${loaded.location})`;
    case 'hub':
      return `${model} (downloaded from ${loaded.location})`;
    case 'catalog':
      return `${model} (built-in catalog)`;
  }
}

function humanReport(model: string, loaded: LoadedModelConfig, shape: MoeShape, rows: KernelShape[], engine: Engine, rawDevice: string | null): string {
  const out: string[] = [];
  out.push(`${describeSource(model, loaded)}: ${shape.architecture}`);
  const shared = shape.sharedExperts
    ? `${shape.sharedExperts.count} x ${shape.sharedExperts.intermediate} (${shape.sources.sharedExperts})`
    : 'none';
  const quant = shape.quant
    ? `${shape.quant.method}${shape.quant.blockShape ? ` block [${shape.quant.blockShape.join(', ')}]` : ''}`
    : 'none';
  out.push(`  hidden K      ${shape.hidden}  (${shape.sources.hidden})`);
  out.push(`  experts       ${shape.experts}  (${shape.sources.experts})`);
  out.push(`  top-k         ${shape.topk}  (${shape.sources.topk})`);
  out.push(`  expert width  ${shape.intermediate}  (${shape.sources.intermediate})`);
  out.push(`  shared        ${shared}`);
  out.push(`  dtype         ${shape.dtype ?? 'not set'}; quantization ${quant}`);
  const first = rows[0];
  const device = first?.deviceName
    ? `${first.deviceName}${rawDevice && rawDevice !== first.deviceName ? ` (from "${rawDevice}")` : ''}`
    : 'unknown: no --device-name and no local GPU, so the file names keep the literal {device}; pass --device-name "<GPU name>"';
  out.push(`  engine        ${engine}; device ${device}`);
  out.push('');
  const header = ['tp', 'ep', 'E', 'N', 'dtype', 'block', 'config file'];
  if (engine === 'sglang') header.push('down file');
  const cells = rows.map((k) => {
    const row = [
      String(k.tp),
      String(k.ep),
      String(k.localExperts),
      String(k.fileN),
      k.dtype ?? '-',
      k.blockShape ? `[${k.blockShape.join(',')}]` : '-',
      k.configFile,
    ];
    if (engine === 'sglang') row.push(k.downConfigFile ?? '-');
    return row;
  });
  out.push(textTable(header, cells));
  const notes = [...shape.notes, ...new Set(rows.flatMap((k) => k.notes))];
  if (rows.some((k) => k.fusedSharedExpert)) notes.push('E includes the shared expert that SGLang fuses into the routed experts');
  if (loaded.unconfirmed) {
    notes.push(`catalog entry not confirmed against the real config.json: ${loaded.unconfirmed.join(', ')}; pass the real config.json to be sure`);
  }
  if (notes.length > 0) {
    out.push('');
    for (const n of notes) out.push(`note: ${n}`);
  }
  // Library text names its parameters in backquotes (`experts`): shown as the flags that set them.
  return inFlags(`${out.join('\n')}\n`);
}

async function runShapes(model: string, opts: ShapesOptions, io: CliIo): Promise<void> {
  const engine = engineOption(opts.engine);
  const dtype = oneOf('--dtype', opts.dtype, DTYPE_OPTIONS, 'dtype');
  const tps = [...new Set(positiveIntList('--tp', opts.tp, '1,2,4,8'))];
  const ep = positiveInt('--ep', opts.ep, '1');
  const overrides: MoeShapeOverrides = {};
  if (opts.experts !== undefined) overrides.experts = positiveInt('--experts', opts.experts, '64', MAX_SHAPE_DIMENSION);
  if (opts.topk !== undefined) overrides.topk = positiveInt('--topk', opts.topk, '8', MAX_SHAPE_DIMENSION);
  if (opts.intermediate !== undefined) overrides.intermediate = positiveInt('--intermediate', opts.intermediate, '1408', MAX_SHAPE_DIMENSION);
  nonEmpty('--revision', opts.revision, 'pass a branch, tag or commit hash, or leave --revision out');
  nonEmpty('--device-name', opts.deviceName, 'pass the name as the GPU reports it, e.g. --device-name "NVIDIA H100 80GB HBM3"');

  const loaded = await loadModelConfig(model, {
    env: io.env,
    cwd: io.cwd,
    ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
  });
  const shape = resolveMoeShape(loaded.config, overrides, { label: model });
  const rawDevice = opts.deviceName ?? (await localDeviceName());
  const rows = tps.map((tp) => kernelShapes(shape, { tp, ep, engine, dtype, deviceName: rawDevice }));

  if (opts.json) {
    io.stdout(`${JSON.stringify(rows.map(jsonRow), null, 2)}\n`);
    if (loaded.unconfirmed) {
      io.stderr(`moe: note: catalog entry ${model} not confirmed against the real config.json: ${loaded.unconfirmed.join(', ')}\n`);
    }
  } else io.stdout(humanReport(model, loaded, shape, rows, engine, rawDevice));
}

/** `moe shapes <model>`: a MoE model's kernel shapes and engine config file names per tp. */
export const shapesCommand: CommandModule = (program, io) => {
  program
    .command('shapes')
    .description("a MoE model's fused-MoE kernel shapes (E, N, K, top-k, dtype) and the config file names an engine looks for, per tp")
    .argument('<model>', 'a config.json, a model folder, a Hugging Face model id (org/name) or a catalog name')
    .option('--tp <list>', 'tensor-parallel sizes, comma-separated', '1')
    .option('--ep <n>', 'expert-parallel size (divides every tp)', '1')
    .option('--engine <engine>', `engine whose file names to give: ${ENGINES.join(' | ')}`, 'sglang')
    .option('--dtype <dtype>', `kernel dtype: ${DTYPE_OPTIONS.join(' | ')} (auto reads quantization_config)`, 'auto')
    .option('--device-name <name>', 'GPU name as the driver reports it (default: the local GPU)')
    .option('--revision <rev>', 'Hugging Face revision (branch, tag or commit)')
    .option('--experts <n>', 'override the routed expert count')
    .option('--topk <n>', 'override top-k')
    .option('--intermediate <n>', 'override the width of one expert')
    .option('--json', 'print a JSON array, one object per tp')
    .action(flagged((model: string, opts: ShapesOptions) => runShapes(model, opts, io)));
};
