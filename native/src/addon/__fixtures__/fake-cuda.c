/* A fake libcuda for the CPU tests of @moe/native's addon: the CUDA driver API entry points the
 * addon resolves, served from host memory. "Device" memory is malloc'd, copies are memcpy, and a
 * module is any image starting with "FAKECUBIN" holding three kernels:
 *   echo(u64* out, i32 a, i64 b, f32 c, u32 d, ptr p): writes its parameters, grid and block to out
 *   add1(u64* out): *out += 1
 *   fault(): makes the context fail with CUDA_ERROR_ILLEGAL_ADDRESS (sticky)
 * A fake clock advances 10 us per kernel run, so event timings are exact.
 * Environment: FAKE_CUDA_INIT_ERROR=<status> makes cuInit fail; FAKE_CUDA_DEVICES=<n> (default 1);
 * FAKE_CUDA_NAME (default "NVIDIA H100 80GB HBM3"); FAKE_CUDA_NO_GETPROC=1 hides cuGetProcAddress.
 * Like a real driver, it rejects handles that were freed or destroyed (CUDA_ERROR_INVALID_VALUE /
 * CUDA_ERROR_INVALID_HANDLE) instead of touching them; FAKE_CUDA_WORKER_DELAY_MS=<ms> makes the calls
 * the addon runs on worker threads (download, synchronisations, graph launch) wait first, so that
 * the JS thread can free what they use meanwhile. cuMemGetInfo's free bytes count live allocations.
 * FAKE_CUDA_HUGE_ALLOC=1: an allocation of 1 GiB or more gets an address with no memory behind it (for
 * tests whose host side fails before any copy). FAKE_CUDA_RETAINED_FILE=<path>: the number of
 * primary contexts retained and not released is written there after each retain and release. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

typedef int CUresult;
typedef unsigned long long u64;

static CUresult sticky = 0;

/* Live handles and allocations, shared by the JS thread and the worker threads. */
#define MAX_LIVE 4096
static struct { const void* p; size_t bytes; } live[MAX_LIVE];
static size_t live_bytes = 0;
static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static void track(const void* p, size_t bytes) {
  pthread_mutex_lock(&live_mu);
  for (int i = 0; i < MAX_LIVE; ++i) {
    if (!live[i].p) { live[i].p = p; live[i].bytes = bytes; live_bytes += bytes; break; }
  }
  pthread_mutex_unlock(&live_mu);
}
static int untrack(const void* p) {
  int found = 0;
  pthread_mutex_lock(&live_mu);
  for (int i = 0; i < MAX_LIVE; ++i) {
    if (live[i].p == p) { live_bytes -= live[i].bytes; live[i].p = NULL; found = 1; break; }
  }
  pthread_mutex_unlock(&live_mu);
  return found;
}
/* p is a live handle, or an address inside a live allocation. */
static int alive(const void* p) {
  int found = 0;
  pthread_mutex_lock(&live_mu);
  for (int i = 0; i < MAX_LIVE && !found; ++i) {
    const char* start = live[i].p;
    found = start && ((const char*)p == start || ((const char*)p > start && (const char*)p < start + live[i].bytes));
  }
  pthread_mutex_unlock(&live_mu);
  return found;
}
static void worker_delay(void) {
  const char* e = getenv("FAKE_CUDA_WORKER_DELAY_MS");
  if (!e) return;
  long ms = atol(e);
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}
#define INVALID_VALUE 1
#define INVALID_HANDLE 400
static double clock_ms = 0;

enum { K_ECHO = 1, K_ADD1 = 2, K_FAULT = 3 };
typedef struct { int kind; int maxDynamicShared; int cacheConfig; } Func;
static Func funcs[4] = {{0, 0, 0}, {K_ECHO, 49152, 0}, {K_ADD1, 49152, 0}, {K_FAULT, 49152, 0}};

typedef struct { Func* f; unsigned g[3], b[3], shared; u64 args[6]; } Launch;
typedef struct { int capturing; Launch* list; int n; } Stream;
typedef struct { Launch* list; int n; } Graph;
typedef struct { double t; } Event;

static CUresult run(const Launch* l) {
  if (sticky) return sticky;
  clock_ms += 0.010;
  if (l->f->kind == K_ECHO) {
    u64* out = (u64*)(uintptr_t)l->args[0];
    out[0] = (u64)(int64_t)(int32_t)(uint32_t)l->args[1];
    out[1] = l->args[2];
    out[2] = (uint32_t)l->args[3];
    out[3] = (uint32_t)l->args[4];
    out[4] = l->args[5];
    out[5] = l->g[0] * 1000000ull + l->g[1] * 1000ull + l->g[2];
    out[6] = l->b[0] * 1000000ull + l->b[1] * 1000ull + l->b[2];
    out[7] = l->shared;
  } else if (l->f->kind == K_ADD1) {
    *(u64*)(uintptr_t)l->args[0] += 1;
  } else if (l->f->kind == K_FAULT) {
    sticky = 700;
  }
  return 0;
}

