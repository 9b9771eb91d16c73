// The GPU driver, loaded at run time. No CUDA or ROCm header is needed to build: the few types,
// enums and constants used are declared here. CUDA entry points are resolved through
// cuGetProcAddress at a pinned API version (kCudaApiVersion); cuGetProcAddress itself comes from
// dlsym. HIP entry points come from dlsym on libamdhip64.so: their shapes match CUDA's driver API
// (handles are pointers, device addresses 64-bit), so both fill the same table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace moe {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = std::uint64_t;
using CUcontext = struct CUctx_opaque*;
using CUmodule = struct CUmod_opaque*;
using CUfunction = struct CUfunc_opaque*;
using CUstream = struct CUstream_opaque*;
using CUevent = struct CUevent_opaque*;
using CUgraph = struct CUgraph_opaque*;
using CUgraphExec = struct CUgraphExec_opaque*;

enum class Backend { Cuda, Hip };

// The CUDA API version every entry point is resolved at (CUDA 12.0).
constexpr int kCudaApiVersion = 12000;

constexpr CUresult kSuccess = 0;
constexpr CUresult kErrorNotReady = 600;  // same number in CUDA and HIP

// Attribute numbers differ between CUDA and HIP: each backend has its table.
struct DeviceAttributeIds {
  int maxThreadsPerBlock, sharedPerBlock, warpSize, clockRate, smCount, memoryClockRate,
      memoryBusWidth, l2CacheSize, ccMajor, ccMinor, sharedPerBlockOptin;
};

// Function attributes (cuFuncGetAttribute), the same numbers in CUDA and HIP.
enum FunctionAttribute : int {
  kFuncMaxThreadsPerBlock = 0,
  kFuncSharedSizeBytes = 1,
  kFuncConstSizeBytes = 2,
  kFuncLocalSizeBytes = 3,
  kFuncNumRegs = 4,
  kFuncPtxVersion = 5,
  kFuncBinaryVersion = 6,
  kFuncMaxDynamicSharedSizeBytes = 8,
};

constexpr unsigned kStreamDefault = 0;       // synchronises with the legacy default stream
constexpr unsigned kEventDefault = 0;
constexpr unsigned kEventDisableTiming = 2;
constexpr int kCaptureModeThreadLocal = 1;   // CU_STREAM_CAPTURE_MODE_THREAD_LOCAL

template <typename F>
struct Entry {
  F fn = nullptr;
  const char* name = "";
};

struct Driver {
  Backend backend = Backend::Cuda;
  const char* library = "";
  void* handle = nullptr;
  bool loaded = false;       // library found and every entry point resolved
  bool initialised = false;  // init(0) succeeded
  std::string error;         // why not loaded / initialised / no devices
  int driverVersion = 0;
  int deviceCount = 0;
  DeviceAttributeIds attrs{};

  Entry<CUresult (*)(unsigned)> init;
  Entry<CUresult (*)(int*)> driverGetVersion;
  Entry<CUresult (*)(int*)> deviceGetCount;
  Entry<CUresult (*)(CUdevice*, int)> deviceGet;
  Entry<CUresult (*)(char*, int, CUdevice)> deviceGetName;
  Entry<CUresult (*)(int*, int, CUdevice)> deviceGetAttribute;
  Entry<CUresult (*)(std::size_t*, CUdevice)> deviceTotalMem;
  Entry<CUresult (*)(char*, int, CUdevice)> deviceGetPCIBusId;
  Entry<CUresult (*)(CUcontext*, CUdevice)> primaryCtxRetain;
  Entry<CUresult (*)(CUdevice)> primaryCtxRelease;
  Entry<CUresult (*)(CUcontext)> ctxSetCurrent;
  Entry<CUresult (*)()> ctxSynchronize;
  Entry<CUresult (*)(std::size_t*, std::size_t*)> memGetInfo;
  Entry<CUresult (*)(CUdeviceptr*, std::size_t)> memAlloc;
  Entry<CUresult (*)(CUdeviceptr)> memFree;
  Entry<CUresult (*)(CUdeviceptr, const void*, std::size_t)> memcpyHtoD;
  Entry<CUresult (*)(void*, CUdeviceptr, std::size_t)> memcpyDtoH;
  Entry<CUresult (*)(CUdeviceptr, CUdeviceptr, std::size_t)> memcpyDtoD;
  Entry<CUresult (*)(CUdeviceptr, unsigned char, std::size_t)> memsetD8;
  Entry<CUresult (*)(CUdeviceptr, unsigned short, std::size_t)> memsetD16;
  Entry<CUresult (*)(CUdeviceptr, unsigned int, std::size_t)> memsetD32;
  Entry<CUresult (*)(CUdeviceptr, unsigned char, std::size_t, CUstream)> memsetD8Async;
  Entry<CUresult (*)(CUmodule*, const void*)> moduleLoadData;
  Entry<CUresult (*)(CUmodule)> moduleUnload;
  Entry<CUresult (*)(CUfunction*, CUmodule, const char*)> moduleGetFunction;
  Entry<CUresult (*)(int*, int, CUfunction)> funcGetAttribute;
  Entry<CUresult (*)(CUfunction, int, int)> funcSetAttribute;  // absent on HIP (no opt-in)
  Entry<CUresult (*)(CUfunction, int)> funcSetCacheConfig;      // absent on HIP
  Entry<CUresult (*)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                     unsigned, CUstream, void**, void**)>
      launchKernel;
  Entry<CUresult (*)(CUstream*, unsigned)> streamCreate;
  Entry<CUresult (*)(CUstream)> streamDestroy;
  Entry<CUresult (*)(CUstream)> streamSynchronize;
  Entry<CUresult (*)(CUstream, int)> streamBeginCapture;
  Entry<CUresult (*)(CUstream, CUgraph*)> streamEndCapture;
  Entry<CUresult (*)(CUevent*, unsigned)> eventCreate;
  Entry<CUresult (*)(CUevent)> eventDestroy;
  Entry<CUresult (*)(CUevent, CUstream)> eventRecord;
  Entry<CUresult (*)(CUevent)> eventSynchronize;
  Entry<CUresult (*)(CUevent)> eventQuery;
  Entry<CUresult (*)(float*, CUevent, CUevent)> eventElapsedTime;
  Entry<CUresult (*)(CUgraphExec*, CUgraph, unsigned long long)> graphInstantiate;
  Entry<CUresult (*)(CUgraphExec, CUstream)> graphLaunch;
  Entry<CUresult (*)(CUgraphExec)> graphExecDestroy;
  Entry<CUresult (*)(CUgraph)> graphDestroy;

  // Error names and texts: CUDA writes them through an out-parameter, HIP returns them.
  CUresult (*cuGetErrorName)(CUresult, const char**) = nullptr;
  CUresult (*cuGetErrorString)(CUresult, const char**) = nullptr;
  const char* (*hipGetErrorName)(CUresult) = nullptr;
  const char* (*hipGetErrorString)(CUresult) = nullptr;

  std::string ErrorName(CUresult status) const;
  std::string ErrorText(CUresult status) const;
  // A sticky error leaves the context unusable: only a new process can use the GPU again.
  static bool IsSticky(CUresult status);
  const char* Prefix() const { return backend == Backend::Cuda ? "cu" : "hip"; }
};

// The drivers, loaded (once, thread-safely) on first use. Never null, never throws: a driver
// that could not be loaded has loaded == false and error says why.
Driver& CudaDriver();
Driver& HipDriver();

}  // namespace moe
