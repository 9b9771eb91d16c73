export { main, buildProgram } from './main';
export { type CliIo, processIo, memoryIo } from './io';
export { EXIT, ExitCode, isUserError } from './exit';
