/** The interpreter for the compile workers (options.python, MOE_PYTHON or python3) could not be started. */
export class PythonNotFoundError extends Error {
  readonly code = 'MOE_PYTHON_NOT_FOUND';
  constructor(message: string) {
    super(message);
    this.name = 'PythonNotFoundError';
  }
}
