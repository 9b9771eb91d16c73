import { Command, CommanderError } from 'commander';
import { commandModules } from './commands/index';
import { EXIT, ExitCode, isUserError } from './exit';
import { type CliIo, processIo } from './io';
import { VERSION } from './version';

/** Builds the `moe` program. Commands write through `io`, so tests run them in-process. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('moe')
    .description('MoE Kit: fused-MoE kernel shapes, config files, GPUs and tuning')
    .version(VERSION, '-V, --version')
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
    });
  for (const register of commandModules) register(program, io);
  return program;
}

/** Runs the CLI and returns the exit code (it never calls process.exit). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const debug = argv.includes('--debug');
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ExitCode) return err.exitCode;
    if (err instanceof CommanderError) {
      // Help and version end with exit code 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (isUserError(err)) {
      io.stderr(`moe: ${err.message}\n`);
      if (debug && err.stack) io.stderr(`${err.stack}\n`);
      return EXIT.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`moe: internal error: ${message}\n`);
    if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    else io.stderr('moe: rerun with --debug for the stack trace, and report it as a bug\n');
    return EXIT.internal;
  }
}
