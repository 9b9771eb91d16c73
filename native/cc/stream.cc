#include "stream.h"

#include "addon.h"
#include "graph.h"

namespace moe {

Napi::Function Stream::Init(Napi::Env env) {
  return DefineClass(env, "Stream",
                     {
                         InstanceMethod<&Stream::Synchronize>("synchronize"),
                         InstanceMethod<&Stream::BeginCapture>("beginCapture"),
                         InstanceMethod<&Stream::EndCapture>("endCapture"),
                         InstanceMethod<&Stream::Destroy>("destroy"),
                     });
}

Stream::Stream(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Stream>(info) {}

Stream::~Stream() {
  if (st_ && !destroyed_) ReleaseDeferred();
}

void Stream::ReleaseDeferred() {
  if (!st_->closed && !st_->dead && st_->MakeCurrent() == kSuccess) st_->drv->streamDestroy.fn(s_);
}

void Stream::Set(StatePtr st, CUstream s) {
  st_ = std::move(st);
  s_ = s;
}

void Stream::Usable(Napi::Env env) {
  if (destroyed_) throw CodedError(env, "MOE_RESOURCE_RELEASED", "the stream was destroyed");
  EnsureUsable(env, st_.get());
}

Stream* StreamObject(Napi::Env env, const Napi::Value& v) {
  if (v.IsNull() || v.IsUndefined()) return nullptr;
  Stream* s = Stream::Unwrap(v.As<Napi::Object>());
  s->Usable(env);
  return s;
}

CUstream StreamArg(Napi::Env env, const Napi::Value& v) {
  Stream* s = StreamObject(env, v);
  return s == nullptr ? nullptr : s->handle();
}

namespace {
class StreamSyncWorker : public DriverWorker {
 public:
  StreamSyncWorker(Napi::Env env, StatePtr st, Stream* stream, Napi::Object owner)
      : DriverWorker(env, std::move(st)), s_(stream->handle()) {
    Use(stream, owner);  // a destroy() meanwhile waits for the synchronisation
  }
  void Run() override {
    Try(st_->drv->streamSynchronize.name, st_->drv->streamSynchronize.fn(s_));
  }

 private:
  CUstream s_;
};
}  // namespace

Napi::Value Stream::Synchronize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  auto* w = new StreamSyncWorker(env, st_, this, info.This().As<Napi::Object>());
  return w->Start();
}

Napi::Value Stream::BeginCapture(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  CU_TRY(env, st_.get(), streamBeginCapture, s_, kCaptureModeThreadLocal);
  capturing_ = true;
  captured_.clear();
  return env.Undefined();
}

void Stream::Launched(const std::shared_ptr<ModuleHandle>& module) {
  if (!capturing_) return;
  for (const auto& m : captured_) {
    if (m == module) return;
  }
  captured_.push_back(module);
}

// endCapture(): Graph — ends the capture and instantiates the captured graph.
Napi::Value Stream::EndCapture(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  CUgraph graph = nullptr;
  ModuleList modules = std::move(captured_);
  captured_.clear();
  capturing_ = false;
  CU_TRY(env, st_.get(), streamEndCapture, s_, &graph);
  CUgraphExec exec = nullptr;
  CUresult r = st_->drv->graphInstantiate.fn(&exec, graph, 0);
  if (r != kSuccess) {
    st_->drv->graphDestroy.fn(graph);
    throw DriverError(env, st_.get(), st_->drv->graphInstantiate.name, r);
  }
  Napi::Object obj = NewInstance(env, &AddonData::graph);
  Graph::Unwrap(obj)->Set(st_, graph, exec, std::move(modules));
  return obj;
}

Napi::Value Stream::Destroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (destroyed_ || !st_) return env.Undefined();
  destroyed_ = true;
  if (st_->closed || st_->dead) return env.Undefined();
  if (!CanReleaseNow()) return env.Undefined();  // destroyed when its workers settle
  CU_TRY(env, st_.get(), ctxSetCurrent, st_->ctx);
  CU_TRY(env, st_.get(), streamDestroy, s_);
  return env.Undefined();
}

}  // namespace moe
