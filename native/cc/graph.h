// Graph: an instantiated CUDA graph (hipGraph) of captured launches; replays, timed with events.
#pragma once

#include <napi.h>

#include "module.h"
#include "state.h"

namespace moe {

class Graph : public Napi::ObjectWrap<Graph>, public InFlight {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Graph(const Napi::CallbackInfo& info);
  ~Graph() override;
  // modules: those whose kernels the graph launches; each counts it until it is released.
  void Set(StatePtr st, CUgraph graph, CUgraphExec exec, ModuleList modules);

 private:
  void Usable(Napi::Env env);
  Napi::Value Launch(const Napi::CallbackInfo& info);
  Napi::Value ReplayTimes(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);
  void Release();
  void ReleaseDeferred() override;
  void DropModules();

  StatePtr st_;
  CUgraph graph_ = nullptr;
  CUgraphExec exec_ = nullptr;
  bool destroyed_ = false;
  ModuleList modules_;
};

}  // namespace moe
