// KernelParam is exported as LaunchParam: the compile API's KernelParam (a kernel's declared
// parameter) has that name in this package.
export type {
  Backend,
  BackendProbe,
  Context,
  DeviceBuffer,
  DeviceInfo,
  DeviceProbe,
  Dim3,
  FunctionAttributes,
  GpuEvent,
  Graph,
  KernelFunction,
  KernelParam as LaunchParam,
  KernelParamType as LaunchParamType,
  LaunchOptions,
  Module,
  ReplayOptions,
  Stream,
  TritonScratchSpec,
} from './types';
export { probeDevices, devices, noDeviceReason } from './probe-devices';
export { openContext } from './context';
export { tritonScratchParams, tritonScratchBytes } from './triton-scratch';
export { NativeAddonUnavailableError, type AddonLoadAttempt } from './errors/native-addon-unavailable-error';
export { NativeArgumentError } from './errors/native-argument-error';
export { DriverError, type DriverFailure } from './errors/driver-error';
export { ContextDeadError } from './errors/context-dead-error';
export { ContextClosedError } from './errors/context-closed-error';
export { ResourceReleasedError } from './errors/resource-released-error';
export { ModuleInUseError } from './errors/module-in-use-error';
export { DeviceNotFoundError } from './errors/device-not-found-error';
