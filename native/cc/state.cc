#include "state.h"

namespace moe {

ContextState::~ContextState() { Release(); }

void ContextState::Release() {
  std::lock_guard<std::mutex> lock(mu_);
  if (released_ || ctx == nullptr) return;
  released_ = true;
  drv->primaryCtxRelease.fn(dev);
}

void ContextState::Close() {
  closed = true;
  if (inflight == 0) Release();
}

void ContextState::WorkerSettled() {
  if (--inflight == 0 && closed) Release();
}

void ContextState::MarkDead(const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!dead.exchange(true)) deadReason_ = why;
}

std::string ContextState::DeadReason() {
  std::lock_guard<std::mutex> lock(mu_);
  return deadReason_;
}

Napi::Error CodedError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

Napi::Error DriverError(Napi::Env env, ContextState* st, const char* call, CUresult status) {
  const Driver& d = *st->drv;
  std::string name = d.ErrorName(status);
  std::string text = d.ErrorText(status);
  bool sticky = Driver::IsSticky(status);
  std::string message = std::string(call) + " failed: " + name + " (" + text + ")";
  if (sticky) st->MarkDead(message);
  Napi::Error e = CodedError(env, "MOE_DRIVER_ERROR", message);
  e.Set("call", Napi::String::New(env, call));
  e.Set("status", Napi::Number::New(env, status));
  e.Set("errorName", Napi::String::New(env, name));
  e.Set("errorText", Napi::String::New(env, text));
  e.Set("sticky", Napi::Boolean::New(env, sticky));
  e.Set("backend", Napi::String::New(env, d.backend == Backend::Cuda ? "cuda" : "hip"));
  return e;
}

void Check(Napi::Env env, ContextState* st, const char* call, CUresult status) {
  if (status != kSuccess) throw DriverError(env, st, call, status);
}

void EnsureUsable(Napi::Env env, ContextState* st) {
  if (st == nullptr) throw CodedError(env, "MOE_NATIVE_INVALID_OBJECT", "the object was not made by the addon");
  if (st->closed) throw CodedError(env, "MOE_CONTEXT_CLOSED", "the GPU context was closed");
  if (st->dead) throw CodedError(env, "MOE_CONTEXT_DEAD", "the GPU context is dead: " + st->DeadReason());
  CU_TRY(env, st, ctxSetCurrent, st->ctx);
}

DriverWorker::DriverWorker(Napi::Env env, StatePtr st)
    : Napi::AsyncWorker(env), st_(std::move(st)), deferred_(Napi::Promise::Deferred::New(env)) {}

Napi::Promise DriverWorker::Start() {
  Napi::Promise promise = deferred_.Promise();
  Queue();
  // Settle() runs on this (the JS) thread after the current call returns, so the counts are
  // taken before it can give them back. A close() or free() meanwhile waits for this worker.
  ++st_->inflight;
  for (auto& used : used_) used.first->Pin();
  return promise;
}

bool DriverWorker::Try(const char* call, CUresult status) {
  if (status == kSuccess) return true;
  failedCall_ = call;
  status_ = status;
  SetError(call);
  return false;
}

void DriverWorker::Use(InFlight* resource, Napi::Object owner) {
  used_.emplace_back(resource, Napi::Persistent(owner));
}

// On the JS thread, before the promise settles: deferred releases of the resources first, then
// the context's (a close() that waited for this worker).
void DriverWorker::Settle() {
  for (auto& [resource, owner] : used_) resource->Unpin();
  used_.clear();
  st_->WorkerSettled();
}

void DriverWorker::Execute() {
  if (!Try(st_->drv->ctxSetCurrent.name, st_->MakeCurrent())) return;
  Run();
}

void DriverWorker::OnOK() {
  Napi::HandleScope scope(Env());
  Settle();
  deferred_.Resolve(Result(Env()));
}

void DriverWorker::OnError(const Napi::Error&) {
  Napi::HandleScope scope(Env());
  Napi::Error error = DriverError(Env(), st_.get(), failedCall_, status_);  // may mark it dead
  Settle();
  deferred_.Reject(error.Value());
}

}  // namespace moe
