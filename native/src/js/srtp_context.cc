#include "js/srtp_context.h"

#include "js/errors.h"

namespace b2bua::js {

Napi::Function SrtpContext::define(Napi::Env env) {
  return DefineClass(env, "SrtpContext",
                     {
                         InstanceMethod<&SrtpContext::protectRtp>("protectRtp"),
                         InstanceMethod<&SrtpContext::unprotectRtp>("unprotectRtp"),
                         InstanceMethod<&SrtpContext::protectRtcp>("protectRtcp"),
                         InstanceMethod<&SrtpContext::unprotectRtcp>("unprotectRtcp"),
                     });
}

// new SrtpContext(suiteName, keySalt: Buffer, direction: 'inbound' | 'outbound')
SrtpContext::SrtpContext(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SrtpContext>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsBuffer() || !info[2].IsString()) {
    throwTypeError(env, "SrtpContext(suite: string, keySalt: Buffer, direction: 'inbound' | 'outbound')");
  }
  std::string name = info[0].As<Napi::String>();
  const SrtpSuite* suite = findSrtpSuite(name);
  if (!suite) throwTypeError(env, "unknown SRTP suite: " + name);
  std::string direction = info[2].As<Napi::String>();
  if (direction != "inbound" && direction != "outbound") throwTypeError(env, "direction must be inbound or outbound");
  auto key = info[1].As<Napi::Buffer<uint8_t>>();
  if (key.Length() != size_t(suite->keyLength) + suite->saltLength) {
    throwTypeError(env, std::string("key for ") + suite->name + " must be " +
                            std::to_string(suite->keyLength + suite->saltLength) + " bytes");
  }
  try {
    session_ = std::make_unique<SrtpSession>(*suite, key.Data(), key.Length(),
                                             direction == "inbound" ? SrtpDirection::Inbound : SrtpDirection::Outbound);
  } catch (const SrtpError& error) {
    throwCoded(env, "ERR_SRTP", error.what());
  }
}

Napi::Value SrtpContext::transform(const Napi::CallbackInfo& info,
                                   srtp_err_status_t (SrtpSession::*operation)(uint8_t*, int*), bool grows) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsNumber()) {
    throwTypeError(env, "expected (buffer: Buffer, length: number)");
  }
  auto buffer = info[0].As<Napi::Buffer<uint8_t>>();
  int64_t length = info[1].As<Napi::Number>().Int64Value();
  size_t room = grows ? kSrtpTrailerRoom : 0;
  if (length < 0 || size_t(length) + room > buffer.Length()) {
    throwTypeError(env, "length out of range: the buffer needs " + std::to_string(room) + " spare bytes");
  }
  int packetLength = int(length);
  srtp_err_status_t status = ((*session_).*operation)(buffer.Data(), &packetLength);
  switch (status) {
    case srtp_err_status_ok:
      return Napi::Number::New(env, packetLength);
    case srtp_err_status_auth_fail:
      throwCoded(env, "ERR_SRTP_AUTH", "SRTP authentication failed");
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
      throwCoded(env, "ERR_SRTP_REPLAY", "SRTP replay check failed");
    default:
      throwCoded(env, "ERR_SRTP", "SRTP error " + std::to_string(int(status)));
  }
}

Napi::Value SrtpContext::protectRtp(const Napi::CallbackInfo& info) {
  return transform(info, &SrtpSession::protectRtp, true);
}
Napi::Value SrtpContext::unprotectRtp(const Napi::CallbackInfo& info) {
  return transform(info, &SrtpSession::unprotectRtp, false);
}
Napi::Value SrtpContext::protectRtcp(const Napi::CallbackInfo& info) {
  return transform(info, &SrtpSession::protectRtcp, true);
}
Napi::Value SrtpContext::unprotectRtcp(const Napi::CallbackInfo& info) {
  return transform(info, &SrtpSession::unprotectRtcp, false);
}

}  // namespace b2bua::js
