import { doctor, type DoctorReport, type Finding } from '@moe/config-store';
import type { Command } from 'commander';
import { EXIT, ExitCode } from '../../exit';
import type { CliIo } from '../../io';
import { engineOption, flagged, resolvePath, tritonOption } from '../../options';

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

/** `moe configs doctor`: @moe/config-store's doctor(), printed; exit 1 on errors. */
export function registerDoctor(configs: Command, io: CliIo): void {
  configs
    .command('doctor')
    .description('every problem that makes a config file useless or risky for the engine reading the folder (exit 1 on errors)')
    .argument('<dir>', 'the folder to check (a config tree, an engine package or site-packages)')
    .option('--engine <engine>', 'sglang | vllm | auto', 'auto')
    .option('--triton <version>', 'SGLang: the running Triton version, for exact shadowing findings')
    .option('--json', 'print {"findings": [...]}')
    .action(flagged((dir: string, opts: DoctorCliOptions) => runDoctor(dir, opts, io)));
}
