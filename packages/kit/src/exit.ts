/**
 * Exit codes of the `moe` command.
 * 0: success. 1: the command ran and found problems (doctor errors, failed checks).
 * 2: bad input (arguments, files, models): the message names the input and the fix.
 * 3: an internal error (a bug): rerun with --debug and report the stack trace.
 */
export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3 } as const;

/**
 * A command sets this to end with a given exit code without an error message
 * (for example doctor: 1 when it found errors).
 */
export class ExitCode extends Error {
  readonly code = 'MOE_EXIT';
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'ExitCode';
  }
}

/** Errors every package throws for bad input carry a stable string `code` starting with MOE_. */
export function isUserError(err: unknown): err is Error & { code: string } {
  if (!(err instanceof Error)) return false;
  const code: unknown = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('MOE_');
}
