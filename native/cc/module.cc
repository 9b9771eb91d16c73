#include "module.h"

#include <string>

#include "addon.h"
#include "function.h"

namespace moe {

Napi::Function Module::Init(Napi::Env env) {
  return DefineClass(env, "Module",
                     {
                         InstanceMethod<&Module::GetFunction>("getFunction"),
                         InstanceMethod<&Module::Unload>("unload"),
                     });
}

Module::Module(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Module>(info) {}

// A module is not unloaded when collected: its functions (and graphs captured from them) may
// still be in use. unload() or closing the context releases it.
Module::~Module() = default;

void Module::Set(StatePtr st, CUmodule mod) {
  st_ = std::move(st);
  handle_ = std::make_shared<ModuleHandle>();
  handle_->mod = mod;
}

// getFunction(name: string)
Napi::Value Module::GetFunction(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!handle_ || handle_->unloaded) {
    throw CodedError(env, "MOE_RESOURCE_RELEASED", "the module was unloaded");
  }
  EnsureUsable(env, st_.get());
  std::string name = info[0].As<Napi::String>().Utf8Value();
  CUfunction fn = nullptr;
  CU_TRY(env, st_.get(), moduleGetFunction, &fn, handle_->mod, name.c_str());
  Napi::Object obj = NewInstance(env, &AddonData::function);
  Function::Unwrap(obj)->Set(st_, handle_, fn, name);
  return obj;
}

Napi::Value Module::Unload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!handle_ || handle_->unloaded) return env.Undefined();
  if (st_->closed || st_->dead) {  // the context took the module (and its graphs) with it
    handle_->unloaded = true;
    return env.Undefined();
  }
  if (handle_->graphs > 0) {
    throw CodedError(env, "MOE_MODULE_IN_USE",
                     std::to_string(handle_->graphs) +
                         " graph(s) captured from its kernels are still alive and would run unloaded code; "
                         "destroy() those graphs first, then unload()");
  }
  handle_->unloaded = true;
  CU_TRY(env, st_.get(), ctxSetCurrent, st_->ctx);
  CU_TRY(env, st_.get(), moduleUnload, handle_->mod);
  return env.Undefined();
}

}  // namespace moe
