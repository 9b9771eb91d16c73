import { buildPack } from '@moe/config-store';
import type { Command } from 'commander';
import type { CliIo } from '../../io';
import { flagged, required, resolvePath, tritonOption } from '../../options';

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
  const name = required('--name', opts.name, 'pass the GPU the pack is for, e.g. --name h100 (the package becomes @moe/configs-h100)');
  const output = required('-o <dir>', opts.output, 'pass the folder to write the pack to');
  const built = buildPack(resolvePath(io, dir), {
    name,
    out: resolvePath(io, output),
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

/** `moe configs pack`: @moe/config-store's buildPack(), printed. */
export function registerPack(configs: Command, io: CliIo): void {
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
    .action(flagged((dir: string, opts: PackCliOptions) => runPack(dir, opts, io)));
}
