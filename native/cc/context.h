// Context: a device's primary context. Makes buffers, modules, streams and events.
#pragma once

#include <napi.h>

#include "state.h"

namespace moe {

class Context : public Napi::ObjectWrap<Context> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Context(const Napi::CallbackInfo& info);
  ~Context() override;

 private:
  static Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Alloc(const Napi::CallbackInfo& info);
  Napi::Value MemInfo(const Napi::CallbackInfo& info);
  Napi::Value LoadModule(const Napi::CallbackInfo& info);
  Napi::Value CreateStream(const Napi::CallbackInfo& info);
  Napi::Value CreateEvent(const Napi::CallbackInfo& info);
  Napi::Value Synchronize(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Dead(const Napi::CallbackInfo& info);
  Napi::Value DeadReason(const Napi::CallbackInfo& info);
  Napi::Value Closed(const Napi::CallbackInfo& info);

  StatePtr st_;
};

}  // namespace moe
