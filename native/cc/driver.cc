#include "driver.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace moe {
namespace {

// cuGetProcAddress_v2 (CUDA 12.0+) and cuGetProcAddress (CUDA 11.3+).
using GetProcV2 = CUresult (*)(const char*, void**, int, std::uint64_t, int*);
using GetProcV1 = CUresult (*)(const char*, void**, int, std::uint64_t);
constexpr std::uint64_t kGetProcLegacyStream = 1;  // CU_GET_PROC_ADDRESS_LEGACY_STREAM

// CUdevice_attribute numbers.
constexpr DeviceAttributeIds kCudaAttrs{1, 8, 10, 13, 16, 36, 37, 38, 75, 76, 97};
// hipDeviceAttribute_t numbers (ROCm 6).
constexpr DeviceAttributeIds kHipAttrs{56, 74, 87, 5, 63, 60, 59, 19, 23, 61, 75};

std::string VersionString(Backend backend, int v) {
  char buf[32];
  if (backend == Backend::Cuda) {
    std::snprintf(buf, sizeof buf, "%d.%d", v / 1000, (v % 1000) / 10);
  } else {
    // HIP_VERSION = major * 10,000,000 + minor * 100,000 + patch
    std::snprintf(buf, sizeof buf, "%d.%d", v / 10000000, (v / 100000) % 100);
  }
  return buf;
}

std::string DlError() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

template <typename F>
bool ResolveCuda(Driver& d, void* getProc, bool v2, Entry<F>& entry, const char* name) {
  void* fn = nullptr;
  CUresult r;
  if (v2) {
    int status = 0;
    r = reinterpret_cast<GetProcV2>(getProc)(name, &fn, kCudaApiVersion, kGetProcLegacyStream,
                                             &status);
  } else {
    r = reinterpret_cast<GetProcV1>(getProc)(name, &fn, kCudaApiVersion, kGetProcLegacyStream);
  }
  entry.name = name;
  if (r != kSuccess || fn == nullptr) {
    d.error = std::string(d.library) + " has no " + name + " at CUDA API 12.0" +
              (d.driverVersion ? " (this driver supports CUDA " +
                                     VersionString(d.backend, d.driverVersion) + ")"
                               : "") +
              ": install an NVIDIA driver for CUDA 12.0 or newer";
    return false;
  }
  entry.fn = reinterpret_cast<F>(fn);
  return true;
}

template <typename F>
bool ResolveDl(Driver& d, Entry<F>& entry, const char* name, bool required = true) {
  void* fn = dlsym(d.handle, name);
  entry.name = name;
  if (fn == nullptr) {
    if (required) {
      d.error = std::string(d.library) + " has no " + name +
                ": install ROCm 6.0 or newer (HIP runtime)";
    }
    return !required;
  }
  entry.fn = reinterpret_cast<F>(fn);
  return true;
}

std::string InitFailure(const Driver& d, CUresult r, const char* call) {
  std::string what = std::string(call) + " returned " + d.ErrorName(r) + " (" + d.ErrorText(r) + ")";
  if (r == 100) {  // CUDA_ERROR_NO_DEVICE / hipErrorNoDevice
    return std::string(d.backend == Backend::Cuda ? "the NVIDIA driver" : "the HIP runtime") +
           " found no GPU: " + what;
  }
  if (r == 35) {  // CUDA_ERROR_INSUFFICIENT_DRIVER
    return what + ": the driver is older than the CUDA version it is asked for; update it";
  }
  return what;
}

void FinishInit(Driver& d) {
  CUresult r = d.init.fn(0);
  if (r != kSuccess) {
    d.error = InitFailure(d, r, d.init.name);
    return;
  }
  int count = 0;
  r = d.deviceGetCount.fn(&count);
  if (r != kSuccess) {
    d.error = InitFailure(d, r, d.deviceGetCount.name);
    return;
  }
  d.initialised = true;
  d.deviceCount = count;
  if (count == 0) {
    d.error = std::string(d.backend == Backend::Cuda ? "the NVIDIA driver" : "the HIP runtime") +
              " is installed but reports no GPU";
  }
}

// MOE_NATIVE_CUDA_LIBRARY / MOE_NATIVE_HIP_LIBRARY name another driver library (a path), e.g. a
// CUDA forward-compatibility libcuda or the fake driver the CPU tests use.
const char* LibraryFromEnv(const char* var, const char* fallback) {
  static std::string cuda, hip;
  const char* v = std::getenv(var);
  if (v == nullptr || *v == '\0') return fallback;
  std::string& slot = std::string(var).find("CUDA") != std::string::npos ? cuda : hip;
  slot = v;
  return slot.c_str();
}

void LoadCuda(Driver& d) {
  d.backend = Backend::Cuda;
  d.library = LibraryFromEnv("MOE_NATIVE_CUDA_LIBRARY", "libcuda.so.1");
  d.attrs = kCudaAttrs;
  d.handle = dlopen(d.library, RTLD_NOW | RTLD_LOCAL);
  if (d.handle == nullptr) {
    d.error = std::string(d.library) +
              (std::string(d.library) == "libcuda.so.1" ? " not found: no NVIDIA driver ("
                                                        : " could not be loaded (") +
              DlError() + ")";
    return;
  }
  bool v2 = true;
  void* getProc = dlsym(d.handle, "cuGetProcAddress_v2");
  if (getProc == nullptr) {
    v2 = false;
    getProc = dlsym(d.handle, "cuGetProcAddress");
  }
  if (getProc == nullptr) {
    d.error = std::string(d.library) +
              " has no cuGetProcAddress: the NVIDIA driver is too old; install one for CUDA 12.0 "
              "or newer";
    return;
  }
  if (!ResolveCuda(d, getProc, v2, d.driverGetVersion, "cuDriverGetVersion")) return;
  if (d.driverGetVersion.fn(&d.driverVersion) != kSuccess) d.driverVersion = 0;
  Entry<CUresult (*)(CUresult, const char**)> en, es;
  if (!ResolveCuda(d, getProc, v2, en, "cuGetErrorName") ||
      !ResolveCuda(d, getProc, v2, es, "cuGetErrorString")) {
    return;
  }
  d.cuGetErrorName = en.fn;
  d.cuGetErrorString = es.fn;
  bool ok = ResolveCuda(d, getProc, v2, d.init, "cuInit") &&
            ResolveCuda(d, getProc, v2, d.deviceGetCount, "cuDeviceGetCount") &&
            ResolveCuda(d, getProc, v2, d.deviceGet, "cuDeviceGet") &&
            ResolveCuda(d, getProc, v2, d.deviceGetName, "cuDeviceGetName") &&
            ResolveCuda(d, getProc, v2, d.deviceGetAttribute, "cuDeviceGetAttribute") &&
            ResolveCuda(d, getProc, v2, d.deviceTotalMem, "cuDeviceTotalMem") &&
            ResolveCuda(d, getProc, v2, d.deviceGetPCIBusId, "cuDeviceGetPCIBusId") &&
            ResolveCuda(d, getProc, v2, d.primaryCtxRetain, "cuDevicePrimaryCtxRetain") &&
            ResolveCuda(d, getProc, v2, d.primaryCtxRelease, "cuDevicePrimaryCtxRelease") &&
            ResolveCuda(d, getProc, v2, d.ctxSetCurrent, "cuCtxSetCurrent") &&
            ResolveCuda(d, getProc, v2, d.ctxSynchronize, "cuCtxSynchronize") &&
            ResolveCuda(d, getProc, v2, d.memGetInfo, "cuMemGetInfo") &&
            ResolveCuda(d, getProc, v2, d.memAlloc, "cuMemAlloc") &&
            ResolveCuda(d, getProc, v2, d.memFree, "cuMemFree") &&
            ResolveCuda(d, getProc, v2, d.memcpyHtoD, "cuMemcpyHtoD") &&
            ResolveCuda(d, getProc, v2, d.memcpyDtoH, "cuMemcpyDtoH") &&
            ResolveCuda(d, getProc, v2, d.memcpyDtoD, "cuMemcpyDtoD") &&
            ResolveCuda(d, getProc, v2, d.memsetD8, "cuMemsetD8") &&
            ResolveCuda(d, getProc, v2, d.memsetD16, "cuMemsetD16") &&
            ResolveCuda(d, getProc, v2, d.memsetD32, "cuMemsetD32") &&
            ResolveCuda(d, getProc, v2, d.memsetD8Async, "cuMemsetD8Async") &&
            ResolveCuda(d, getProc, v2, d.moduleLoadData, "cuModuleLoadData") &&
            ResolveCuda(d, getProc, v2, d.moduleUnload, "cuModuleUnload") &&
            ResolveCuda(d, getProc, v2, d.moduleGetFunction, "cuModuleGetFunction") &&
            ResolveCuda(d, getProc, v2, d.funcGetAttribute, "cuFuncGetAttribute") &&
            ResolveCuda(d, getProc, v2, d.funcSetAttribute, "cuFuncSetAttribute") &&
            ResolveCuda(d, getProc, v2, d.funcSetCacheConfig, "cuFuncSetCacheConfig") &&
            ResolveCuda(d, getProc, v2, d.launchKernel, "cuLaunchKernel") &&
            ResolveCuda(d, getProc, v2, d.streamCreate, "cuStreamCreate") &&
            ResolveCuda(d, getProc, v2, d.streamDestroy, "cuStreamDestroy") &&
            ResolveCuda(d, getProc, v2, d.streamSynchronize, "cuStreamSynchronize") &&
            ResolveCuda(d, getProc, v2, d.streamBeginCapture, "cuStreamBeginCapture") &&
            ResolveCuda(d, getProc, v2, d.streamEndCapture, "cuStreamEndCapture") &&
            ResolveCuda(d, getProc, v2, d.eventCreate, "cuEventCreate") &&
            ResolveCuda(d, getProc, v2, d.eventDestroy, "cuEventDestroy") &&
            ResolveCuda(d, getProc, v2, d.eventRecord, "cuEventRecord") &&
            ResolveCuda(d, getProc, v2, d.eventSynchronize, "cuEventSynchronize") &&
            ResolveCuda(d, getProc, v2, d.eventQuery, "cuEventQuery") &&
            ResolveCuda(d, getProc, v2, d.eventElapsedTime, "cuEventElapsedTime") &&
            ResolveCuda(d, getProc, v2, d.graphInstantiate, "cuGraphInstantiateWithFlags") &&
            ResolveCuda(d, getProc, v2, d.graphLaunch, "cuGraphLaunch") &&
            ResolveCuda(d, getProc, v2, d.graphExecDestroy, "cuGraphExecDestroy") &&
            ResolveCuda(d, getProc, v2, d.graphDestroy, "cuGraphDestroy");
  if (!ok) return;
  d.loaded = true;
  FinishInit(d);
}

void LoadHip(Driver& d) {
  d.backend = Backend::Hip;
  d.library = LibraryFromEnv("MOE_NATIVE_HIP_LIBRARY", "libamdhip64.so");
  d.attrs = kHipAttrs;
  d.handle = dlopen(d.library, RTLD_NOW | RTLD_LOCAL);
  if (d.handle == nullptr) {
    std::string first = DlError();
    if (std::string(d.library) != "libamdhip64.so") {
      d.error = std::string(d.library) + " could not be loaded (" + first + ")";
      return;
    }
    d.handle = dlopen("libamdhip64.so.6", RTLD_NOW | RTLD_LOCAL);
    if (d.handle == nullptr) {
      d.error = "libamdhip64.so not found: no ROCm HIP runtime (" + first + ")";
      return;
    }
    d.library = "libamdhip64.so.6";
  }
  d.hipGetErrorName = reinterpret_cast<const char* (*)(CUresult)>(dlsym(d.handle, "hipGetErrorName"));
  d.hipGetErrorString =
      reinterpret_cast<const char* (*)(CUresult)>(dlsym(d.handle, "hipGetErrorString"));
  bool ok = ResolveDl(d, d.driverGetVersion, "hipDriverGetVersion") &&
            ResolveDl(d, d.init, "hipInit") &&
            ResolveDl(d, d.deviceGetCount, "hipGetDeviceCount") &&
            ResolveDl(d, d.deviceGet, "hipDeviceGet") &&
            ResolveDl(d, d.deviceGetName, "hipDeviceGetName") &&
            ResolveDl(d, d.deviceGetAttribute, "hipDeviceGetAttribute") &&
            ResolveDl(d, d.deviceTotalMem, "hipDeviceTotalMem") &&
            ResolveDl(d, d.deviceGetPCIBusId, "hipDeviceGetPCIBusId") &&
            ResolveDl(d, d.primaryCtxRetain, "hipDevicePrimaryCtxRetain") &&
            ResolveDl(d, d.primaryCtxRelease, "hipDevicePrimaryCtxRelease") &&
            ResolveDl(d, d.ctxSetCurrent, "hipCtxSetCurrent") &&
            ResolveDl(d, d.ctxSynchronize, "hipDeviceSynchronize") &&
            ResolveDl(d, d.memGetInfo, "hipMemGetInfo") &&
            ResolveDl(d, d.memAlloc, "hipMalloc") && ResolveDl(d, d.memFree, "hipFree") &&
            ResolveDl(d, d.memcpyHtoD, "hipMemcpyHtoD") &&
            ResolveDl(d, d.memcpyDtoH, "hipMemcpyDtoH") &&
            ResolveDl(d, d.memcpyDtoD, "hipMemcpyDtoD") &&
            ResolveDl(d, d.memsetD8, "hipMemsetD8") && ResolveDl(d, d.memsetD16, "hipMemsetD16") &&
            ResolveDl(d, d.memsetD32, "hipMemsetD32") &&
            ResolveDl(d, d.memsetD8Async, "hipMemsetD8Async") &&
            ResolveDl(d, d.moduleLoadData, "hipModuleLoadData") &&
            ResolveDl(d, d.moduleUnload, "hipModuleUnload") &&
            ResolveDl(d, d.moduleGetFunction, "hipModuleGetFunction") &&
            ResolveDl(d, d.funcGetAttribute, "hipFuncGetAttribute") &&
            ResolveDl(d, d.launchKernel, "hipModuleLaunchKernel") &&
            ResolveDl(d, d.streamCreate, "hipStreamCreateWithFlags") &&
            ResolveDl(d, d.streamDestroy, "hipStreamDestroy") &&
            ResolveDl(d, d.streamSynchronize, "hipStreamSynchronize") &&
            ResolveDl(d, d.streamBeginCapture, "hipStreamBeginCapture") &&
            ResolveDl(d, d.streamEndCapture, "hipStreamEndCapture") &&
            ResolveDl(d, d.eventCreate, "hipEventCreateWithFlags") &&
            ResolveDl(d, d.eventDestroy, "hipEventDestroy") &&
            ResolveDl(d, d.eventRecord, "hipEventRecord") &&
            ResolveDl(d, d.eventSynchronize, "hipEventSynchronize") &&
            ResolveDl(d, d.eventQuery, "hipEventQuery") &&
            ResolveDl(d, d.eventElapsedTime, "hipEventElapsedTime") &&
            ResolveDl(d, d.graphInstantiate, "hipGraphInstantiateWithFlags") &&
            ResolveDl(d, d.graphLaunch, "hipGraphLaunch") &&
            ResolveDl(d, d.graphExecDestroy, "hipGraphExecDestroy") &&
            ResolveDl(d, d.graphDestroy, "hipGraphDestroy");
  // AMD GPUs have no dynamic shared memory opt-in: funcSetAttribute stays null.
  d.funcSetAttribute.name = "hipFuncSetAttribute";
  d.funcSetCacheConfig.name = "hipFuncSetCacheConfig";
  if (!ok) return;
  if (d.driverGetVersion.fn(&d.driverVersion) != kSuccess) d.driverVersion = 0;
  d.loaded = true;
  FinishInit(d);
}

}  // namespace

