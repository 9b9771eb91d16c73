// Module: a loaded cubin / hsaco image (cuModuleLoadData). Hands out its kernel functions.
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "state.h"

namespace moe {

// Shared by a module and its functions: a function of an unloaded module must not launch.
// Graphs captured from its kernels run its code: unload() refuses while one of them is alive.
struct ModuleHandle {
  CUmodule mod = nullptr;
  bool unloaded = false;
  int graphs = 0;  // live (not yet released) graphs holding a launch of its kernels; JS thread only
};
using ModuleList = std::vector<std::shared_ptr<ModuleHandle>>;

class Module : public Napi::ObjectWrap<Module> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Module(const Napi::CallbackInfo& info);
  ~Module() override;
  void Set(StatePtr st, CUmodule mod);

 private:
  Napi::Value GetFunction(const Napi::CallbackInfo& info);
  Napi::Value Unload(const Napi::CallbackInfo& info);

  StatePtr st_;
  std::shared_ptr<ModuleHandle> handle_;
};

}  // namespace moe
