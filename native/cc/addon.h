// Per-environment data: the constructors of the wrapped classes, so C++ can make instances.
#pragma once

#include <napi.h>

namespace moe {

struct AddonData {
  Napi::FunctionReference context, buffer, module, function, stream, event, graph;
};

inline Napi::Object NewInstance(Napi::Env env, Napi::FunctionReference AddonData::*which) {
  return (env.GetInstanceData<AddonData>()->*which).New({});
}

}  // namespace moe
