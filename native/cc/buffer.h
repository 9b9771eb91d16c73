// Buffer: device memory (cuMemAlloc). Upload, fill and device copies run on the JS thread on the
// legacy default stream; downloads run on a worker thread.
#pragma once

#include <napi.h>

#include "state.h"

namespace moe {

class Buffer : public Napi::ObjectWrap<Buffer>, public InFlight {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Buffer(const Napi::CallbackInfo& info);
  ~Buffer() override;
  void Set(StatePtr st, CUdeviceptr ptr, std::size_t bytes);
  CUdeviceptr ptr() const { return ptr_; }
  // Throws unless the buffer can be used (not freed, context open and alive).
  void Usable(Napi::Env env);

 private:
  void ReleaseDeferred() override;
  Napi::Value Ptr(const Napi::CallbackInfo& info);
  Napi::Value Bytes(const Napi::CallbackInfo& info);
  Napi::Value Freed(const Napi::CallbackInfo& info);
  Napi::Value Upload(const Napi::CallbackInfo& info);
  Napi::Value Download(const Napi::CallbackInfo& info);
  Napi::Value Fill(const Napi::CallbackInfo& info);
  Napi::Value CopyFrom(const Napi::CallbackInfo& info);
  Napi::Value Free(const Napi::CallbackInfo& info);

  StatePtr st_;
  CUdeviceptr ptr_ = 0;
  std::size_t bytes_ = 0;
  bool freed_ = false;
};

}  // namespace moe
