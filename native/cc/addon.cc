// The addon's entry: probe() and the wrapped classes. Argument checks live in TypeScript
// (native/src/addon): the functions here trust their argument types and ranges.
#include <dlfcn.h>
#include <napi.h>

#include <cstring>
#include <string>
#include <vector>

#include "addon.h"
#include "buffer.h"
#include "context.h"
#include "driver.h"
#include "event.h"
#include "function.h"
#include "graph.h"
#include "module.h"
#include "stream.h"

namespace moe {
namespace {

const char* BackendName(const Driver& d) { return d.backend == Backend::Cuda ? "cuda" : "hip"; }

std::string VersionText(const Driver& d) {
  int v = d.driverVersion;
  if (d.backend == Backend::Cuda) return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
  return std::to_string(v / 10000000) + "." + std::to_string((v / 100000) % 100);
}

// gcnArchName ("gfx942:sramecc+:xnack-") from hipGetDeviceProperties without HIP's headers: the
// struct's layout changes between ROCm versions, so the name is found by its "gfx" prefix after
// the 256-byte device name that opens the struct.
std::string HipArch(const Driver& d, int ordinal) {
  using GetProps = CUresult (*)(void*, int);
  auto fn = reinterpret_cast<GetProps>(dlsym(d.handle, "hipGetDevicePropertiesR0600"));
  if (fn == nullptr) fn = reinterpret_cast<GetProps>(dlsym(d.handle, "hipGetDeviceProperties"));
  if (fn == nullptr) return "";
  std::vector<char> props(16384, 0);
  if (fn(props.data(), ordinal) != kSuccess) return "";
  for (std::size_t i = 256; i + 4 < props.size(); ++i) {
    if (std::memcmp(&props[i], "gfx", 3) == 0 && (i == 0 || props[i - 1] == '\0')) {
      std::string name(&props[i], strnlen(&props[i], props.size() - i));
      return name.substr(0, name.find(':'));
    }
  }
  return "";
}

// One device's facts, or an empty object and an error text.
Napi::Value DeviceInfo(Napi::Env env, Driver& d, int ordinal, std::string& error) {
  auto fail = [&](const char* call, CUresult r) {
    error = std::string(call) + " failed for device " + std::to_string(ordinal) + ": " +
            d.ErrorName(r) + " (" + d.ErrorText(r) + ")";
    return env.Null();
  };
  CUdevice dev = 0;
  CUresult r = d.deviceGet.fn(&dev, ordinal);
  if (r != kSuccess) return fail(d.deviceGet.name, r);
  char name[256] = {0};
  r = d.deviceGetName.fn(name, sizeof name - 1, dev);
  if (r != kSuccess) return fail(d.deviceGetName.name, r);
  std::size_t total = 0;
  r = d.deviceTotalMem.fn(&total, dev);
  if (r != kSuccess) return fail(d.deviceTotalMem.name, r);
  char bus[64] = {0};
  if (d.deviceGetPCIBusId.fn(bus, sizeof bus - 1, dev) != kSuccess) bus[0] = '\0';
  auto attr = [&](int id) {
    int v = 0;
    return d.deviceGetAttribute.fn(&v, id, dev) == kSuccess ? v : 0;
  };
  const DeviceAttributeIds& a = d.attrs;
  Napi::Object o = Napi::Object::New(env);
  o.Set("backend", BackendName(d));
  o.Set("ordinal", ordinal);
  o.Set("name", std::string(name));
  std::string arch;
  if (d.backend == Backend::Cuda) {
    arch = "sm_" + std::to_string(attr(a.ccMajor) * 10 + attr(a.ccMinor));
  } else {
    arch = HipArch(d, ordinal);
  }
  o.Set("arch", arch);
  o.Set("smCount", attr(a.smCount));
  o.Set("warpSize", attr(a.warpSize));
  o.Set("totalMemoryBytes", static_cast<double>(total));
  o.Set("sharedMemoryPerBlock", attr(a.sharedPerBlock));
  o.Set("sharedMemoryPerBlockOptin", attr(a.sharedPerBlockOptin));
  o.Set("l2CacheBytes", attr(a.l2CacheSize));
  o.Set("maxThreadsPerBlock", attr(a.maxThreadsPerBlock));
  o.Set("clockRateKHz", attr(a.clockRate));
  o.Set("memoryClockRateKHz", attr(a.memoryClockRate));
  o.Set("memoryBusWidthBits", attr(a.memoryBusWidth));
  o.Set("pciBusId", std::string(bus));
  o.Set("driverVersion", VersionText(d));
  return o;
}

// probe(): { backends: [...], devices: [...] }. Never throws for a missing or broken driver.
Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array backends = Napi::Array::New(env);
  Napi::Array devices = Napi::Array::New(env);
  Driver* drivers[] = {&CudaDriver(), &HipDriver()};
  for (Driver* d : drivers) {
    Napi::Object b = Napi::Object::New(env);
    std::string error = d->error;
    int found = 0;
    if (d->initialised) {
      for (int i = 0; i < d->deviceCount; ++i) {
        std::string devError;
        Napi::Value dev = DeviceInfo(env, *d, i, devError);
        if (dev.IsNull()) {
          error = devError;
          continue;
        }
        devices.Set(devices.Length(), dev);
        ++found;
      }
    }
    b.Set("backend", BackendName(*d));
    b.Set("library", d->library);
    b.Set("loaded", d->loaded);
    b.Set("deviceCount", found);
    b.Set("driverVersion", d->loaded && d->driverVersion > 0 ? Napi::Value(Napi::String::New(env, VersionText(*d)))
                                                            : env.Null());
    b.Set("error", found > 0 && error.empty() ? env.Null() : Napi::Value(Napi::String::New(env, error)));
    backends.Set(backends.Length(), b);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("backends", backends);
  out.Set("devices", devices);
  return out;
}

Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  Napi::Function context = Context::Init(env);
  data->context = Napi::Persistent(context);
  data->buffer = Napi::Persistent(Buffer::Init(env));
  data->module = Napi::Persistent(Module::Init(env));
  data->function = Napi::Persistent(Function::Init(env));
  data->stream = Napi::Persistent(Stream::Init(env));
  data->event = Napi::Persistent(Event::Init(env));
  data->graph = Napi::Persistent(Graph::Init(env));
  env.SetInstanceData(data);
  exports.Set("probe", Napi::Function::New<Probe>(env, "probe"));
  exports.Set("Context", context);
  exports.Set("cudaApiVersion", Napi::Number::New(env, kCudaApiVersion));
  exports.Set("abiVersion", Napi::Number::New(env, 4));
  return exports;
}

}  // namespace
}  // namespace moe

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return moe::InitAddon(env, exports); }

NODE_API_MODULE(moe_native, Init)