static CUresult cuInit(unsigned flags) {
  const char* e = getenv("FAKE_CUDA_INIT_ERROR");
  return e ? atoi(e) : 0;
}
static CUresult cuDriverGetVersion(int* v) { *v = 12040; return 0; }
static CUresult cuDeviceGetCount(int* n) {
  const char* e = getenv("FAKE_CUDA_DEVICES");
  *n = e ? atoi(e) : 1;
  return 0;
}
static CUresult cuDeviceGet(int* d, int i) { *d = i; return 0; }
static CUresult cuDeviceGetName(char* s, int len, int d) {
  const char* e = getenv("FAKE_CUDA_NAME");
  snprintf(s, len, "%s", e ? e : "NVIDIA H100 80GB HBM3");
  return 0;
}
static CUresult cuDeviceGetAttribute(int* v, int a, int d) {
  switch (a) {
    case 1: *v = 1024; break;        /* max threads per block */
    case 8: *v = 49152; break;       /* shared per block */
    case 10: *v = 32; break;         /* warp size */
    case 13: *v = 1980000; break;    /* clock kHz */
    case 16: *v = 132; break;        /* SMs */
    case 36: *v = 2619000; break;    /* memory clock kHz */
    case 37: *v = 5120; break;       /* bus width */
    case 38: *v = 52428800; break;   /* L2 */
    case 75: *v = 9; break;          /* cc major */
    case 76: *v = 0; break;          /* cc minor */
    case 97: *v = 232448; break;     /* shared per block opt-in */
    default: return 1;
  }
  return 0;
}
static CUresult cuDeviceTotalMem(size_t* b, int d) { *b = 85899345920ull; return 0; }
static CUresult cuDeviceGetPCIBusId(char* s, int len, int d) { snprintf(s, len, "0000:%02X:00.0", 0x3b + d); return 0; }
static int ctx_token;
static int ctx_retained = 0;
static void note_retained(void) {
  const char* path = getenv("FAKE_CUDA_RETAINED_FILE");
  if (!path) return;
  FILE* f = fopen(path, "w");
  if (!f) return;
  fprintf(f, "%d\n", ctx_retained);
  fclose(f);
}
static CUresult cuDevicePrimaryCtxRetain(void** c, int d) { *c = &ctx_token; ++ctx_retained; note_retained(); return 0; }
static CUresult cuDevicePrimaryCtxRelease(int d) { --ctx_retained; note_retained(); return 0; }
static CUresult cuCtxSetCurrent(void* c) { return 0; }
static CUresult cuCtxSynchronize(void) { return sticky; }
static CUresult cuMemGetInfo(size_t* f, size_t* t) {
  pthread_mutex_lock(&live_mu);
  *f = 85899345920ull - live_bytes;
  pthread_mutex_unlock(&live_mu);
  *t = 85899345920ull;
  return 0;
}
static char huge_token[256] __attribute__((aligned(256)));
static CUresult cuMemAlloc(u64* p, size_t n) {
  if (sticky) return sticky;
  if (n >= (1ull << 30) && getenv("FAKE_CUDA_HUGE_ALLOC")) {
    *p = (u64)(uintptr_t)huge_token;
    track(huge_token, n);
    return 0;
  }
  if (n > (1ull << 32)) return 2; /* out of memory */
  void* m = NULL;
  if (posix_memalign(&m, 256, n)) return 2;
  *p = (u64)(uintptr_t)m;
  track(m, n);
  return 0;
}
static CUresult cuMemFree(u64 p) {
  if (!untrack((void*)(uintptr_t)p)) return INVALID_VALUE;
  if ((void*)(uintptr_t)p != (void*)huge_token) free((void*)(uintptr_t)p);
  return 0;
}
static CUresult cuMemcpyHtoD(u64 d, const void* s, size_t n) { if (sticky) return sticky; memcpy((void*)(uintptr_t)d, s, n); return 0; }
static CUresult cuMemcpyDtoH(void* d, u64 s, size_t n) {
  worker_delay();
  if (sticky) return sticky;
  if (!alive((void*)(uintptr_t)s)) return INVALID_VALUE;
  memcpy(d, (void*)(uintptr_t)s, n);
  return 0;
}
static CUresult cuMemcpyDtoD(u64 d, u64 s, size_t n) { if (sticky) return sticky; memmove((void*)(uintptr_t)d, (void*)(uintptr_t)s, n); return 0; }
static CUresult cuMemsetD8(u64 d, unsigned char v, size_t n) { memset((void*)(uintptr_t)d, v, n); return sticky; }
static CUresult cuMemsetD16(u64 d, unsigned short v, size_t n) { for (size_t i = 0; i < n; ++i) ((unsigned short*)(uintptr_t)d)[i] = v; return sticky; }
static CUresult cuMemsetD32(u64 d, unsigned v, size_t n) { for (size_t i = 0; i < n; ++i) ((unsigned*)(uintptr_t)d)[i] = v; return sticky; }
static CUresult cuMemsetD8Async(u64 d, unsigned char v, size_t n, void* s) {
  if (!alive((void*)(uintptr_t)d)) return INVALID_VALUE;
  memset((void*)(uintptr_t)d, v, n);
  return sticky;
}
static int module_token;
static CUresult cuModuleLoadData(void** m, const void* image) {
  if (memcmp(image, "FAKECUBIN", 9) != 0) return 200; /* CUDA_ERROR_INVALID_IMAGE */
  *m = &module_token;
  return 0;
}
static CUresult cuModuleUnload(void* m) { return 0; }
static CUresult cuModuleGetFunction(Func** f, void* m, const char* name) {
  if (!strcmp(name, "echo")) *f = &funcs[K_ECHO];
  else if (!strcmp(name, "add1")) *f = &funcs[K_ADD1];
  else if (!strcmp(name, "fault")) *f = &funcs[K_FAULT];
  else return 500; /* CUDA_ERROR_NOT_FOUND */
  return 0;
}
static CUresult cuFuncGetAttribute(int* v, int a, Func* f) {
  switch (a) {
    case 0: *v = 1024; break;
    case 4: *v = 40; break;
    case 6: *v = 90; break;
    case 8: *v = f->maxDynamicShared; break;
    default: *v = 0;
  }
  return 0;
}
static CUresult cuFuncSetAttribute(Func* f, int a, int v) {
  if (a != 8 || v > 232448) return 1;
  f->maxDynamicShared = v;
  return 0;
}
static CUresult cuFuncSetCacheConfig(Func* f, int config) {
  if (config < 0 || config > 3) return 1; /* CUDA_ERROR_INVALID_VALUE */
  f->cacheConfig = config;
  return 0;
}
static CUresult cuLaunchKernel(Func* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                               unsigned shared, Stream* s, void** params, void** extra) {
  if (sticky) return sticky;
  if ((int)shared > f->maxDynamicShared) return 1; /* CUDA_ERROR_INVALID_VALUE */
  if (bx * by * bz > 1024) return 1;
  Launch l = {f, {gx, gy, gz}, {bx, by, bz}, shared, {0}};
  static const int sizes[4][6] = {{0}, {8, 4, 8, 4, 4, 8}, {8}, {0}};
  for (int i = 0; i < 6 && sizes[f->kind][i]; ++i) memcpy(&l.args[i], params[i], sizes[f->kind][i]);
  if (s && s->capturing) {
    s->list = realloc(s->list, sizeof(Launch) * (s->n + 1));
    s->list[s->n++] = l;
    return 0;
  }
  return run(&l);
}
static CUresult cuStreamCreate(Stream** s, unsigned flags) { *s = calloc(1, sizeof(Stream)); track(*s, 0); return 0; }
static CUresult cuStreamDestroy(Stream* s) {
  if (!untrack(s)) return INVALID_HANDLE;
  free(s->list);
  free(s);
  return 0;
}
static CUresult cuStreamSynchronize(Stream* s) {
  worker_delay();
  if (s && !alive(s)) return INVALID_HANDLE;
  return sticky;
}
static CUresult cuStreamBeginCapture(Stream* s, int mode) {
  if (!s || s->capturing) return 1;
  s->capturing = 1; s->n = 0; s->list = NULL;
  return 0;
}
static CUresult cuStreamEndCapture(Stream* s, Graph** g) {
  if (!s || !s->capturing) return 1;
  Graph* graph = malloc(sizeof(Graph));
  graph->list = s->list; graph->n = s->n;
  track(graph, 0);
  s->capturing = 0; s->list = NULL; s->n = 0;
  *g = graph;
  return 0;
}
static CUresult cuEventCreate(Event** e, unsigned flags) { *e = calloc(1, sizeof(Event)); track(*e, 0); return 0; }
static CUresult cuEventDestroy(Event* e) {
  if (!untrack(e)) return INVALID_HANDLE;
  free(e);
  return 0;
}
static CUresult cuEventRecord(Event* e, Stream* s) { e->t = clock_ms; return sticky; }
static CUresult cuEventSynchronize(Event* e) {
  worker_delay();
  if (!alive(e)) return INVALID_HANDLE;
  return sticky;
}
static CUresult cuEventQuery(Event* e) { return sticky; }
static CUresult cuEventElapsedTime(float* ms, Event* a, Event* b) { *ms = (float)(b->t - a->t); return 0; }
static CUresult cuGraphInstantiateWithFlags(Graph** x, Graph* g, unsigned long long flags) { *x = g; return 0; }
static CUresult cuGraphLaunch(Graph* x, Stream* s) {
  worker_delay();
  if (!alive(x) || (s && !alive(s))) return INVALID_HANDLE;
  for (int i = 0; i < x->n; ++i) {
    CUresult r = run(&x->list[i]);
    if (r) return r;
  }
  return sticky;
}
static CUresult cuGraphExecDestroy(Graph* x) { return 0; }
static CUresult cuGraphDestroy(Graph* g) {
  if (!untrack(g)) return INVALID_HANDLE;
  free(g->list);
  free(g);
  return 0;
}

