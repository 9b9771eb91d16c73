/**
 * Exit codes of the `moe` command.
 * 0: success. 1: the command ran and found problems (doctor errors, failed checks).
 * 2: bad input (arguments, files, models): the message names the input and the fix.
 * 3: an internal error (a bug): rerun with --debug and report the stack trace.
 * 4: the machine refused (a folder that cannot be written, a read-only or full disk, an I/O
 *    error; later the GPU or its driver): the message names the path, the system's error and
 *    the fix, and what was rolled back.
 */
export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3, machine: 4 } as const;

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

/** What an error is: bad input (exit 2), a refusal of the machine (exit 4) or a bug (exit 3). */
export type ErrorKind = 'bad-input' | 'machine' | 'bug';

/** System error codes that mean the machine refused (permissions, read-only or full disk, I/O), not a bug. */
const MACHINE_ERRNOS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EIO', 'EFBIG', 'EMFILE', 'ENFILE', 'EBUSY', 'ETXTBSY']);

/**
 * The kind of an error, from what it declares: every error class of the packages has a `kind`
 * ('bad-input' or 'machine'). A system error (EACCES, ENOSPC, ...) that reached the top
 * unwrapped is the machine's. Anything else is a bug.
 */
export function errorKind(err: unknown): ErrorKind {
  if (!(err instanceof Error)) return 'bug';
  const { kind, code } = err as Error & { kind?: unknown; code?: unknown };
  if (kind === 'bad-input' || kind === 'machine') return kind;
  if (kind !== undefined) return 'bug';
  // A package error from before kinds (the classes all declare one now; a test checks it).
  if (typeof code === 'string' && code.startsWith('MOE_')) return 'bad-input';
  if (typeof code === 'string' && MACHINE_ERRNOS.has(code) && typeof (err as NodeJS.ErrnoException).syscall === 'string') return 'machine';
  return 'bug';
}

/** Errors every package throws for bad input: kind 'bad-input' (or, from before kinds, a MOE_ code). */
export function isUserError(err: unknown): err is Error & { code: string } {
  return errorKind(err) === 'bad-input';
}
