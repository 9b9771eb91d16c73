/** How bad a problem is. error: the engine cannot load the file, breaks at run time, or never reads it. */
export type Severity = 'error' | 'warning' | 'info';

/** One problem with a config file or tree, as doctor reports it. */
export interface Finding {
  /** Path relative to the folder doctor was given ("." for the folder itself). */
  file: string;
  severity: Severity;
  /** Stable identifier, e.g. "unknown-dtype". */
  code: string;
  message: string;
  fix: string;
}

/** A finding before it is attached to a file. */
export type Issue = Omit<Finding, 'file'>;

export function issue(severity: Severity, code: string, message: string, fix: string): Issue {
  return { severity, code, message, fix };
}
