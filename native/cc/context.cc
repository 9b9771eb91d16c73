#include "context.h"

#include "addon.h"
#include "buffer.h"
#include "event.h"
#include "module.h"
#include "stream.h"

namespace moe {

Napi::Function Context::Init(Napi::Env env) {
  return DefineClass(env, "Context",
                     {
                         StaticMethod<&Context::Open>("open"),
                         InstanceMethod<&Context::Alloc>("alloc"),
                         InstanceMethod<&Context::MemInfo>("memInfo"),
                         InstanceMethod<&Context::LoadModule>("loadModule"),
                         InstanceMethod<&Context::CreateStream>("createStream"),
                         InstanceMethod<&Context::CreateEvent>("createEvent"),
                         InstanceMethod<&Context::Synchronize>("synchronize"),
                         InstanceMethod<&Context::Close>("close"),
                         InstanceAccessor<&Context::Dead>("dead"),
                         InstanceAccessor<&Context::DeadReason>("deadReason"),
                         InstanceAccessor<&Context::Closed>("closed"),
                     });
}

Context::Context(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Context>(info) {}

Context::~Context() = default;

// open(ordinal: number, backend: 'cuda' | 'hip')
Napi::Value Context::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ordinal = info[0].As<Napi::Number>().Int32Value();
  std::string backend = info[1].As<Napi::String>().Utf8Value();
  Driver& d = backend == "hip" ? HipDriver() : CudaDriver();
  if (!d.initialised || ordinal < 0 || ordinal >= d.deviceCount) {
    throw CodedError(env, "MOE_NO_DEVICE",
                     backend + " device " + std::to_string(ordinal) + " does not exist" +
                         (d.error.empty() ? "" : ": " + d.error));
  }
  auto st = std::make_shared<ContextState>();
  st->drv = &d;
  st->ordinal = ordinal;
  CU_TRY(env, st.get(), deviceGet, &st->dev, ordinal);
  CU_TRY(env, st.get(), primaryCtxRetain, &st->ctx, st->dev);
  CU_TRY(env, st.get(), ctxSetCurrent, st->ctx);
  Napi::Object obj = NewInstance(env, &AddonData::context);
  Context::Unwrap(obj)->st_ = st;
  return obj;
}

Napi::Value Context::Alloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnsureUsable(env, st_.get());
  auto bytes = static_cast<std::size_t>(info[0].As<Napi::Number>().Int64Value());
  CUdeviceptr ptr = 0;
  CU_TRY(env, st_.get(), memAlloc, &ptr, bytes);
  Napi::Object obj = NewInstance(env, &AddonData::buffer);
  Buffer::Unwrap(obj)->Set(st_, ptr, bytes);
  return obj;
}

Napi::Value Context::MemInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnsureUsable(env, st_.get());
  std::size_t freeBytes = 0, totalBytes = 0;
  CU_TRY(env, st_.get(), memGetInfo, &freeBytes, &totalBytes);
  Napi::Object o = Napi::Object::New(env);
  o.Set("freeBytes", Napi::Number::New(env, static_cast<double>(freeBytes)));
  o.Set("totalBytes", Napi::Number::New(env, static_cast<double>(totalBytes)));
  return o;
}

// loadModule(image: Uint8Array)
Napi::Value Context::LoadModule(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnsureUsable(env, st_.get());
  auto image = info[0].As<Napi::Uint8Array>();
  // The driver reads the image during the call; cubins are ELF, so no terminator is needed, but
  // a copy keeps the bytes aligned and alive for the call whatever the view's offset.
  std::string copy(reinterpret_cast<const char*>(image.Data()), image.ByteLength());
  CUmodule mod = nullptr;
  CU_TRY(env, st_.get(), moduleLoadData, &mod, copy.data());
  Napi::Object obj = NewInstance(env, &AddonData::module);
  Module::Unwrap(obj)->Set(st_, mod);
  return obj;
}

Napi::Value Context::CreateStream(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnsureUsable(env, st_.get());
  CUstream s = nullptr;
  CU_TRY(env, st_.get(), streamCreate, &s, kStreamDefault);
  Napi::Object obj = NewInstance(env, &AddonData::stream);
  Stream::Unwrap(obj)->Set(st_, s);
  return obj;
}

// createEvent(timing: boolean)
Napi::Value Context::CreateEvent(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnsureUsable(env, st_.get());
  bool timing = info[0].ToBoolean().Value();
  CUevent e = nullptr;
  CU_TRY(env, st_.get(), eventCreate, &e, timing ? kEventDefault : kEventDisableTiming);
  Napi::Object obj = NewInstance(env, &AddonData::event);
  Event::Unwrap(obj)->Set(st_, e);
  return obj;
}

namespace {
class CtxSyncWorker : public DriverWorker {
 public:
  using DriverWorker::DriverWorker;
  void Run() override { Try(st_->drv->ctxSynchronize.name, st_->drv->ctxSynchronize.fn()); }
};
}  // namespace

Napi::Value Context::Synchronize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnsureUsable(env, st_.get());
  auto* w = new CtxSyncWorker(env, st_);
  return w->Start();
}

Napi::Value Context::Close(const Napi::CallbackInfo& info) {
  if (st_ && !st_->closed) st_->Close();
  return info.Env().Undefined();
}

Napi::Value Context::Dead(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), st_ && st_->dead.load());
}

Napi::Value Context::DeadReason(const Napi::CallbackInfo& info) {
  if (!st_ || !st_->dead) return info.Env().Null();
  return Napi::String::New(info.Env(), st_->DeadReason());
}

Napi::Value Context::Closed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !st_ || st_->closed);
}

}  // namespace moe
