export type * from './types';
export { CompilePool } from './compile-pool';
export { CompileCache, defaultCacheDir, MAX_ENTRY_BYTES, MAX_BINARY_BYTES, type CacheRead } from './compile-cache';
export { cacheKey, canonicalJson, CACHE_SCHEMA } from './cache-key';
export { resolveRequest, type ResolvedRequest } from './resolve-request';
export { KERNEL_SIGNATURES, KERNEL_NAMES, type SignatureParam } from './kernel-signatures';
export { findKernelsDir, kernelSourceHash, KERNELS_PACKAGE } from './kernels-dir';
export {
  specializationFor,
  gemmCompileRequest,
  gemmGrid,
  alignPlan,
  alignCompileRequests,
  siluAndMulRequest,
  moeSumRequest,
  fp8QuantRequest,
  ALIGN_CHUNK,
  type GemmMode,
  type GemmInts,
  type GemmRequestOptions,
  type AlignPlan,
  type AlignLaunch,
} from './requests';
export { TritonUnavailableError } from './errors/triton-unavailable-error';
export { PythonNotFoundError } from './errors/python-not-found-error';
export { WorkerStartError } from './errors/worker-start-error';
export { CompilePoolClosedError } from './errors/compile-pool-closed-error';
export { InvalidCompileRequestError } from './errors/invalid-compile-request-error';
export { KernelsNotFoundError } from './errors/kernels-not-found-error';
