// Graph: an instantiated CUDA graph (hipGraph) of captured launches; replays, timed with events.
#pragma once

#include <napi.h>

#include "state.h"

namespace moe {

class Graph : public Napi::ObjectWrap<Graph>, public InFlight {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Graph(const Napi::CallbackInfo& info);
  ~Graph() override;
  void Set(StatePtr st, CUgraph graph, CUgraphExec exec);

 private:
  void Usable(Napi::Env env);
  Napi::Value Launch(const Napi::CallbackInfo& info);
  Napi::Value ReplayTimes(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);
  void Release();
  void ReleaseDeferred() override;

  StatePtr st_;
  CUgraph graph_ = nullptr;
  CUgraphExec exec_ = nullptr;
  bool destroyed_ = false;
};

}  // namespace moe
