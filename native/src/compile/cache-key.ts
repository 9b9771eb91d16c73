import { createHash } from 'node:crypto';
import type { ResolvedRequest } from './resolve-request';

/** Bump when the cache entry format or the meaning of a key input changes. */
export const CACHE_SCHEMA = 1;

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not JSON`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface CacheKeyContext {
  /** sha256 of the kernels' Python sources (kernelSourceHash()). */
  sourceHash: string;
  /** Triton's version as the worker reports it. */
  tritonVersion: string;
}

/**
 * The content address of one compile: sha256 over the resolved request (every default written
 * out), the kernel sources' hash and the Triton version. See PROTOCOL.md "Cache".
 */
export function cacheKey(request: ResolvedRequest, context: CacheKeyContext): string {
  const material = {
    schema: CACHE_SCHEMA,
    kernel: request.kernel,
    source: context.sourceHash,
    triton: context.tritonVersion,
    target: request.target,
    num_warps: request.num_warps,
    num_stages: request.num_stages,
    options: request.options,
    constexprs: request.constexprs,
    types: request.types,
    specialization: request.specialization,
  };
  return createHash('sha256').update(canonicalJson(material)).digest('hex');
}
