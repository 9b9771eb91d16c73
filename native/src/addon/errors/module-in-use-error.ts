/** Module.unload() while graphs captured from its kernels are alive: they would run unloaded code. */
export class ModuleInUseError extends Error {
  readonly code = 'MOE_MODULE_IN_USE';

  constructor(
    readonly operation: string,
    /** Live graphs holding a launch of the module's kernels. */
    readonly liveGraphs: number,
  ) {
    super(
      `${operation}: ${liveGraphs} graph(s) captured from the module's kernels are still alive and would run unloaded code; destroy() those graphs first, then unload()`,
    );
    this.name = 'ModuleInUseError';
  }
}
