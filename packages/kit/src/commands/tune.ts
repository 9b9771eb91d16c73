import type { Command } from 'commander';
import type { CliIo } from '../io';
import { flagged } from '../options';
import type { CommandModule } from './command-module';
import { dryRun, gpuRun } from './tune/gpu-run';
import { DEFAULT_MODEL, planTune, type TuneFlags } from './tune/plan';
import { runSimulate, type SimulateFlags } from './tune/simulate';

export type { TuneJson } from './tune/simulate';

type Flags = TuneFlags & SimulateFlags & { jitter?: string };

/** The command that resumes this run: the same arguments plus --resume, quoted for a POSIX shell. */
function resumeCommand(cmd: Command): string {
  // The program's arguments as given (commander keeps them as rawArgs).
  const raw = ((cmd.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? []).filter((a) => a !== '--resume');
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['moe', ...raw.map(quote), '--resume'].join(' ');
}

async function runTune(model: string | undefined, flags: Flags, cmd: Command, io: CliIo): Promise<void> {
  if (flags.simulate !== undefined) {
    await runSimulate({ ...flags, simulate: flags.simulate }, io);
    return;
  }
  const plan = await planTune(model, flags, io);
  if (flags.dryRun) {
    await dryRun(plan, io, flags.json === true);
    return;
  }
  await gpuRun(plan, flags, io, resumeCommand(cmd));
}

/** `moe tune`: find the best configs of a model on the GPUs here (or plan it, or replay a table). */
export const tuneCommand: CommandModule = (program, io) => {
  program
    .command('tune')
    .description(`tune a model's fused-MoE configs on the GPUs here (up and down GEMM, per batch size) and write them as the engine reads them; --dry-run plans without a GPU, --simulate replays a measured table`)
    .argument('[model]', `a config.json, a model folder, a Hugging Face id or a catalog name (default ${DEFAULT_MODEL})`)
    .option('--tp <list>', 'tensor-parallel sizes, comma-separated (default 1)')
    .option('--ep <n>', 'expert-parallel size (default 1)')
    .option('--dtype <dtype>', 'kernel dtype: auto (from quantization_config), bf16, fp16, fp8_w8a8 (default auto)')
    .option('--engine <engine>', 'sglang, vllm or both: whose files to write (default sglang)')
    .option('--python <interpreter>', "the engine environment's python: its kernel is measured and --install writes there (default $MOE_PYTHON)")
    .option('--kernel <kernel>', "engine (the installed engine's own kernel) or moe-kit (MoE Kit's stand-in) (default: engine when --python has one)")
    .option('--batch-sizes <list>', 'batch sizes M, comma-separated (default the engines\' 18: 1,2,4,...,4096)')
    .option('--routing <routing>', 'uniform, zipf:<s> (skewed, e.g. zipf:1.2) or trace:<file> (default uniform)')
    .option('--strategy <name>', 'search strategy: auto, exhaustive or random (default auto)')
    .option('--budget <n>', 'configs measured per batch size (random: its sample; auto: on average)')
    .option('--seed <n>', 'seed of the inputs, routing, noise and random draws: 0 to 4294967295 (default 0)')
    .option('--gpus <list>', 'all, or GPU indices such as 0,1: one measure worker per GPU (default all)')
    .option('--compile-workers <n>', 'compile processes per GPU worker (default: the CPU cores over the GPUs, less one for the GPU workers)')
    .option('--timing <protocol>', "fast (replays near 300 µs of GPU time, 1 warm-up) or engine (the engines' tuners' 10 launches per graph, 5 warm-ups) (default fast)")
    .option('--shard <i/n>', 'run the i-th of n shards (1-based) of the batch sizes; default from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX with MOE_SHARD_COUNT')
    .option('--out <dir>', 'folder to write the configs, pack-input.json, tune-report.json and the journal to (default ./moe-configs, or ./moe-configs/shard-<i>-of-<n>)')
    .option('--install', 'install the files where the engine of --python reads them, then run doctor on that tree')
    .option('--resume', "continue the run whose journal is in --out (after a kill or Ctrl-C): nothing measured is measured again")
    .option('--dry-run', 'print the plan (shapes, files, targets, kernel, search space, time estimate) without a GPU')
    .option('--device-name <name>', 'the GPU to plan for in a dry run (default the local GPU, else NVIDIA H200)')
    .option('--simulate <table.json>', 'replay a measured table (no GPU): every config timed at every batch size')
    .option('--jitter <percent>', '--simulate: measurement noise in percent (0 to 20), shrinking as 1/sqrt(repeats) (default 0)')
    .option('--json', 'print JSON on stdout (progress, if any, goes to stderr)')
    .action(flagged((model: string | undefined, flags: Flags, cmd: Command) => runTune(model, flags, cmd, io)));
};
