/* A fake libamdhip64 for the CPU tests: the HIP entry points the addon resolves with dlsym, on
 * top of fake-cuda.c's host-memory driver, with HIP's attribute numbers, error-name functions
 * that return the name, warp size 64 and a gcnArchName in hipGetDevicePropertiesR0600.
 * FAKE_HIP_NAME overrides the device name (default "AMD Instinct MI300X"). */
#include "fake-cuda.c"

#define EXPORT __attribute__((visibility("default")))

EXPORT CUresult hipInit(unsigned f) { return cuInit(f); }
EXPORT CUresult hipDriverGetVersion(int* v) { *v = 60241134; return 0; } /* HIP 6.2 */
EXPORT CUresult hipGetDeviceCount(int* n) { return cuDeviceGetCount(n); }
EXPORT CUresult hipDeviceGet(int* d, int i) { return cuDeviceGet(d, i); }
static const char* hip_name(void) {
  const char* e = getenv("FAKE_HIP_NAME");
  return e ? e : "AMD Instinct MI300X";
}
EXPORT CUresult hipDeviceGetName(char* s, int len, int d) { snprintf(s, len, "%s", hip_name()); return 0; }
EXPORT CUresult hipDeviceGetAttribute(int* v, int a, int d) {
  switch (a) {
    case 56: *v = 1024; break;      /* max threads per block */
    case 74: *v = 65536; break;     /* shared per block */
    case 87: *v = 64; break;        /* warp size */
    case 5: *v = 2100000; break;    /* clock kHz */
    case 63: *v = 304; break;       /* compute units */
    case 60: *v = 1300000; break;   /* memory clock kHz */
    case 59: *v = 8192; break;      /* bus width */
    case 19: *v = 4194304; break;   /* L2 */
    case 23: *v = 9; break;         /* cc major */
    case 61: *v = 4; break;         /* cc minor */
    case 75: *v = 65536; break;     /* shared per block opt-in */
    default: return 1;
  }
  return 0;
}
EXPORT CUresult hipDeviceTotalMem(size_t* b, int d) { *b = 206158430208ull; return 0; } /* 192 GiB */
EXPORT CUresult hipDeviceGetPCIBusId(char* s, int len, int d) { return cuDeviceGetPCIBusId(s, len, d); }
EXPORT CUresult hipDevicePrimaryCtxRetain(void** c, int d) { return cuDevicePrimaryCtxRetain(c, d); }
EXPORT CUresult hipDevicePrimaryCtxRelease(int d) { return cuDevicePrimaryCtxRelease(d); }
EXPORT CUresult hipCtxSetCurrent(void* c) { return cuCtxSetCurrent(c); }
EXPORT CUresult hipDeviceSynchronize(void) { return cuCtxSynchronize(); }
EXPORT CUresult hipMemGetInfo(size_t* f, size_t* t) { return cuMemGetInfo(f, t); }
EXPORT CUresult hipMalloc(u64* p, size_t n) { return cuMemAlloc(p, n); }
EXPORT CUresult hipFree(u64 p) { return cuMemFree(p); }
EXPORT CUresult hipMemcpyHtoD(u64 d, const void* s, size_t n) { return cuMemcpyHtoD(d, s, n); }
EXPORT CUresult hipMemcpyDtoH(void* d, u64 s, size_t n) { return cuMemcpyDtoH(d, s, n); }
EXPORT CUresult hipMemcpyDtoD(u64 d, u64 s, size_t n) { return cuMemcpyDtoD(d, s, n); }
EXPORT CUresult hipMemsetD8(u64 d, unsigned char v, size_t n) { return cuMemsetD8(d, v, n); }
EXPORT CUresult hipMemsetD16(u64 d, unsigned short v, size_t n) { return cuMemsetD16(d, v, n); }
EXPORT CUresult hipMemsetD32(u64 d, unsigned v, size_t n) { return cuMemsetD32(d, v, n); }
EXPORT CUresult hipMemsetD8Async(u64 d, unsigned char v, size_t n, void* s) { return cuMemsetD8Async(d, v, n, s); }
EXPORT CUresult hipModuleLoadData(void** m, const void* image) { return cuModuleLoadData(m, image); }
EXPORT CUresult hipModuleUnload(void* m) { return cuModuleUnload(m); }
EXPORT CUresult hipModuleGetFunction(Func** f, void* m, const char* name) { return cuModuleGetFunction(f, m, name); }
EXPORT CUresult hipFuncGetAttribute(int* v, int a, Func* f) { return cuFuncGetAttribute(v, a, f); }
EXPORT CUresult hipModuleLaunchKernel(Func* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                                      unsigned shared, Stream* s, void** params, void** extra) {
  /* AMD GPUs have 64 KiB of LDS per workgroup and no opt-in attribute */
  if (shared > 65536) return 1;
  int limit = f->maxDynamicShared;
  f->maxDynamicShared = 65536;
  CUresult r = cuLaunchKernel(f, gx, gy, gz, bx, by, bz, shared, s, params, extra);
  f->maxDynamicShared = limit;
  return r;
}
EXPORT CUresult hipStreamCreateWithFlags(Stream** s, unsigned flags) { return cuStreamCreate(s, flags); }
EXPORT CUresult hipStreamDestroy(Stream* s) { return cuStreamDestroy(s); }
EXPORT CUresult hipStreamSynchronize(Stream* s) { return cuStreamSynchronize(s); }
EXPORT CUresult hipStreamBeginCapture(Stream* s, int mode) { return cuStreamBeginCapture(s, mode); }
EXPORT CUresult hipStreamEndCapture(Stream* s, Graph** g) { return cuStreamEndCapture(s, g); }
EXPORT CUresult hipEventCreateWithFlags(Event** e, unsigned flags) { return cuEventCreate(e, flags); }
EXPORT CUresult hipEventDestroy(Event* e) { return cuEventDestroy(e); }
EXPORT CUresult hipEventRecord(Event* e, Stream* s) { return cuEventRecord(e, s); }
EXPORT CUresult hipEventSynchronize(Event* e) { return cuEventSynchronize(e); }
EXPORT CUresult hipEventQuery(Event* e) { return cuEventQuery(e); }
EXPORT CUresult hipEventElapsedTime(float* ms, Event* a, Event* b) { return cuEventElapsedTime(ms, a, b); }
EXPORT CUresult hipGraphInstantiateWithFlags(Graph** x, Graph* g, unsigned long long flags) { return cuGraphInstantiateWithFlags(x, g, flags); }
EXPORT CUresult hipGraphLaunch(Graph* x, Stream* s) { return cuGraphLaunch(x, s); }
EXPORT CUresult hipGraphExecDestroy(Graph* x) { return cuGraphExecDestroy(x); }
EXPORT CUresult hipGraphDestroy(Graph* g) { return cuGraphDestroy(g); }
EXPORT const char* hipGetErrorName(CUresult r) {
  switch (r) {
    case 200: return "hipErrorInvalidImage";
    case 500: return "hipErrorNotFound";
    case 700: return "hipErrorIllegalAddress";
    default: return "hipErrorUnknown";
  }
}
EXPORT const char* hipGetErrorString(CUresult r) { return r == 700 ? "an illegal memory access was encountered" : "unknown error"; }
/* hipDeviceProp_t opens with the 256-byte name; gcnArchName sits further in (offset varies by ROCm version). */
EXPORT CUresult hipGetDevicePropertiesR0600(void* props, int d) {
  memset(props, 0, 1472);
  snprintf((char*)props, 256, "%s", hip_name());
  snprintf((char*)props + 1160, 256, "gfx942:sramecc+:xnack-");
  return 0;
}
