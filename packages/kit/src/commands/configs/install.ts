import { install, type InstallReport } from '@moe/config-store';
import type { Command } from 'commander';
import { EXIT, ExitCode } from '../../exit';
import type { CliIo } from '../../io';
import { engineOption, flagged, inFlags, tritonOption } from '../../options';
import { showConfig } from './config-cells';

interface InstallCliOptions {
  engine?: string;
  into?: string;
  python?: string;
  triton?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
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
  const report = await install(sources, {
    engine: engineOption(opts.engine),
    ...(opts.into !== undefined ? { into: opts.into } : {}),
    ...(opts.python !== undefined ? { python: opts.python } : {}),
    tritonVersion: tritonOption(opts.triton),
    dryRun: opts.dryRun === true,
    force: opts.force === true,
    env: io.env,
    cwd: io.cwd,
  });
  for (const n of report.notes) io.stderr(`moe: note: ${inFlags(n)}\n`);
  if (opts.json) io.stdout(`${JSON.stringify({ actions: report.actions, findings: report.findings }, null, 2)}\n`);
  else io.stdout(installText(report, opts.dryRun === true));
  if (report.blocked || report.findings.some((f) => f.severity === 'error')) throw new ExitCode(EXIT.findings);
}

/** `moe configs install`: @moe/config-store's install(), printed; exit 1 on conflicts or doctor errors. */
export function registerInstall(configs: Command, io: CliIo): void {
  configs
    .command('install')
    .description('copy config files to where an engine version reads them, renaming between engine spellings (atomic, never overwrites a different file without --force)')
    .argument('<sources...>', 'config files, folders of them, or a pack folder')
    .option('--engine <engine>', 'sglang | vllm')
    .option('--into <dir>', 'a config tree, an engine package folder or site-packages')
    .option('--python <interpreter>', 'install into the engine of this Python environment')
    .option('--triton <version>', "SGLang: the triton_X_Y_Z folder to install into (default: the source folder's version, else the installed Triton)")
    .option('--dry-run', 'show what would be written')
    .option('--force', 'overwrite existing files that differ')
    .option('--json', 'print {"actions": [...], "findings": [...]}')
    .action(flagged((sources: string[], opts: InstallCliOptions) => runInstall(sources, opts, io)));
}
