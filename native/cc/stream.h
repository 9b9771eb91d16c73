// Stream: a driver stream (blocking: ordered with the legacy default stream that buffer copies
// use). Synchronisation off the JS thread; graph capture begins and ends here.
#pragma once

#include <napi.h>

#include "module.h"
#include "state.h"

namespace moe {

class Stream : public Napi::ObjectWrap<Stream>, public InFlight {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Stream(const Napi::CallbackInfo& info);
  ~Stream() override;
  void Set(StatePtr st, CUstream s);
  CUstream handle() const { return s_; }
  // A launch of one of `module`'s kernels onto this stream: while capturing, the graph keeps it.
  void Launched(const std::shared_ptr<ModuleHandle>& module);

 private:
  void Usable(Napi::Env env);
  void ReleaseDeferred() override;
  Napi::Value Synchronize(const Napi::CallbackInfo& info);
  Napi::Value BeginCapture(const Napi::CallbackInfo& info);
  Napi::Value EndCapture(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);

  friend Stream* StreamObject(Napi::Env env, const Napi::Value& v);
  StatePtr st_;
  CUstream s_ = nullptr;
  bool destroyed_ = false;
  bool capturing_ = false;
  ModuleList captured_;  // modules whose kernels the capture in progress launched
};

// A stream argument: null/undefined is the legacy default stream.
CUstream StreamArg(Napi::Env env, const Napi::Value& v);
// The same argument's object (checked usable), or nullptr for the legacy default stream.
Stream* StreamObject(Napi::Env env, const Napi::Value& v);

}  // namespace moe
