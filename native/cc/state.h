// What every wrapped resource shares: the context it lives in, the CU_TRY error path and the
// base of the workers that run long driver calls off the JS thread.
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "driver.h"

namespace moe {

struct ContextState {
  Driver* drv = nullptr;
  int ordinal = 0;
  CUdevice dev = 0;
  CUcontext ctx = nullptr;  // the device's primary context, retained while open
  std::atomic<bool> dead{false};
  bool closed = false;
  int inflight = 0;  // async workers queued and not yet settled (JS thread only)

  ~ContextState();
  CUresult MakeCurrent() const { return drv->ctxSetCurrent.fn(ctx); }
  void MarkDead(const std::string& why);
  std::string DeadReason();
  void Release();  // releases the primary context (idempotent)
  // close(): releases now, or when the last async worker settles.
  void Close();
  void WorkerSettled();

 private:
  std::mutex mu_;
  std::string deadReason_;
  bool released_ = false;
};
using StatePtr = std::shared_ptr<ContextState>;

// A wrapped resource (buffer, stream, event, graph) that async workers may be using. free() or
// destroy() while one of them runs only marks the resource released: its driver handle goes when
// the last of those workers settles, so no worker thread ever uses a freed handle.
class InFlight {
 public:
  virtual ~InFlight() = default;
  void Pin() { ++pins_; }
  void Unpin() {
    if (--pins_ == 0 && deferred_) {
      deferred_ = false;
      ReleaseDeferred();
    }
  }

 protected:
  // true: no worker uses the resource, release it now; false: released when they settle.
  bool CanReleaseNow() {
    if (pins_ == 0) return true;
    deferred_ = true;
    return false;
  }
  // The deferred release: frees the handle if the context still can; never throws.
  virtual void ReleaseDeferred() = 0;

 private:
  int pins_ = 0;  // JS thread only
  bool deferred_ = false;
};

// A JS Error for a failed driver call: code MOE_DRIVER_ERROR, call, status, errorName, errorText,
// sticky, backend. A sticky status marks the context dead.
Napi::Error DriverError(Napi::Env env, ContextState* st, const char* call, CUresult status);
// A JS Error with a MOE_ code and a message.
Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message);

// Throws DriverError when status is not success.
void Check(Napi::Env env, ContextState* st, const char* call, CUresult status);

// Throws when the context is closed or dead, else makes it current on this thread.
void EnsureUsable(Napi::Env env, ContextState* st);

// CU_TRY(env, st, memAlloc, &ptr, bytes): calls the driver entry `memAlloc` and turns a failure
// into a JS exception naming the call ("cuMemAlloc"), the driver's error name and its text.
#define CU_TRY(env, st, entry, ...) \
  ::moe::Check((env), (st), (st)->drv->entry.name, (st)->drv->entry.fn(__VA_ARGS__))

// Runs Run() on a libuv worker thread with the context current; settles a promise.
class DriverWorker : public Napi::AsyncWorker {
 public:
  DriverWorker(Napi::Env env, StatePtr st);
  // Queues the worker, then takes the in-flight counts (the context's and those of the resources
  // given to Use()), which Settle() gives back: a worker that throws while being built, before
  // Start(), holds none. Returns the promise the worker settles.
  Napi::Promise Start();
  // Keeps a resource the worker uses (and its JS object) alive and unreleased until it settles,
  // from Start() on.
  void Use(InFlight* resource, Napi::Object owner);

 protected:
  // In Run(): `if (!Try(st_->drv->x.name, st_->drv->x.fn(...))) return;`
  bool Try(const char* call, CUresult status);
  virtual void Run() = 0;
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }
  StatePtr st_;

 private:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;
  void Settle();
  Napi::Promise::Deferred deferred_;
  std::vector<std::pair<InFlight*, Napi::ObjectReference>> used_;
  const char* failedCall_ = "";
  CUresult status_ = kSuccess;
};

}  // namespace moe
