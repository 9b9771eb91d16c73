import { Command, CommanderError } from 'commander';
import { commandModules } from './commands/index';
import { EXIT, ExitCode, errorKind } from './exit';
import { type CliIo, processIo } from './io';
import { VERSION } from './version';

/** Builds the `moe` program. Commands write through `io`, so tests run them in-process. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('moe')
    .description('MoE Kit: fused-MoE kernel shapes, config files, GPUs, tuning and benchmarks')
    .version(VERSION, '-V, --version')
    .option('--debug', 'print stack traces of errors')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
    });
  for (const register of commandModules) register(program, io);
  oneLineErrors(program, 'moe');
  return program;
}

/** Runs the CLI and returns the exit code (it never calls process.exit). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const debug = argv.includes('--debug');
  const program = buildProgram(io);
  // No path or value can hold a NUL byte (the system would refuse it deep inside a command).
  const nul = argv.findIndex((a) => a.includes('\0'));
  if (nul >= 0) {
    io.stderr(`moe: argument ${nul + 1} (${JSON.stringify(argv[nul])}) contains a NUL byte, which no path or value can hold; remove it\n`);
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ExitCode) return err.exitCode;
    if (err instanceof CommanderError) {
      // Help and version end with exit code 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const kind = errorKind(err);
    if (kind === 'bad-input' || kind === 'machine') {
      const e = err as Error;
      io.stderr(`moe: ${kind === 'machine' && !(e as { kind?: unknown }).kind ? systemMessage(e as NodeJS.ErrnoException) : e.message}\n`);
      if (debug && e.stack) io.stderr(`${e.stack}\n`);
      return kind === 'machine' ? EXIT.machine : EXIT.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`moe: internal error: ${message}\n`);
    if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    else io.stderr('moe: rerun with --debug for the stack trace, and report it as a bug\n');
    return EXIT.internal;
  }
}

/** A system error no command wrapped: what the system refused, on which path, and what to check. */
function systemMessage(err: NodeJS.ErrnoException): string {
  const on = err.path ? ` ${err.path}` : '';
  return `the system refused ${err.syscall ?? 'an operation'}${on} (${err.code}); check the permissions of that path and the disk (space, read-only mounts), then run again`;
}

/** The argument parser's errors as one line like every other: "moe: unknown option '--x'; see moe configs doctor --help". */
function oneLineErrors(cmd: Command, name: string): void {
  cmd.configureOutput({ outputError: (s, write) => write(`${s.trimEnd().replace(/^error: /, 'moe: ')}; see ${name} --help\n`) });
  for (const sub of cmd.commands) oneLineErrors(sub, `${name} ${sub.name()}`);
}
