// The compile cache's entry file (`<key>.json`, PROTOCOL.md "Cache"): what is written, and the
// check of what is read back. An entry is trusted only when every field the pool and the runner
// use has its type; anything else (a torn or truncated file, garbage, another schema, another
// key, a hand-edited field) is stale: the cache answers a miss and the next put rewrites it.
import { CACHE_SCHEMA } from './cache-key';
import type { CompileFailure, CompileSuccess, KernelParam, Specialization } from './types';

export type SuccessEntry = Omit<CompileSuccess, 'binary' | 'binaryPath' | 'fromCache' | 'cacheKey'> & {
  schema: number;
  key: string;
  binaryFile: string;
  binarySha256: string;
};
export type FailureEntry = Omit<CompileFailure, 'fromCache' | 'cacheKey'> & { schema: number; key: string };
export type CacheEntry = SuccessEntry | FailureEntry;

/** Failure kinds worth remembering: the same inputs fail the same way. */
export const CACHED_FAILURE_KINDS: ReadonlySet<CompileFailure['kind']> = new Set(['out_of_resources', 'compile_error']);

/** The binary's file name in the key's folder: the key and the first 16 hex digits of its sha256. */
export function binaryFileName(key: string, sha256: string, format: CompileSuccess['binaryFormat']): string {
  return `${key}-${sha256.slice(0, 16)}.${format}`;
}

const SHA256 = /^[0-9a-f]{64}$/;
const PARAM_TYPES: ReadonlySet<unknown> = new Set<KernelParam['type']>(['ptr', 'i32', 'i64', 'u64', 'f32']);
const SPECIALIZATIONS: ReadonlySet<unknown> = new Set<Specialization>(['div16', 'one', 'none']);

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function paramProblem(p: unknown, i: number): string | null {
  if (!isObject(p)) return `params[${i}] is not an object`;
  if (typeof p.name !== 'string' || typeof p.tritonType !== 'string') return `params[${i}] has no name or tritonType`;
  if (!PARAM_TYPES.has(p.type)) return `params[${i}].type is ${JSON.stringify(p.type)}`;
  if (!SPECIALIZATIONS.has(p.specialization)) return `params[${i}].specialization is ${JSON.stringify(p.specialization)}`;
  return null;
}

function successProblem(e: Fields, key: string): string | null {
  if (typeof e.kernel !== 'string') return 'no kernel';
  if (e.binaryFormat !== 'cubin' && e.binaryFormat !== 'hsaco') return `binaryFormat is ${JSON.stringify(e.binaryFormat)}`;
  if (typeof e.binarySha256 !== 'string' || !SHA256.test(e.binarySha256)) return 'no binarySha256';
  // Only the name put() gives it: never a path elsewhere, never another key's binary.
  if (e.binaryFile !== binaryFileName(key, e.binarySha256, e.binaryFormat)) return `binaryFile ${JSON.stringify(e.binaryFile)} is not this entry's name`;
  const m = e.metadata;
  if (!isObject(m) || typeof m.name !== 'string' || !isCount(m.shared)) return 'metadata without name or shared';
  if (!Array.isArray(e.params)) return 'no params';
  for (const [i, p] of e.params.entries()) {
    const wrong = paramProblem(p, i);
    if (wrong) return wrong;
  }
  const s = e.specialization;
  if (!isObject(s) || !Object.values(s).every((v) => SPECIALIZATIONS.has(v))) return 'no specialization';
  if (!isCount(e.compileSeconds)) return 'no compileSeconds';
  return null;
}

function failureProblem(e: Fields): string | null {
  if (typeof e.kernel !== 'string') return 'no kernel';
  if (!CACHED_FAILURE_KINDS.has(e.kind as CompileFailure['kind'])) return `failure kind ${JSON.stringify(e.kind)} is never cached`;
  if (e.transient !== undefined) return 'a transient failure is never cached';
  if (typeof e.message !== 'string') return 'no message';
  for (const f of ['required', 'limit'] as const) if (e[f] !== undefined && !isCount(e[f])) return `${f} is not a count`;
  if (e.resource !== undefined && typeof e.resource !== 'string') return 'resource is not a string';
  return null;
}

/** The entry in `text` for `key`, or why it can't be trusted. */
export function parseCacheEntry(text: string, key: string): { entry: CacheEntry } | { stale: string } {
  let e: unknown;
  try {
    e = JSON.parse(text);
  } catch {
    return { stale: 'the entry is not JSON (torn, truncated or garbage)' };
  }
  if (!isObject(e)) return { stale: 'the entry is not a JSON object' };
  if (e.schema !== CACHE_SCHEMA) return { stale: `the entry is of schema ${JSON.stringify(e.schema)}, not ${CACHE_SCHEMA}` };
  if (e.key !== key) return { stale: "the entry is another key's" };
  const wrong = e.ok === true ? successProblem(e, key) : e.ok === false ? failureProblem(e) : 'no ok';
  return wrong ? { stale: `the entry is malformed: ${wrong}` } : { entry: e as unknown as CacheEntry };
}
