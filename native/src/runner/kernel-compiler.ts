import type { CompileRequest, CompileResult } from '../compile/types';
import type { EngineKernelInfo } from '../engine/engine-info';

/** What the runner needs from the compile service: one request in, one result out (cached or not). */
export interface KernelCompiler {
  compile(request: CompileRequest): Promise<CompileResult>;
  /** The installed engine's kernel this service compiles as 'engine_fused_moe' (null/absent: none). */
  readonly engine?: EngineKernelInfo | null;
  /**
   * Runs a request of the engine in the engine's own Python (PROTOCOL.md "engine_check" and
   * "engine_time"): only where `engine` is set.
   */
  engineRequest?(type: 'engine_check' | 'engine_time', message: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>;
}