static CUresult cuGetErrorName(CUresult r, const char** s) {
  switch (r) {
    case 1: *s = "CUDA_ERROR_INVALID_VALUE"; return 0;
    case 2: *s = "CUDA_ERROR_OUT_OF_MEMORY"; return 0;
    case 100: *s = "CUDA_ERROR_NO_DEVICE"; return 0;
    case 200: *s = "CUDA_ERROR_INVALID_IMAGE"; return 0;
    case 400: *s = "CUDA_ERROR_INVALID_HANDLE"; return 0;
    case 500: *s = "CUDA_ERROR_NOT_FOUND"; return 0;
    case 700: *s = "CUDA_ERROR_ILLEGAL_ADDRESS"; return 0;
    default: return 1;
  }
}
static CUresult cuGetErrorString(CUresult r, const char** s) {
  switch (r) {
    case 1: *s = "invalid argument"; return 0;
    case 2: *s = "out of memory"; return 0;
    case 100: *s = "no CUDA-capable device is detected"; return 0;
    case 200: *s = "device kernel image is invalid"; return 0;
    case 400: *s = "invalid resource handle"; return 0;
    case 500: *s = "named symbol not found"; return 0;
    case 700: *s = "an illegal memory access was encountered"; return 0;
    default: return 1;
  }
}

