#include "event.h"

#include "stream.h"

namespace moe {

Napi::Function Event::Init(Napi::Env env) {
  return DefineClass(env, "Event",
                     {
                         InstanceMethod<&Event::Record>("record"),
                         InstanceMethod<&Event::Synchronize>("synchronize"),
                         InstanceMethod<&Event::Query>("query"),
                         InstanceMethod<&Event::ElapsedMs>("elapsedMsSince"),
                         InstanceMethod<&Event::Destroy>("destroy"),
                     });
}

Event::Event(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Event>(info) {}

Event::~Event() {
  if (st_ && !destroyed_) ReleaseDeferred();
}

void Event::ReleaseDeferred() {
  if (!st_->closed && !st_->dead && st_->MakeCurrent() == kSuccess) st_->drv->eventDestroy.fn(e_);
}

void Event::Set(StatePtr st, CUevent e) {
  st_ = std::move(st);
  e_ = e;
}

void Event::Usable(Napi::Env env) {
  if (destroyed_) throw CodedError(env, "MOE_RESOURCE_RELEASED", "the event was destroyed");
  EnsureUsable(env, st_.get());
}

// record(stream | null)
Napi::Value Event::Record(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  CUstream s = StreamArg(env, info[0]);
  CU_TRY(env, st_.get(), eventRecord, e_, s);
  return env.Undefined();
}

namespace {
class EventSyncWorker : public DriverWorker {
 public:
  EventSyncWorker(Napi::Env env, StatePtr st, InFlight* event, CUevent e, Napi::Object owner)
      : DriverWorker(env, std::move(st)), e_(e) {
    Use(event, owner);  // a destroy() meanwhile waits for the synchronisation
  }
  void Run() override { Try(st_->drv->eventSynchronize.name, st_->drv->eventSynchronize.fn(e_)); }

 private:
  CUevent e_;
};
}  // namespace

Napi::Value Event::Synchronize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  auto* w = new EventSyncWorker(env, st_, this, e_, info.This().As<Napi::Object>());
  return w->Start();
}

Napi::Value Event::Query(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  CUresult r = st_->drv->eventQuery.fn(e_);
  if (r == kErrorNotReady) return Napi::Boolean::New(env, false);
  Check(env, st_.get(), st_->drv->eventQuery.name, r);
  return Napi::Boolean::New(env, true);
}

// elapsedMsSince(start: Event): milliseconds from start to this event
Napi::Value Event::ElapsedMs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  Event* start = Event::Unwrap(info[0].As<Napi::Object>());
  start->Usable(env);
  float ms = 0;
  CU_TRY(env, st_.get(), eventElapsedTime, &ms, start->e_, e_);
  return Napi::Number::New(env, ms);
}

Napi::Value Event::Destroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (destroyed_ || !st_) return env.Undefined();
  destroyed_ = true;
  if (st_->closed || st_->dead) return env.Undefined();
  if (!CanReleaseNow()) return env.Undefined();  // destroyed when its synchronisation settles
  CU_TRY(env, st_.get(), ctxSetCurrent, st_->ctx);
  CU_TRY(env, st_.get(), eventDestroy, e_);
  return env.Undefined();
}

}  // namespace moe
