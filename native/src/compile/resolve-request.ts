import { InvalidCompileRequestError } from './errors/invalid-compile-request-error';
import { isKernelName, KERNEL_NAMES, KERNEL_SIGNATURES, type SignatureParam } from './kernel-signatures';
import type {
  BackendOptionValue,
  CompileRequest,
  CompileTarget,
  ConstexprValue,
  KernelName,
  Specialization,
} from './types';

/** A compile request with every default written out: what the cache key and the worker see. */
export interface ResolvedRequest {
  kernel: KernelName;
  /** All constexprs, including runtime params compiled in as constants. */
  constexprs: Record<string, ConstexprValue>;
  /** Triton types of the runtime params that stay runtime params (or become 'one'). */
  types: Record<string, string>;
  /** Every runtime param that is not in constexprs. */
  specialization: Record<string, Specialization>;
  num_warps: number;
  num_stages: number;
  target: CompileTarget;
  options: Record<string, BackendOptionValue>;
}

const SPECIALIZATIONS: readonly Specialization[] = ['div16', 'one', 'none'];

function fail(message: string): never {
  throw new InvalidCompileRequestError(message);
}

function checkTarget(target: CompileTarget | undefined): CompileTarget {
  if (!target || typeof target !== 'object') fail("compile request: target is missing; pass {backend: 'cuda', arch: 'sm_90', warpSize: 32}");
  const { backend, arch, warpSize } = target;
  if (backend === 'cuda') {
    if (!/^sm_\d+[a-z]?$/.test(arch)) fail(`compile request: target.arch '${arch}' is not an NVIDIA arch; use the device's arch such as 'sm_90'`);
  } else if (backend === 'hip') {
    if (!/^gfx[0-9a-f]+$/.test(arch)) fail(`compile request: target.arch '${arch}' is not an AMD arch; use the device's arch such as 'gfx942'`);
  } else {
    fail(`compile request: target.backend '${String(backend)}' must be 'cuda' or 'hip'`);
  }
  if (!Number.isInteger(warpSize) || (warpSize !== 32 && warpSize !== 64)) {
    fail(`compile request: target.warpSize ${String(warpSize)} must be 32 (NVIDIA) or 64 (AMD)`);
  }
  return { backend, arch, warpSize };
}

function positiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    fail(`compile request: ${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Validates a request against the kernel's signature and writes out every default. */
export function resolveRequest(request: CompileRequest, extraSignatures: Readonly<Record<string, readonly SignatureParam[]>> = {}): ResolvedRequest {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    fail(`compile request: ${request === null ? 'null' : Array.isArray(request) ? 'an array' : typeof request} is not a request; pass { kernel, constexprs, num_warps, num_stages, target }`);
  }
  const kernel = request.kernel;
  const extra = Object.prototype.hasOwnProperty.call(extraSignatures, String(kernel)) ? extraSignatures[String(kernel)] : undefined;
  if (!extra && !isKernelName(kernel)) {
    const engineHint = kernel === 'engine_fused_moe' ? " (the engine kernel needs a pool started with the engine option, in an interpreter where SGLang or vLLM is installed)" : '';
    fail(`compile request: unknown kernel '${String(kernel)}'${engineHint}; known kernels: ${[...KERNEL_NAMES, ...Object.keys(extraSignatures)].join(', ')}`);
  }
  const signature = extra ?? KERNEL_SIGNATURES[kernel as Exclude<KernelName, 'engine_fused_moe'>];
  const byName = new Map(signature.map((p) => [p.name, p]));
  const given = request.constexprs ?? {};
  const types = request.types ?? {};
  const spec = request.specialization ?? {};
  for (const [field, names] of [
    ['constexprs', given],
    ['types', types],
    ['specialization', spec],
  ] as const) {
    for (const name of Object.keys(names)) {
      if (!byName.has(name)) {
        fail(`compile request: ${field}.${name} is not a param of ${kernel}; its params are ${signature.map((p) => p.name).join(', ')}`);
      }
    }
  }

  const constexprs: Record<string, ConstexprValue> = {};
  const resolvedTypes: Record<string, string> = {};
  const resolvedSpec: Record<string, Specialization> = {};
  for (const param of signature) {
    const value = given[param.name];
    if (param.type === 'constexpr') {
      if (value === undefined) fail(`compile request: constexprs.${param.name} is missing (a tl.constexpr of ${kernel})`);
      if (types[param.name] !== undefined) fail(`compile request: types.${param.name}: ${param.name} is a constexpr of ${kernel}, it has no runtime type`);
      if (spec[param.name] !== undefined) fail(`compile request: specialization.${param.name}: ${param.name} is a constexpr of ${kernel}`);
      constexprs[param.name] = value;
      continue;
    }
    if (value !== undefined) {
      // A runtime param compiled in as a constant (null: an absent optional pointer).
      constexprs[param.name] = value;
      continue;
    }
    const type = types[param.name] ?? param.type;
    if (typeof type !== 'string' || type.length === 0) fail(`compile request: types.${param.name} must be a Triton type such as '*bf16'`);
    const isPointer = type.startsWith('*');
    const s = spec[param.name] ?? (isPointer ? 'div16' : 'none');
    if (!SPECIALIZATIONS.includes(s)) {
      fail(`compile request: specialization.${param.name} is '${String(s)}'; use 'div16', 'one' or 'none'`);
    }
    if (isPointer && s === 'one') fail(`compile request: specialization.${param.name}: a pointer cannot be 'one'; use 'div16' or 'none'`);
    resolvedTypes[param.name] = type;
    resolvedSpec[param.name] = s;
  }
  for (const [name, value] of Object.entries(given)) {
    const ok =
      value === null ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (typeof value === 'string' && /^tl\.[a-z0-9_]+$/.test(value));
    if (!ok) fail(`compile request: constexprs.${name} must be a number, a boolean, null or a Triton dtype like 'tl.bfloat16', got ${JSON.stringify(value)}`);
  }
  const options: Record<string, BackendOptionValue> = {};
  for (const [name, value] of Object.entries(request.options ?? {})) {
    if (name === 'num_warps' || name === 'num_stages') fail(`compile request: options.${name}: pass ${name} at the top level of the request`);
    if (!['number', 'boolean', 'string'].includes(typeof value)) fail(`compile request: options.${name} must be a number, boolean or string`);
    options[name] = value;
  }
  return {
    kernel,
    constexprs,
    types: resolvedTypes,
    specialization: resolvedSpec,
    num_warps: positiveInt('num_warps', request.num_warps),
    num_stages: positiveInt('num_stages', request.num_stages),
    target: checkTarget(request.target),
    options,
  };
}
