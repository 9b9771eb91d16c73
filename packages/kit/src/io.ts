/** Where a command reads and writes: the real process by default, buffers in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** stderr is a terminal: progress bars may be drawn there (processIo only). */
  stderrIsTTY?: boolean;
  /** The command may listen to the process's signals (Ctrl-C): processIo only, never in-process tests. */
  attachSignals?: boolean;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    stderrIsTTY: process.stderr.isTTY === true,
    attachSignals: true,
  };
}

/** Collects output in memory: `const io = memoryIo(); await main(argv, io); io.out`. */
export function memoryIo(env: NodeJS.ProcessEnv = {}, cwd = process.cwd()): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    env,
    cwd,
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
  };
  return io;
}
