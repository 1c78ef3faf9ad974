// JS class SrtpContext: one libsrtp session driven from JS, in place on a Buffer. For test vectors
// and tools; calls never carry media packets (those stay on the worker threads).
#pragma once
#include <memory>

#include <napi.h>

#include "crypto/srtp_session.h"

namespace b2bua::js {

class SrtpContext : public Napi::ObjectWrap<SrtpContext> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit SrtpContext(const Napi::CallbackInfo& info);

 private:
  // (buffer, length) -> new length; throws an Error with code ERR_SRTP_AUTH / ERR_SRTP_REPLAY / ERR_SRTP.
  Napi::Value protectRtp(const Napi::CallbackInfo& info);
  Napi::Value unprotectRtp(const Napi::CallbackInfo& info);
  Napi::Value protectRtcp(const Napi::CallbackInfo& info);
  Napi::Value unprotectRtcp(const Napi::CallbackInfo& info);
  Napi::Value transform(const Napi::CallbackInfo& info,
                        srtp_err_status_t (SrtpSession::*operation)(uint8_t*, int*), bool grows);

  std::unique_ptr<SrtpSession> session_;
};

}  // namespace b2bua::js
