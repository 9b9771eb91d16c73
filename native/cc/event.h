// Event: a driver event, with or without timing.
#pragma once

#include <napi.h>

#include "state.h"

namespace moe {

class Event : public Napi::ObjectWrap<Event>, public InFlight {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Event(const Napi::CallbackInfo& info);
  ~Event() override;
  void Set(StatePtr st, CUevent e);

 private:
  void Usable(Napi::Env env);
  void ReleaseDeferred() override;
  Napi::Value Record(const Napi::CallbackInfo& info);
  Napi::Value Synchronize(const Napi::CallbackInfo& info);
  Napi::Value Query(const Napi::CallbackInfo& info);
  Napi::Value ElapsedMs(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);

  StatePtr st_;
  CUevent e_ = nullptr;
  bool destroyed_ = false;
};

}  // namespace moe
