import { lookup, type LookupEntry, type LookupResult } from '@moe/config-store';
import { kernelShapes, loadModelConfig, resolveMoeShape, type DtypeOption } from '@moe/model-shapes';
import type { Command } from 'commander';
import { UsageError } from '../../errors/usage-error';
import type { CliIo } from '../../io';
import { localDeviceName } from '../../local-device';
import { engineOption, flagged, inFlags, oneOf, positiveInt, positiveIntList, tritonOption } from '../../options';
import { textTable } from '../../text-table';
import { configCells } from './config-cells';

/** The batch sizes both engines' tuners measure (ENGINES.md): lookup's default --m. */
export const TUNER_BATCH_SIZES = [1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024, 1536, 2048, 3072, 4096];

const NAME_DTYPES = ['auto', 'bf16', 'fp16', 'fp8_w8a8', 'int8_w8a8', 'int8_w8a16', 'int4_w4a16', 'fp8_w8a16', 'float32'] as const;
/** The dtypes a model can run with (fp8_w8a16 and float32 exist only as names). */
const MODEL_DTYPES = ['auto', 'bf16', 'fp16', 'fp8_w8a8', 'int8_w8a8', 'int8_w8a16', 'int4_w4a16'] as const;

interface LookupCliOptions {
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

/** One --json row of `moe configs lookup`: exactly these keys of a lookup entry. */
export type LookupJsonRow = Pick<LookupEntry, 'm' | 'source' | 'file' | 'key' | 'config'>;

type LookupKey = { E: number; N: number; deviceName: string; dtype: string | null; blockShape: [number, number] | null; perChannelQuant: boolean };

/** The key from --model/--tp (the model's shape) or from --E/--N and the name flags, and the model's top-k. */
async function keyFromFlags(opts: LookupCliOptions, engine: 'sglang' | 'vllm', deviceName: string, io: CliIo): Promise<{ key: LookupKey; topk: number | undefined }> {
  const dtypeFlag = oneOf('--dtype', opts.dtype, NAME_DTYPES, 'dtype');
  const byModel = opts.model !== undefined;
  const byShape = opts.E !== undefined || opts.N !== undefined;
  if (byModel === byShape) throw new UsageError('pass either --model <m> --tp <n> or --E <e> --N <n> (exactly one of the two)');
  const topk = opts.topk !== undefined ? positiveInt('--topk', opts.topk, '8') : undefined;
  if (byModel) {
    if (opts.tp === undefined) throw new UsageError('--tp missing; pass the tensor-parallel size with --model, e.g. --tp 8');
    const tp = positiveInt('--tp', opts.tp, '8');
    const ep = opts.ep !== undefined ? positiveInt('--ep', opts.ep, '1') : 1;
    if (!(MODEL_DTYPES as readonly string[]).includes(dtypeFlag)) {
      throw new UsageError(`--dtype ${dtypeFlag} with --model: pass auto or a model dtype (${MODEL_DTYPES.slice(1).join(', ')})`);
    }
    const loaded = await loadModelConfig(opts.model as string, { env: io.env, cwd: io.cwd, ...(opts.revision !== undefined ? { revision: opts.revision } : {}) });
    const shape = resolveMoeShape(loaded.config, {}, { label: opts.model as string });
    const k = kernelShapes(shape, { tp, ep, engine, dtype: dtypeFlag as DtypeOption, deviceName });
    return { key: { E: k.localExperts, N: k.fileN, deviceName, dtype: k.dtype, blockShape: k.blockShape, perChannelQuant: k.perChannelQuant }, topk: topk ?? k.topk };
  }
  let blockShape: [number, number] | null = null;
  if (opts.blockShape !== undefined) {
    const b = positiveIntList('--block-shape', opts.blockShape, '128,128');
    if (b.length !== 2) throw new UsageError(`--block-shape ${opts.blockShape}: give two numbers, e.g. --block-shape 128,128`);
    blockShape = [b[0] as number, b[1] as number];
  }
  return {
    key: {
      E: positiveInt('--E', opts.E, '64'),
      N: positiveInt('--N', opts.N, '1792'),
      deviceName,
      dtype: dtypeFlag === 'auto' || dtypeFlag === 'bf16' || dtypeFlag === 'fp16' ? null : dtypeFlag,
      blockShape,
      perChannelQuant: opts.perChannelQuant === true,
    },
    topk,
  };
}

async function runLookup(opts: LookupCliOptions, io: CliIo): Promise<void> {
  const engine = engineOption(opts.engine);
  const ms = opts.m !== undefined ? positiveIntList('--m', opts.m, '1,37,4096') : TUNER_BATCH_SIZES;
  const deviceName = opts.deviceName ?? (await localDeviceName());
  if (deviceName === null || deviceName.trim() === '') {
    throw new UsageError('--device-name missing and no local GPU found; pass the GPU name as the driver reports it, e.g. --device-name "NVIDIA H100 80GB HBM3"');
  }
  if (!opts.packs && opts.dir === undefined && opts.python === undefined) {
    throw new UsageError('--dir missing; pass the folder the engine reads (SGLang: the one holding configs/triton_X_Y_Z/; vLLM: the flat config folder), --python <interpreter> or --packs');
  }
  const { key, topk } = await keyFromFlags(opts, engine, deviceName, io);
  const report = await lookup({
    engine,
    ...(opts.dir !== undefined ? { dir: opts.dir } : {}),
    ...(opts.python !== undefined ? { python: opts.python } : {}),
    ...(opts.packs ? { packs: true } : {}),
    key,
    ms,
    tritonVersion: tritonOption(opts.triton),
    down: opts.down === true,
    ...(opts.groupSize !== undefined ? { groupSize: positiveInt('--group-size', opts.groupSize, '128') } : {}),
    ...(topk !== undefined ? { topk } : {}),
    env: io.env,
    cwd: io.cwd,
  });
  for (const p of report.skippedPacks) io.stderr(`moe: note: skipping pack ${p.dir}: ${inFlags(p.message)}\n`);
  if (opts.json) {
    const rows: LookupJsonRow[] = report.results.map((r) => ({ m: r.m, source: r.source, file: r.file, key: r.key, config: r.config }));
    io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  io.stdout(lookupText(report));
}

function lookupText(report: LookupResult): string {
  const out: string[] = [];
  const Eng = report.engine === 'sglang' ? 'SGLang' : 'vLLM';
  const layout = report.packageLayout ? ` (${report.packageLayout === 'new' ? 'April 2026+' : 'pre-April-2026'} package layout)` : '';
  out.push(`${Eng} reading ${report.where}${layout}${report.tritonVersion ? `, Triton ${report.tritonVersion}` : ''}`);
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
    for (const n of report.notes) out.push(`note: ${inFlags(n)}`);
  }
  return `${out.join('\n')}\n`;
}

/** `moe configs lookup`: @moe/config-store's lookup(), printed. */
export function registerLookup(configs: Command, io: CliIo): void {
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
    .option('--m <list>', "batch sizes, comma-separated (default: the tuners' 1..4096)")
    .option('--down', 'SGLang: the down GEMM (its _down file, or the up config)')
    .option('--group-size <n>', 'vLLM int4/int8 w*a16: quantization group size (default rule)')
    .option('--topk <n>', 'vLLM int4 default rule: top-k (taken from --model)')
    .option('--packs', 'search the config packs installed in node_modules/@moe/configs-* instead of --dir')
    .option('--json', 'print a JSON array, one object per M')
    .action(flagged((opts: LookupCliOptions) => runLookup(opts, io)));
}
