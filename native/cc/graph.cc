#include "graph.h"

#include <vector>

#include "buffer.h"
#include "stream.h"

namespace moe {

Napi::Function Graph::Init(Napi::Env env) {
  return DefineClass(env, "Graph",
                     {
                         InstanceMethod<&Graph::Launch>("launch"),
                         InstanceMethod<&Graph::ReplayTimes>("replayTimes"),
                         InstanceMethod<&Graph::Destroy>("destroy"),
                     });
}

Graph::Graph(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Graph>(info) {}

Graph::~Graph() {
  if (st_ && !destroyed_) ReleaseDeferred();
}

void Graph::ReleaseDeferred() {
  if (!st_->closed && !st_->dead && st_->MakeCurrent() == kSuccess) Release();
  DropModules();
}

void Graph::Release() {
  st_->drv->graphExecDestroy.fn(exec_);
  st_->drv->graphDestroy.fn(graph_);
}

// The graph no longer runs: its modules may be unloaded.
void Graph::DropModules() {
  for (auto& m : modules_) --m->graphs;
  modules_.clear();
}

void Graph::Set(StatePtr st, CUgraph graph, CUgraphExec exec, ModuleList modules) {
  st_ = std::move(st);
  graph_ = graph;
  exec_ = exec;
  modules_ = std::move(modules);
  for (auto& m : modules_) ++m->graphs;
}

void Graph::Usable(Napi::Env env) {
  if (destroyed_) throw CodedError(env, "MOE_RESOURCE_RELEASED", "the graph was destroyed");
  EnsureUsable(env, st_.get());
}

// launch(stream | null)
Napi::Value Graph::Launch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  CUstream s = StreamArg(env, info[0]);
  CU_TRY(env, st_.get(), graphLaunch, exec_, s);
  return env.Undefined();
}

namespace {
// warmup untimed replays, then `repeats` replays each between two events. With a flush buffer,
// a memset larger than L2 runs before every replay, outside the timed region.
class ReplayWorker : public DriverWorker {
 public:
  ReplayWorker(Napi::Env env, StatePtr st, CUgraphExec exec, CUstream s, int warmup, int repeats,
               CUdeviceptr flush, std::size_t flushBytes)
      : DriverWorker(env, std::move(st)),
        exec_(exec),
        s_(s),
        warmup_(warmup),
        repeats_(repeats),
        flush_(flush),
        flushBytes_(flushBytes) {}
  using DriverWorker::Use;  // the graph, its stream and the flush buffer, until it settles

 protected:
  void Run() override {
    const Driver& d = *st_->drv;
    std::vector<CUevent> events;
    auto cleanup = [&] {
      for (CUevent e : events) d.eventDestroy.fn(e);
    };
    for (int i = 0; i < 2 * repeats_; ++i) {
      CUevent e = nullptr;
      if (!Try(d.eventCreate.name, d.eventCreate.fn(&e, kEventDefault))) return cleanup();
      events.push_back(e);
    }
    auto flush = [&](int i) {
      if (flushBytes_ == 0) return true;
      return Try(d.memsetD8Async.name,
                 d.memsetD8Async.fn(flush_, static_cast<unsigned char>(i & 0xff), flushBytes_, s_));
    };
    for (int i = 0; i < warmup_; ++i) {
      if (!flush(i) || !Try(d.graphLaunch.name, d.graphLaunch.fn(exec_, s_))) return cleanup();
    }
    for (int i = 0; i < repeats_; ++i) {
      if (!flush(i) || !Try(d.eventRecord.name, d.eventRecord.fn(events[2 * i], s_)) ||
          !Try(d.graphLaunch.name, d.graphLaunch.fn(exec_, s_)) ||
          !Try(d.eventRecord.name, d.eventRecord.fn(events[2 * i + 1], s_))) {
        return cleanup();
      }
    }
    if (!Try(d.streamSynchronize.name, d.streamSynchronize.fn(s_))) return cleanup();
    micros_.resize(repeats_);
    for (int i = 0; i < repeats_; ++i) {
      float ms = 0;
      if (!Try(d.eventElapsedTime.name, d.eventElapsedTime.fn(&ms, events[2 * i], events[2 * i + 1]))) {
        return cleanup();
      }
      micros_[i] = static_cast<double>(ms) * 1000.0;
    }
    cleanup();
  }

  Napi::Value Result(Napi::Env env) override {
    auto out = Napi::Float64Array::New(env, micros_.size());
    for (std::size_t i = 0; i < micros_.size(); ++i) out[i] = micros_[i];
    return out;
  }

 private:
  CUgraphExec exec_;
  CUstream s_;
  int warmup_, repeats_;
  CUdeviceptr flush_;
  std::size_t flushBytes_;
  std::vector<double> micros_;
};
}  // namespace

// replayTimes(stream | null, warmup, repeats, flush: DeviceBuffer | null, flushBytes: number):
//   Promise<Float64Array> of µs per timed replay. flushBytes <= the flush buffer's size (TS).
Napi::Value Graph::ReplayTimes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  Stream* stream = StreamObject(env, info[0]);
  int warmup = info[1].As<Napi::Number>().Int32Value();
  int repeats = info[2].As<Napi::Number>().Int32Value();
  Buffer* flush = nullptr;
  std::size_t flushBytes = 0;
  if (!info[3].IsNull() && !info[3].IsUndefined()) {
    flush = Buffer::Unwrap(info[3].As<Napi::Object>());
    flush->Usable(env);
    flushBytes = static_cast<std::size_t>(info[4].As<Napi::Number>().Int64Value());
  }
  auto* w = new ReplayWorker(env, st_, exec_, stream == nullptr ? nullptr : stream->handle(), warmup,
                             repeats, flush == nullptr ? 0 : flush->ptr(), flushBytes);
  w->Use(this, info.This().As<Napi::Object>());
  if (stream != nullptr) w->Use(stream, info[0].As<Napi::Object>());
  if (flush != nullptr) w->Use(flush, info[3].As<Napi::Object>());
  return w->Start();
}

Napi::Value Graph::Destroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (destroyed_ || !st_) return env.Undefined();
  destroyed_ = true;
  if (st_->closed || st_->dead) {
    DropModules();
    return env.Undefined();
  }
  if (!CanReleaseNow()) return env.Undefined();  // destroyed when its replays settle
  DropModules();
  CU_TRY(env, st_.get(), ctxSetCurrent, st_->ctx);
  Release();
  return env.Undefined();
}

}  // namespace moe
