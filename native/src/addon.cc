// Module init: versions, the suite table, SrtpContext and the MediaEngine class.
#include <malloc.h>
#include <napi.h>

#include "crypto/srtp_session.h"
#include "crypto/suites.h"
#include "engine/bridge.h"
#include "crypto/versions.h"
#include "js/engine_wrap.h"
#include "js/srtp_context.h"

namespace b2bua::js {
namespace {

Napi::Value versions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativeVersions v = nativeVersions();
  Napi::Object result = Napi::Object::New(env);
  result.Set("libsrtp", v.libsrtp);
  result.Set("libsrtpBackend", v.libsrtpBackend);
  result.Set("openssl", v.openssl);
  result.Set("bzrtp", v.bzrtp);
  return result;
}

Napi::Value srtpSuites(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array result = Napi::Array::New(env, kSrtpSuiteCount);
  for (size_t i = 0; i < kSrtpSuiteCount; i++) {
    const SrtpSuite& suite = kSrtpSuites[i];
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("name", suite.name);
    entry.Set("keyLength", suite.keyLength);
    entry.Set("saltLength", suite.saltLength);
    entry.Set("rtpTagLength", suite.rtpTagLength);
    entry.Set("rtcpTagLength", suite.rtcpTagLength);
    result.Set(uint32_t(i), entry);
  }
  return result;
}

// Bytes in use by malloc over all threads (glibc mallinfo2): the native memory a bridge costs,
// without V8's heap or the allocator's retained free space. For tests and benchmarks.
Napi::Value nativeHeapInUse(const Napi::CallbackInfo& info) {
  struct mallinfo2 usage = mallinfo2();
  return Napi::Number::New(info.Env(), double(usage.uordblks + usage.hblkhd));
}

// Native objects alive in the process, for leak checks that malloc statistics make too noisy.
Napi::Value liveObjects(const Napi::CallbackInfo& info) {
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("bridges", double(Bridge::liveCount()));
  result.Set("srtpSessions", double(SrtpSession::liveCount()));
  return result;
}

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("versions", Napi::Function::New<versions>(env, "versions"));
  exports.Set("srtpSuites", Napi::Function::New<srtpSuites>(env, "srtpSuites"));
  exports.Set("liveObjects", Napi::Function::New<liveObjects>(env, "liveObjects"));
  exports.Set("nativeHeapInUse", Napi::Function::New<nativeHeapInUse>(env, "nativeHeapInUse"));
  exports.Set("SrtpContext", SrtpContext::define(env));
  exports.Set("MediaEngine", EngineWrap::define(env));
  return exports;
}

}  // namespace b2bua::js

static Napi::Object initModule(Napi::Env env, Napi::Object exports) { return b2bua::js::init(env, exports); }

NODE_API_MODULE(b2bua_native, initModule)