std::string Driver::ErrorName(CUresult status) const {
  const char* s = nullptr;
  if (cuGetErrorName != nullptr) {
    if (cuGetErrorName(status, &s) != kSuccess) s = nullptr;
  } else if (hipGetErrorName != nullptr) {
    s = hipGetErrorName(status);
  }
  if (s != nullptr) return s;
  return std::string(backend == Backend::Cuda ? "CUDA_ERROR_" : "hipError") + std::to_string(status);
}

std::string Driver::ErrorText(CUresult status) const {
  const char* s = nullptr;
  if (cuGetErrorString != nullptr) {
    if (cuGetErrorString(status, &s) != kSuccess) s = nullptr;
  } else if (hipGetErrorString != nullptr) {
    s = hipGetErrorString(status);
  }
  return s != nullptr ? s : "unknown error";
}

bool Driver::IsSticky(CUresult status) {
  switch (status) {
    case 214:  // ECC uncorrectable
    case 700:  // illegal address
    case 702:  // launch timeout
    case 710:  // device-side assert
    case 714:  // hardware stack error
    case 715:  // illegal instruction
    case 716:  // misaligned address
    case 717:  // invalid address space
    case 718:  // invalid program counter
    case 719:  // launch failed
      return true;
    default:
      return false;
  }
}

Driver& CudaDriver() {
  static Driver d;
  static std::once_flag once;
  std::call_once(once, [] { LoadCuda(d); });
  return d;
}

Driver& HipDriver() {
  static Driver d;
  static std::once_flag once;
  std::call_once(once, [] { LoadHip(d); });
  return d;
}

}  // namespace moe
