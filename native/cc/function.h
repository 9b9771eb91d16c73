// Function: one kernel of a module (cuModuleGetFunction): attributes and launches.
#pragma once

#include <napi.h>

#include <string>

#include "module.h"
#include "state.h"

namespace moe {

class Function : public Napi::ObjectWrap<Function> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Function(const Napi::CallbackInfo& info);
  void Set(StatePtr st, std::shared_ptr<ModuleHandle> module, CUfunction fn, std::string name);

 private:
  void Usable(Napi::Env env);
  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value Attributes(const Napi::CallbackInfo& info);
  Napi::Value SetMaxDynamicShared(const Napi::CallbackInfo& info);
  Napi::Value PreferShared(const Napi::CallbackInfo& info);
  Napi::Value Launch(const Napi::CallbackInfo& info);

  StatePtr st_;
  std::shared_ptr<ModuleHandle> module_;
  CUfunction fn_ = nullptr;
  std::string name_;
};

}  // namespace moe
