// Errors thrown to JS with a stable `code`, which src/media maps to typed classes.
#pragma once
#include <string>

#include <napi.h>

namespace b2bua::js {

[[noreturn]] inline void throwTypeError(Napi::Env env, const std::string& message) {
  Napi::Error error = Napi::TypeError::New(env, message);
  error.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  throw error;
}

[[noreturn]] inline void throwCoded(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  throw error;
}

}  // namespace b2bua::js
