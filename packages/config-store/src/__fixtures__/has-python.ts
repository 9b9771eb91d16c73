import { execFileSync } from 'node:child_process';

/** Whether a python3 runs here: the tests that ask a real interpreter run only then. */
export const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'print(1)']);
    return true;
  } catch {
    return false;
  }
})();
