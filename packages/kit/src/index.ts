export { main, buildProgram } from './main';
export { type CliIo, processIo, memoryIo } from './io';
export type { ErrorKind } from './exit';
export { EXIT, ExitCode, errorKind, isUserError } from './exit';
