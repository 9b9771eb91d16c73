#include "buffer.h"

namespace moe {

Napi::Function Buffer::Init(Napi::Env env) {
  return DefineClass(env, "DeviceBuffer",
                     {
                         InstanceAccessor<&Buffer::Ptr>("ptr"),
                         InstanceAccessor<&Buffer::Bytes>("bytes"),
                         InstanceAccessor<&Buffer::Freed>("freed"),
                         InstanceMethod<&Buffer::Upload>("upload"),
                         InstanceMethod<&Buffer::Download>("download"),
                         InstanceMethod<&Buffer::Fill>("fill"),
                         InstanceMethod<&Buffer::CopyFrom>("copyFrom"),
                         InstanceMethod<&Buffer::Free>("free"),
                     });
}

Buffer::Buffer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Buffer>(info) {}

Buffer::~Buffer() {
  // Garbage-collected without free(): give the memory back if the context still can.
  if (st_ && !freed_) ReleaseDeferred();
}

void Buffer::ReleaseDeferred() {
  if (!st_->closed && !st_->dead && st_->MakeCurrent() == kSuccess) st_->drv->memFree.fn(ptr_);
}

void Buffer::Set(StatePtr st, CUdeviceptr ptr, std::size_t bytes) {
  st_ = std::move(st);
  ptr_ = ptr;
  bytes_ = bytes;
}

void Buffer::Usable(Napi::Env env) {
  if (freed_) throw CodedError(env, "MOE_RESOURCE_RELEASED", "the device buffer was freed");
  EnsureUsable(env, st_.get());
}

Napi::Value Buffer::Ptr(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), static_cast<std::uint64_t>(ptr_));
}

Napi::Value Buffer::Bytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(bytes_));
}

Napi::Value Buffer::Freed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), freed_);
}

// upload(data: Uint8Array, offsetBytes: number) — bounds checked in TS
Napi::Value Buffer::Upload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  auto data = info[0].As<Napi::Uint8Array>();
  auto offset = static_cast<std::size_t>(info[1].As<Napi::Number>().Int64Value());
  if (data.ByteLength() > 0) {
    CU_TRY(env, st_.get(), memcpyHtoD, ptr_ + offset, data.Data(), data.ByteLength());
  }
  return env.Undefined();
}

namespace {
class DownloadWorker : public DriverWorker {
 public:
  // Copies into `out`, which the caller allocated (in JS, where a failed allocation is a
  // catchable RangeError; napi's ArrayBuffer::New aborts the process instead).
  DownloadWorker(Napi::Env env, StatePtr st, CUdeviceptr src, Napi::Uint8Array out)
      : DriverWorker(env, std::move(st)), src_(src), bytes_(out.ByteLength()), data_(out.Data()),
        out_(Napi::Persistent(out)) {}

 protected:
  void Run() override {
    if (bytes_ == 0) return;
    Try(st_->drv->memcpyDtoH.name, st_->drv->memcpyDtoH.fn(data_, src_, bytes_));
  }
  Napi::Value Result(Napi::Env) override { return out_.Value(); }

 private:
  CUdeviceptr src_;
  std::size_t bytes_;
  void* data_;
  Napi::Reference<Napi::Uint8Array> out_;
};
}  // namespace

// download(offsetBytes: number, out: Uint8Array): Promise<Uint8Array> (out, filled) — out's length
// within the buffer checked in TS
Napi::Value Buffer::Download(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  auto offset = static_cast<std::size_t>(info[0].As<Napi::Number>().Int64Value());
  auto* w = new DownloadWorker(env, st_, ptr_ + offset, info[1].As<Napi::Uint8Array>());
  w->Use(this, info.This().As<Napi::Object>());  // a free() meanwhile waits for the copy
  return w->Start();
}

// fill(value: number, elementBytes: 1 | 2 | 4) over the whole buffer
Napi::Value Buffer::Fill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  auto value = static_cast<std::uint32_t>(info[0].As<Napi::Number>().Int64Value());
  int width = info[1].As<Napi::Number>().Int32Value();
  if (width == 1) {
    CU_TRY(env, st_.get(), memsetD8, ptr_, static_cast<unsigned char>(value), bytes_);
  } else if (width == 2) {
    CU_TRY(env, st_.get(), memsetD16, ptr_, static_cast<unsigned short>(value), bytes_ / 2);
  } else {
    CU_TRY(env, st_.get(), memsetD32, ptr_, value, bytes_ / 4);
  }
  return env.Undefined();
}

// copyFrom(src: DeviceBuffer, srcOffset, dstOffset, bytes) — bounds checked in TS
Napi::Value Buffer::CopyFrom(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Usable(env);
  Buffer* src = Buffer::Unwrap(info[0].As<Napi::Object>());
  src->Usable(env);
  auto srcOff = static_cast<std::size_t>(info[1].As<Napi::Number>().Int64Value());
  auto dstOff = static_cast<std::size_t>(info[2].As<Napi::Number>().Int64Value());
  auto bytes = static_cast<std::size_t>(info[3].As<Napi::Number>().Int64Value());
  if (bytes > 0) CU_TRY(env, st_.get(), memcpyDtoD, ptr_ + dstOff, src->ptr_ + srcOff, bytes);
  return env.Undefined();
}

Napi::Value Buffer::Free(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (freed_ || !st_) return env.Undefined();
  freed_ = true;
  if (st_->closed || st_->dead) return env.Undefined();  // the context took the memory with it
  if (!CanReleaseNow()) return env.Undefined();          // freed when the download settles
  CU_TRY(env, st_.get(), ctxSetCurrent, st_->ctx);
  CU_TRY(env, st_.get(), memFree, ptr_);
  return env.Undefined();
}

}  // namespace moe
