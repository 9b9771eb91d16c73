/** The installed engine's fused-MoE kernel as a compile worker found it (PROTOCOL.md "hello"). */
export interface EngineKernelInfo {
  /** 'sglang' or 'vllm'. */
  readonly engine: EngineName;
  /** The installed distribution's version (importlib.metadata), e.g. '0.5.16'. */
  readonly version: string;
  /** The kernel module, e.g. 'sglang.kernels.ops.moe.fused_moe_triton_kernels'. */
  readonly module: string;
  /** The module's file in that environment. */
  readonly path: string;
  /** sha256 of the module file's bytes: part of every cache key and result record. */
  readonly sourceSha256: string;
  /** The JITFunction's name: 'fused_moe_kernel'. */
  readonly kernel: string;
  /** The engine's Python launch function that MoE Kit's binding mirrors and the self-check runs. */
  readonly launchFunction: string;
  /** The kernel's parameters in order, with their tl.constexpr marks. */
  readonly params: readonly { readonly name: string; readonly constexpr: boolean }[];
}

export type EngineName = 'sglang' | 'vllm';

/** Which kernel a measurement ran: the installed engine's own, or MoE Kit's stand-in. */
export type KernelSource =
  | { readonly kind: 'engine'; readonly engine: EngineName; readonly version: string; readonly module: string; readonly path: string; readonly sourceSha256: string }
  | { readonly kind: 'moe-kit'; readonly sourceSha256: string };

/** One line naming a kernel source, for terminals and manifests. */
export function describeKernelSource(s: KernelSource): string {
  if (s.kind === 'engine') return `${s.engine} ${s.version} fused_moe_kernel (${s.path}, sha256 ${s.sourceSha256.slice(0, 12)})`;
  return `MoE Kit's own kernel (stand-in for the engine's; sha256 ${s.sourceSha256.slice(0, 12)})`;
}

export function engineKernelSource(info: EngineKernelInfo): KernelSource {
  return { kind: 'engine', engine: info.engine, version: info.version, module: info.module, path: info.path, sourceSha256: info.sourceSha256 };
}

/** The hello's `engine` object as typed info, or null when absent or malformed. */
export function parseEngineInfo(raw: unknown): EngineKernelInfo | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const str = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : null);
  const engine = str('engine');
  if (engine !== 'sglang' && engine !== 'vllm') return null;
  const fields = ['version', 'module', 'path', 'source_sha256', 'kernel', 'launch_function'].map(str);
  if (fields.some((f) => f === null) || !Array.isArray(r.params)) return null;
  const params: { name: string; constexpr: boolean }[] = [];
  for (const p of r.params as unknown[]) {
    const q = p as Record<string, unknown> | null;
    if (typeof q !== 'object' || q === null || typeof q.name !== 'string' || typeof q.constexpr !== 'boolean') return null;
    params.push({ name: q.name, constexpr: q.constexpr });
  }
  const [version, module, path, sourceSha256, kernel, launchFunction] = fields as string[];
  return { engine, version: version!, module: module!, path: path!, sourceSha256: sourceSha256!, kernel: kernel!, launchFunction: launchFunction!, params };
}
