#include "function.h"

#include <cstring>
#include <vector>

#include "stream.h"

namespace moe {

Napi::Function Function::Init(Napi::Env env) {
  return DefineClass(env, "KernelFunction",
                     {
                         InstanceAccessor<&Function::Name>("name"),
                         InstanceMethod<&Function::Attributes>("attributes"),
                         InstanceMethod<&Function::SetMaxDynamicShared>("setMaxDynamicSharedMemory"),
                         InstanceMethod<&Function::PreferShared>("preferSharedMemory"),
                         InstanceMethod<&Function::Launch>("launch"),
                     });
}

Function::Function(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Function>(info) {}

void Function::Set(StatePtr st, std::shared_ptr<ModuleHandle> module, CUfunction fn, std::string name) {
  st_ = std::move(st);
  module_ = std::move(module);
  fn_ = fn;
  name_ = std::move(name);
}

void Function::Usable(Napi::Env env) {
  if (!module_ || module_->unloaded) {
    throw CodedError(env, "MOE_RESOURCE_RELEASED", "the module of kernel " + name_ + " was unloaded");
  }
  EnsureUsable(env, st_.get());
}

Napi::Value Function::Name(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), name_);
}

Napi::Value Function::Attributes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  static const std::pair<const char*, int> kAttrs[] = {
      {"maxThreadsPerBlock", kFuncMaxThreadsPerBlock},
      {"sharedSizeBytes", kFuncSharedSizeBytes},
      {"constSizeBytes", kFuncConstSizeBytes},
      {"localSizeBytes", kFuncLocalSizeBytes},
      {"numRegs", kFuncNumRegs},
      {"ptxVersion", kFuncPtxVersion},
      {"binaryVersion", kFuncBinaryVersion},
      {"maxDynamicSharedSizeBytes", kFuncMaxDynamicSharedSizeBytes},
  };
  Napi::Object o = Napi::Object::New(env);
  for (const auto& [key, id] : kAttrs) {
    int value = 0;
    CU_TRY(env, st_.get(), funcGetAttribute, &value, id, fn_);
    o.Set(key, Napi::Number::New(env, value));
  }
  return o;
}

// setMaxDynamicSharedMemory(bytes: number)
Napi::Value Function::SetMaxDynamicShared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  int bytes = info[0].As<Napi::Number>().Int32Value();
  if (st_->drv->funcSetAttribute.fn == nullptr) return env.Undefined();  // HIP: no opt-in
  CU_TRY(env, st_.get(), funcSetAttribute, fn_, kFuncMaxDynamicSharedSizeBytes, bytes);
  return env.Undefined();
}

// preferSharedMemory(): the L1/shared split that gives shared memory the most
// (CU_FUNC_CACHE_PREFER_SHARED), as Triton's launcher sets for kernels above 48 KiB. Returns
// false where the backend has no such setting (HIP).
Napi::Value Function::PreferShared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  if (st_->drv->funcSetCacheConfig.fn == nullptr) return Napi::Boolean::New(env, false);
  CU_TRY(env, st_.get(), funcSetCacheConfig, fn_, 1 /* CU_FUNC_CACHE_PREFER_SHARED */);
  return Napi::Boolean::New(env, true);
}

// launch(gx, gy, gz, bx, by, bz, sharedBytes, stream | null, params: Uint8Array)
// params holds one 8-byte little-endian slot per kernel parameter, in order: the driver reads
// each parameter's own size from the start of its slot.
Napi::Value Function::Launch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  unsigned dims[7];
  for (int i = 0; i < 7; ++i) dims[i] = info[i].As<Napi::Number>().Uint32Value();
  Stream* so = StreamObject(env, info[7]);
  CUstream stream = so == nullptr ? nullptr : so->handle();
  auto params = info[8].As<Napi::Uint8Array>();
  std::size_t n = params.ByteLength() / 8;
  std::vector<std::uint64_t> slots(n);
  if (n > 0) std::memcpy(slots.data(), params.Data(), n * 8);
  std::vector<void*> args(n);
  for (std::size_t i = 0; i < n; ++i) args[i] = &slots[i];
  CU_TRY(env, st_.get(), launchKernel, fn_, dims[0], dims[1], dims[2], dims[3], dims[4], dims[5],
         dims[6], stream, n > 0 ? args.data() : nullptr, nullptr);
  if (so != nullptr) so->Launched(module_);
  return env.Undefined();
}

}  // namespace moe
