export {
  ENGINE_KERNEL,
  bindEngineLaunch,
  engineSignature,
  engineLaunchInts,
  engineSortedLength,
  knownEngineParams,
  sglangSwapAb,
  vllmNaiveAssignment,
  type EngineArg,
  type EngineBufferRole,
  type EngineGemmCall,
  type EngineLaunchPlan,
} from './engine-binding';
export { compareEngineLaunch, ROLE_INPUT, type EngineLaunchRecord, type RecordedArg } from './engine-check';
export {
  describeKernelSource,
  engineKernelSource,
  parseEngineInfo,
  type EngineKernelInfo,
  type EngineName,
  type KernelSource,
} from './engine-info';
export { EngineKernelNotFoundError } from './errors/engine-kernel-not-found-error';
export { EngineLaunchMismatchError } from './errors/engine-launch-mismatch-error';
export { UnknownEngineParamError } from './errors/unknown-engine-param-error';
export { probeEngineKernel, type EngineKernelProbe } from './probe-engine-kernel';
