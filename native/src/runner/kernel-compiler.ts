import type { CompileRequest, CompileResult } from '../compile/types';

/** What the runner needs from the compile service: one request in, one result out (cached or not). */
export interface KernelCompiler {
  compile(request: CompileRequest): Promise<CompileResult>;
}
