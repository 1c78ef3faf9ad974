// JS class MediaEngine over the C++ engine. Control calls only; events come back through one
// ThreadSafeFunction. Arguments are checked again here (TypeError), whatever the TS layer did.
#pragma once
#include <memory>

#include <napi.h>

#include "engine/media_engine.h"

namespace b2bua::js {

void callEventHandler(Napi::Env env, Napi::Function handler, std::nullptr_t* context, MediaEvent* event);
using EventFunction = Napi::TypedThreadSafeFunction<std::nullptr_t, MediaEvent, callEventHandler>;

class EngineWrap : public Napi::ObjectWrap<EngineWrap>, private EventSink {
 public:
  static Napi::Function define(Napi::Env env);
  explicit EngineWrap(const Napi::CallbackInfo& info);
  ~EngineWrap() override;

 private:
  void emit(std::unique_ptr<MediaEvent> event) override;

  Napi::Value createBridge(const Napi::CallbackInfo& info);
  void updateLeg(const Napi::CallbackInfo& info);
  void closeBridge(const Napi::CallbackInfo& info);
  void requestStats(const Napi::CallbackInfo& info);
  void close(const Napi::CallbackInfo& info);
  void flushWakes(const Napi::CallbackInfo& info);
  Napi::Value dtlsFingerprint(const Napi::CallbackInfo& info);
  Napi::Value zrtpHelloHash(const Napi::CallbackInfo& info);
  void ref(const Napi::CallbackInfo& info);
  void unref(const Napi::CallbackInfo& info);

  MediaEngine& engine(Napi::Env env);
  void shutdown();
  static void onEnvironmentExit(void* self);

  napi_env env_;
  std::unique_ptr<MediaEngine> engine_;
  EventFunction events_;
  bool released_ = false;
};

}  // namespace b2bua::js
