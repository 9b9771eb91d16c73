/**
 * The machine refused a write: a folder or file that cannot be written (EACCES, EPERM: permissions
 * or an immutable file), a read-only file system (EROFS), a full disk or quota (ENOSPC, EDQUOT),
 * an I/O error (EIO). Not bad input and not a bug: the `moe` command exits 4. The message names
 * the path, the system's error and the fix, and says what was rolled back; `errno` is the code.
 */
export class WriteFailedError extends Error {
  readonly code = 'MOE_WRITE_FAILED' as const;
  /** A failure of the machine (disk, permissions), not of the input: the `moe` command exits 4. */
  readonly kind = 'machine' as const;
  constructor(
    message: string,
    readonly errno: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WriteFailedError';
  }
}