#define E(name) {#name, (void*)name}
static const struct { const char* name; void* fn; } table[] = {
    E(cuInit), E(cuDriverGetVersion), E(cuDeviceGetCount), E(cuDeviceGet), E(cuDeviceGetName),
    E(cuDeviceGetAttribute), E(cuDeviceTotalMem), E(cuDeviceGetPCIBusId), E(cuDevicePrimaryCtxRetain),
    E(cuDevicePrimaryCtxRelease), E(cuCtxSetCurrent), E(cuCtxSynchronize), E(cuMemGetInfo), E(cuMemAlloc),
    E(cuMemFree), E(cuMemcpyHtoD), E(cuMemcpyDtoH), E(cuMemcpyDtoD), E(cuMemsetD8), E(cuMemsetD16),
    E(cuMemsetD32), E(cuMemsetD8Async), E(cuModuleLoadData), E(cuModuleUnload), E(cuModuleGetFunction),
    E(cuFuncGetAttribute), E(cuFuncSetAttribute), E(cuFuncSetCacheConfig), E(cuLaunchKernel), E(cuStreamCreate), E(cuStreamDestroy),
    E(cuStreamSynchronize), E(cuStreamBeginCapture), E(cuStreamEndCapture), E(cuEventCreate),
    E(cuEventDestroy), E(cuEventRecord), E(cuEventSynchronize), E(cuEventQuery), E(cuEventElapsedTime),
    E(cuGraphInstantiateWithFlags), E(cuGraphLaunch), E(cuGraphExecDestroy), E(cuGraphDestroy),
    E(cuGetErrorName), E(cuGetErrorString),
};

/* The only exported symbol the addon may use: everything else is resolved through it. */
CUresult cuGetProcAddress_v2(const char* symbol, void** pfn, int version, u64 flags, int* status) {
  if (getenv("FAKE_CUDA_NO_GETPROC")) return 500;
  if (version != 12000) return 1; /* the addon pins CUDA 12.0 */
  for (size_t i = 0; i < sizeof table / sizeof table[0]; ++i) {
    if (!strcmp(table[i].name, symbol)) {
      *pfn = table[i].fn;
      if (status) *status = 0;
      return 0;
    }
  }
  *pfn = NULL;
  if (status) *status = 1;
  return 500;
}
