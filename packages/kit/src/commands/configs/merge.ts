import { mergeConfigs } from '@moe/config-store';
import type { Command } from 'commander';
import type { CliIo } from '../../io';
import { engineOption, flagged, oneOf, required, resolvePath } from '../../options';

interface MergeCliOptions {
  output?: string;
  prefer?: string;
  engine?: string;
  json?: boolean;
}

function runMerge(inputs: string[], opts: MergeCliOptions, io: CliIo): void {
  const output = required('-o <dir>', opts.output, 'pass the folder to write the merged files to');
  const prefer = opts.prefer !== undefined ? oneOf('--prefer', opts.prefer, ['first', 'last'] as const, 'choice') : null;
  const report = mergeConfigs(
    inputs.map((i) => resolvePath(io, i)),
    { out: resolvePath(io, output), prefer, engine: opts.engine !== undefined ? engineOption(opts.engine) : null },
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

/** `moe configs merge`: @moe/config-store's mergeConfigs(), printed. */
export function registerMerge(configs: Command, io: CliIo): void {
  configs
    .command('merge')
    .description('merge config folders (e.g. tuning shards): per file and batch key the faster measured entry; disagreements need --prefer')
    .argument('<inputs...>', 'folders of config files, packs or tuning outputs')
    .option('-o, --output <dir>', 'folder to write the merged files and provenance.json to')
    .option('--prefer <which>', 'first | last: which input wins a disagreement without measurements')
    .option('--engine <engine>', 'sglang | vllm: format to write (default from the layout)')
    .option('--json', 'print {"out", "inputs", "files"}')
    .action(flagged((inputs: string[], opts: MergeCliOptions) => runMerge(inputs, opts, io)));
}
