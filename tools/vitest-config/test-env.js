// Facts about the test machine that several packages' tests skip on.
import { spawnSync } from 'node:child_process';

/** Whether a python3 runs here: the tests that ask a real interpreter run only then. */
export const hasPython = spawnSync('python3', ['-c', 'print(1)']).status === 0;
