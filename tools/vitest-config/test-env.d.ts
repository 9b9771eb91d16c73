/** Whether a python3 runs here: the tests that ask a real interpreter run only then. */
export declare const hasPython: boolean;
