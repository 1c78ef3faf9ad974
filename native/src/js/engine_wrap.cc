#include "js/engine_wrap.h"

#include <sys/socket.h>

#include <cmath>
#include <string>

#include "js/errors.h"

namespace b2bua::js {
namespace {

const char* kindName(MediaKind kind) { return kind == MediaKind::Audio ? "audio" : "video"; }

const char* eventName(MediaEventType type) {
  switch (type) {
    case MediaEventType::FirstPacket:
      return "first-packet";
    case MediaEventType::RtpTimeout:
      return "rtp-timeout";
    case MediaEventType::Stats:
      return "stats";
    case MediaEventType::Closed:
      return "closed";
    case MediaEventType::DtlsConnected:
      return "dtls-connected";
    case MediaEventType::DtlsFailed:
      return "dtls-failed";
    case MediaEventType::ZrtpSecure:
      return "zrtp-secure";
    case MediaEventType::ZrtpFailed:
      return "zrtp-failed";
  }
  return "unknown";
}

std::string stringField(Napi::Object object, const char* name) {
  Napi::Value value = object.Get(name);
  if (!value.IsString()) throwTypeError(object.Env(), std::string(name) + " must be a string");
  return value.As<Napi::String>();
}

/** An integer in [min, max]; `fallback` when absent (or a TypeError when there is none). */
int64_t integerField(Napi::Object object, const char* name, int64_t min, int64_t max, const int64_t* fallback) {
  Napi::Value value = object.Get(name);
  if (value.IsUndefined() && fallback) return *fallback;
  if (!value.IsNumber()) throwTypeError(object.Env(), std::string(name) + " must be a number");
  double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::floor(number) != number || number < double(min) || number > double(max)) {
    throwTypeError(object.Env(), std::string(name) + " must be an integer in [" + std::to_string(min) + ", " +
                                     std::to_string(max) + "]");
  }
  return int64_t(number);
}

int64_t integerArgument(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min, int64_t max) {
  if (info.Length() <= index || !info[index].IsNumber()) throwTypeError(info.Env(), std::string(name) + " must be a number");
  double number = info[index].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::floor(number) != number || number < double(min) || number > double(max)) {
    throwTypeError(info.Env(), std::string(name) + " out of range");
  }
  return int64_t(number);
}

std::vector<uint8_t> keyField(Napi::Object object, const char* name, const SrtpSuite& suite) {
  Napi::Value value = object.Get(name);
  if (!value.IsBuffer()) throwTypeError(object.Env(), std::string("srtp.") + name + " must be a Buffer");
  auto buffer = value.As<Napi::Buffer<uint8_t>>();
  size_t expected = size_t(suite.keyLength) + suite.saltLength;
  if (buffer.Length() != expected) {
    throwTypeError(object.Env(), std::string("srtp.") + name + " for " + suite.name + " must be " +
                                     std::to_string(expected) + " bytes (key || salt)");
  }
  return std::vector<uint8_t>(buffer.Data(), buffer.Data() + buffer.Length());
}

Napi::Object countersObject(Napi::Env env, const LegStatsSnapshot& leg) {
  const LegCounters& c = leg.counters;
  Napi::Object o = Napi::Object::New(env);
  o.Set("packetsIn", double(c.packetsIn));
  o.Set("bytesIn", double(c.bytesIn));
  o.Set("packetsOut", double(c.packetsOut));
  o.Set("bytesOut", double(c.bytesOut));
  o.Set("rtcpIn", double(c.rtcpIn));
  o.Set("rtcpOut", double(c.rtcpOut));
  o.Set("authFailures", double(c.authFailures));
  o.Set("replayFailures", double(c.replayFailures));
  o.Set("droppedGarbage", double(c.droppedGarbage));
  o.Set("droppedUnsupported", double(c.droppedUnsupported));
  o.Set("droppedAddress", double(c.droppedAddress));
  o.Set("droppedDirection", double(c.droppedDirection));
  o.Set("droppedNoDestination", double(c.droppedNoDestination));
  o.Set("droppedSend", double(c.droppedSend));
  o.Set("droppedNotKeyed", double(c.droppedNotKeyed));
  o.Set("handshakePackets", double(c.handshakePackets));
  o.Set("handshakeDropped", double(c.handshakeDropped));
  o.Set("handshakeFailures", double(c.handshakeFailures));
  o.Set("stunAnswered", double(c.stunAnswered));
  o.Set("stunRejected", double(c.stunRejected));
  o.Set("rtpLost", double(leg.rtpLost));
  o.Set("jitterMs", leg.jitterMs);
  o.Set("ssrc", double(leg.ssrc));
  o.Set("lastPacketTimeMs", leg.lastPacketTimeMs);
  o.Set("remoteAddress", leg.remoteAddress);
  o.Set("remotePort", double(leg.remotePort));
  o.Set("latched", leg.latched);
  return o;
}

Napi::Object eventObject(Napi::Env env, const MediaEvent& event) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", eventName(event.type));
  o.Set("bridgeId", double(event.bridgeId));
  switch (event.type) {
    case MediaEventType::FirstPacket:
      o.Set("address", event.address);
      o.Set("port", double(event.port));
      [[fallthrough]];
    case MediaEventType::RtpTimeout:
      o.Set("stream", double(event.stream));
      o.Set("leg", double(event.leg));
      break;
    case MediaEventType::DtlsConnected:
    case MediaEventType::DtlsFailed:
    case MediaEventType::ZrtpSecure:
    case MediaEventType::ZrtpFailed:
      o.Set("stream", double(event.stream));
      o.Set("leg", double(event.leg));
      if (event.type == MediaEventType::DtlsConnected) o.Set("role", event.role);
      if (event.type == MediaEventType::DtlsConnected || event.type == MediaEventType::ZrtpSecure) {
        o.Set("profile", event.profile);
      }
      if (event.type == MediaEventType::ZrtpSecure) o.Set("sas", event.sas);
      if (event.type == MediaEventType::DtlsFailed || event.type == MediaEventType::ZrtpFailed) {
        o.Set("reason", event.reason);
      }
      break;
    case MediaEventType::Stats: {
      o.Set("requestId", double(event.requestId));
      Napi::Array streams = Napi::Array::New(env, event.stats.size());
      for (size_t s = 0; s < event.stats.size(); s++) {
        Napi::Object stream = Napi::Object::New(env);
        stream.Set("kind", kindName(event.stats[s].kind));
        Napi::Array legs = Napi::Array::New(env, 2);
        for (uint32_t l = 0; l < 2; l++) legs.Set(l, countersObject(env, event.stats[s].legs[l]));
        stream.Set("legs", legs);
        streams.Set(uint32_t(s), stream);
      }
      o.Set("streams", streams);
      o.Set("found", !event.stats.empty());
      break;
    }
    case MediaEventType::Closed:
      o.Set("requestId", double(event.requestId));
      break;
  }
  return o;
}

}  // namespace

void callEventHandler(Napi::Env env, Napi::Function handler, std::nullptr_t*, MediaEvent* event) {
  std::unique_ptr<MediaEvent> owned(event);
  if (env == nullptr || handler.IsEmpty()) return;  // environment shutting down
  try {
    handler.Call({eventObject(env, *owned)});
  } catch (const Napi::Error& error) {
    error.ThrowAsJavaScriptException();  // surfaces as an uncaught exception in JS, not an abort
  }
}

Napi::Function EngineWrap::define(Napi::Env env) {
  return DefineClass(env, "MediaEngine",
                     {
                         InstanceMethod<&EngineWrap::createBridge>("createBridge"),
                         InstanceMethod<&EngineWrap::updateLeg>("updateLeg"),
                         InstanceMethod<&EngineWrap::closeBridge>("closeBridge"),
                         InstanceMethod<&EngineWrap::requestStats>("requestStats"),
                         InstanceMethod<&EngineWrap::close>("close"),
                         InstanceMethod<&EngineWrap::flushWakes>("flushWakes"),
                         InstanceMethod<&EngineWrap::dtlsFingerprint>("dtlsFingerprint"),
                         InstanceMethod<&EngineWrap::zrtpHelloHash>("zrtpHelloHash"),
                         InstanceMethod<&EngineWrap::ref>("ref"),
                         InstanceMethod<&EngineWrap::unref>("unref"),
                     });
}

// new MediaEngine({ threads, audioPorts, videoPorts, rtpTimeoutMs }, onEvent)
EngineWrap::EngineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineWrap>(info), env_(info.Env()) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
    throwTypeError(env, "MediaEngine(options: object, onEvent: function)");
  }
  Napi::Object options = info[0].As<Napi::Object>();
  EngineConfig config;
  const int64_t oneThread = 1, noTimeout = 0;
  config.threads = unsigned(integerField(options, "threads", 1, 256, &oneThread));
  config.audioPorts = options.Has("audioPorts") ? stringField(options, "audioPorts") : "0";
  config.videoPorts = options.Has("videoPorts") ? stringField(options, "videoPorts") : "0";
  config.rtpTimeoutMs = uint32_t(integerField(options, "rtpTimeoutMs", 0, 86400000, &noTimeout));
  const int64_t defaultHandshakeTimeout = 20000;
  config.handshakeTimeoutMs = uint32_t(integerField(options, "handshakeTimeoutMs", 100, 600000, &defaultHandshakeTimeout));
  if (options.Has("dataDirectory") && !options.Get("dataDirectory").IsUndefined()) {
    config.dataDirectory = stringField(options, "dataDirectory");
  }

  events_ = EventFunction::New(env, info[1].As<Napi::Function>(), "b2bua-media-events", 0, 1, nullptr);
  events_.Unref(env);  // events alone do not keep the process alive; the TS layer refs while it waits
  try {
    EventSink& sink = *this;
    engine_ = std::make_unique<MediaEngine>(config, sink);
    // A wake-up per command cost the JS thread ~5 % at 1,000 calls/s: the TS layer flushes once
    // per event-loop turn instead (media/engine.ts).
    engine_->deferWakes();
  } catch (const PortRangeSyntaxError& error) {
    events_.Release();
    released_ = true;
    throwTypeError(env, error.what());
  } catch (const DtlsError& error) {
    events_.Release();
    released_ = true;
    throwCoded(env, "ERR_DTLS_IDENTITY", error.what());
  } catch (const std::exception& error) {
    events_.Release();
    released_ = true;
    throwCoded(env, "ERR_MEDIA_ENGINE", error.what());
  }
  napi_add_env_cleanup_hook(env_, &EngineWrap::onEnvironmentExit, this);
}

EngineWrap::~EngineWrap() {
  if (engine_ || !released_) {
    napi_remove_env_cleanup_hook(env_, &EngineWrap::onEnvironmentExit, this);
    shutdown();
  }
}

void EngineWrap::onEnvironmentExit(void* self) {
  auto* wrap = static_cast<EngineWrap*>(self);
  wrap->shutdown();
}

void EngineWrap::shutdown() {
  if (engine_) {
    engine_->close();  // joins the workers: nothing emits after this
    engine_.reset();
  }
  if (!released_) {
    released_ = true;
    events_.Release();
  }
}

void EngineWrap::emit(std::unique_ptr<MediaEvent> event) {
  if (events_.NonBlockingCall(event.get()) == napi_ok) event.release();
}

MediaEngine& EngineWrap::engine(Napi::Env env) {
  if (!engine_) throwCoded(env, "ERR_MEDIA_ENGINE_CLOSED", "the media engine is closed");
  return *engine_;
}

// createBridge([{ kind, localAddresses: [a, b] }, ...], ports: Uint16Array) -> id; stream s, leg l:
// ports[4s + 2l] = RTP, ports[4s + 2l + 1] = RTCP. Numbers in a caller's array, not a result object:
// building objects through N-API cost more than the bridge itself.
Napi::Value EngineWrap::createBridge(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MediaEngine& media = engine(env);
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint16_array) {
    throwTypeError(env, "createBridge(streams: array, ports: Uint16Array)");
  }
  Napi::Array list = info[0].As<Napi::Array>();
  if (list.Length() == 0 || list.Length() > 8) throwTypeError(env, "a bridge has 1 to 8 streams");
  auto ports = info[1].As<Napi::Uint16Array>();
  if (ports.ElementLength() < 4 * list.Length()) throwTypeError(env, "ports must hold 4 entries per stream");
  std::vector<StreamRequest> requests;
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value item = list.Get(i);
    if (!item.IsObject()) throwTypeError(env, "each stream must be an object");
    Napi::Object object = item.As<Napi::Object>();
    StreamRequest request;
    auto kind = parseMediaKind(stringField(object, "kind"));
    if (!kind) throwTypeError(env, "stream kind must be audio or video");
    request.kind = *kind;
    Napi::Value addresses = object.Get("localAddresses");
    if (!addresses.IsArray() || addresses.As<Napi::Array>().Length() != 2) {
      throwTypeError(env, "localAddresses must be an array of two addresses");
    }
    for (uint32_t l = 0; l < 2; l++) {
      Napi::Value address = addresses.As<Napi::Array>().Get(l);
      if (!address.IsString()) throwTypeError(env, "localAddresses must hold strings");
      request.localAddress[l] = address.As<Napi::String>();
      try {
        Endpoint::parse(request.localAddress[l], 0);
      } catch (const AddressError& error) {
        throwTypeError(env, error.what());
      }
    }
    requests.push_back(std::move(request));
  }
  std::vector<std::vector<CreatedLeg>> created;
  uint64_t id;
  try {
    id = media.createBridge(requests, created);
  } catch (const PortsExhaustedError& error) {
    throwCoded(env, "ERR_MEDIA_PORTS_EXHAUSTED", error.what());
  } catch (const std::exception& error) {
    throwCoded(env, "ERR_MEDIA_SOCKET", error.what());
  }
  for (size_t s = 0; s < created.size(); s++) {
    for (size_t l = 0; l < 2; l++) {
      ports[4 * s + 2 * l] = created[s][l].rtpPort;
      ports[4 * s + 2 * l + 1] = created[s][l].rtcpPort;
    }
  }
  return Napi::Number::New(env, double(id));
}

// updateLeg(id, stream, leg, { mode, direction?, rtcpMux?, clockRate?, remote?, srtp?, dtls?, zrtp?, ice? })
void EngineWrap::updateLeg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MediaEngine& media = engine(env);
  uint64_t id = uint64_t(integerArgument(info, 0, "bridge id", 1, int64_t(1) << 53));
  unsigned stream = unsigned(integerArgument(info, 1, "stream", 0, 7));
  unsigned legIndex = unsigned(integerArgument(info, 2, "leg", 0, 1));
  if (info.Length() < 4 || !info[3].IsObject()) throwTypeError(env, "updateLeg(id, stream, leg, settings: object)");
  Napi::Object settings = info[3].As<Napi::Object>();

  int family;
  try {
    family = media.legFamily(id, stream, legIndex);
  } catch (const UnknownBridgeError& error) {
    throwCoded(env, "ERR_MEDIA_UNKNOWN_BRIDGE", error.what());
  }
  auto update = std::make_unique<LegUpdate>();
  auto mode = parseLegMode(stringField(settings, "mode"));
  if (!mode) throwTypeError(env, "mode must be none, srtp, dtls or zrtp");
  update->mode = *mode;
  Napi::Value directionValue = settings.Get("direction");
  if (!directionValue.IsUndefined()) {  // absent = sendrecv (LegUpdate's default)
    auto direction = directionValue.IsString() ? parseDirection(directionValue.As<Napi::String>()) : std::nullopt;
    if (!direction) throwTypeError(env, "direction must be sendrecv, sendonly, recvonly or inactive");
    update->direction = *direction;
  }
  Napi::Value mux = settings.Get("rtcpMux");
  if (!mux.IsUndefined() && !mux.IsBoolean()) throwTypeError(env, "rtcpMux must be a boolean");
  update->rtcpMux = mux.IsBoolean() && mux.As<Napi::Boolean>().Value();
  const int64_t defaultRate = 0;
  int64_t clockRate = integerField(settings, "clockRate", 0, 1000000, &defaultRate);
  update->clockRate = clockRate ? uint32_t(clockRate) : 0;

  Napi::Value remote = settings.Get("remote");
  if (!remote.IsUndefined()) {
    if (!remote.IsObject()) throwTypeError(env, "remote must be an object");
    Napi::Object r = remote.As<Napi::Object>();
    std::string address = stringField(r, "address");
    uint16_t rtpPort = uint16_t(integerField(r, "rtpPort", 1, 65535, nullptr));
    const int64_t defaultRtcp = update->rtcpMux ? rtpPort : (rtpPort < 65535 ? rtpPort + 1 : rtpPort);
    uint16_t rtcpPort = uint16_t(integerField(r, "rtcpPort", 1, 65535, &defaultRtcp));
    try {
      update->remoteRtp = Endpoint::parse(address, rtpPort);
    } catch (const AddressError& error) {
      throwTypeError(env, error.what());
    }
    if (update->remoteRtp.family() != family) {
      throwTypeError(env, "remote address " + address + " is not of the leg's address family (" +
                              (family == AF_INET6 ? "IPv6" : "IPv4") + ")");
    }
    update->remoteRtcp = update->remoteRtp.withPort(rtcpPort);
  }

  Napi::Value srtp = settings.Get("srtp");
  if (update->mode == LegMode::Srtp) {
    if (!srtp.IsObject()) throwTypeError(env, "mode srtp needs srtp: { suite, sendKey, receiveKey }");
    Napi::Object keys = srtp.As<Napi::Object>();
    std::string name = stringField(keys, "suite");
    const SrtpSuite* suite = findSrtpSuite(name);
    if (!suite) throwTypeError(env, "unknown SRTP suite: " + name);
    try {
      update->keys = SrtpKeys::prepare(*suite, keyField(keys, "sendKey", *suite), keyField(keys, "receiveKey", *suite));
    } catch (const SrtpError& error) {
      throwCoded(env, "ERR_SRTP", error.what());
    }
  } else if (!srtp.IsUndefined()) {
    throwTypeError(env, "srtp keys given for a leg not in mode srtp");
  }
  Napi::Value dtls = settings.Get("dtls");
  if (update->mode == LegMode::Dtls) {
    if (!dtls.IsObject()) throwTypeError(env, "mode dtls needs dtls: { setup, fingerprint }");
    Napi::Object d = dtls.As<Napi::Object>();
    std::string setup = stringField(d, "setup");
    if (setup != "active" && setup != "passive") throwTypeError(env, "dtls.setup must be active or passive");
    update->dtlsRole = setup == "active" ? DtlsRole::Client : DtlsRole::Server;
    update->dtlsFingerprint = stringField(d, "fingerprint");
    if (update->dtlsFingerprint.size() != 95) throwTypeError(env, "dtls.fingerprint must be a SHA-256 fingerprint (AB:CD:...)");
  } else if (!dtls.IsUndefined()) {
    throwTypeError(env, "dtls settings given for a leg not in mode dtls");
  }
  Napi::Value zrtp = settings.Get("zrtp");
  if (update->mode == LegMode::Zrtp && zrtp.IsObject()) {
    Napi::Object z = zrtp.As<Napi::Object>();
    if (z.Has("peerHelloHash") && !z.Get("peerHelloHash").IsUndefined()) {
      update->zrtpPeerHelloHash = stringField(z, "peerHelloHash");
    }
  } else if (!zrtp.IsUndefined()) {
    throwTypeError(env, "zrtp settings given for a leg not in mode zrtp");
  }
  Napi::Value ice = settings.Get("ice");
  if (!ice.IsUndefined()) {
    if (!ice.IsObject()) throwTypeError(env, "ice must be { ufrag, pwd }");
    Napi::Object i = ice.As<Napi::Object>();
    update->iceGiven = true;
    update->ice.localUfrag = stringField(i, "ufrag");
    update->ice.localPwd = stringField(i, "pwd");
    if (update->ice.localUfrag.size() < 4 || update->ice.localPwd.size() < 22) {
      throwTypeError(env, "ice.ufrag needs 4+ characters and ice.pwd 22+ (RFC 8839 §5.4)");
    }
  }
  if (update->mode == LegMode::Zrtp) {
    try {
      media.zrtpHelloHash(id, stream, legIndex);  // creates the channel if SDP never asked for its hash
    } catch (const ZrtpError& error) {
      throwCoded(env, "ERR_ZRTP", error.what());
    }
  }
  media.updateLeg(id, stream, legIndex, std::move(update));
}

void EngineWrap::closeBridge(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MediaEngine& media = engine(env);
  uint64_t id = uint64_t(integerArgument(info, 0, "bridge id", 1, int64_t(1) << 53));
  uint32_t requestId = uint32_t(integerArgument(info, 1, "request id", 0, 0xffffffff));
  try {
    media.closeBridge(id, requestId);
  } catch (const UnknownBridgeError& error) {
    throwCoded(env, "ERR_MEDIA_UNKNOWN_BRIDGE", error.what());
  }
}

void EngineWrap::requestStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MediaEngine& media = engine(env);
  uint64_t id = uint64_t(integerArgument(info, 0, "bridge id", 1, int64_t(1) << 53));
  uint32_t requestId = uint32_t(integerArgument(info, 1, "request id", 0, 0xffffffff));
  try {
    media.requestStats(id, requestId);
  } catch (const UnknownBridgeError& error) {
    throwCoded(env, "ERR_MEDIA_UNKNOWN_BRIDGE", error.what());
  }
}

Napi::Value EngineWrap::dtlsFingerprint(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), engine(info.Env()).dtlsFingerprint());
}

// zrtpHelloHash(id, stream, leg) -> "1.10 <hex>"
Napi::Value EngineWrap::zrtpHelloHash(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MediaEngine& media = engine(env);
  uint64_t id = uint64_t(integerArgument(info, 0, "bridge id", 1, int64_t(1) << 53));
  unsigned stream = unsigned(integerArgument(info, 1, "stream", 0, 7));
  unsigned legIndex = unsigned(integerArgument(info, 2, "leg", 0, 1));
  try {
    return Napi::String::New(env, media.zrtpHelloHash(id, stream, legIndex));
  } catch (const UnknownBridgeError& error) {
    throwCoded(env, "ERR_MEDIA_UNKNOWN_BRIDGE", error.what());
  } catch (const ZrtpError& error) {
    throwCoded(env, "ERR_ZRTP", error.what());
  }
}

void EngineWrap::close(const Napi::CallbackInfo&) {
  napi_remove_env_cleanup_hook(env_, &EngineWrap::onEnvironmentExit, this);
  shutdown();
}

// flushWakes(): wakes the media threads that commands were posted to since the last flush.
void EngineWrap::flushWakes(const Napi::CallbackInfo&) {
  if (engine_) engine_->flushWakes();
}

void EngineWrap::ref(const Napi::CallbackInfo& info) {
  if (!released_) events_.Ref(info.Env());
}

void EngineWrap::unref(const Napi::CallbackInfo& info) {
  if (!released_) events_.Unref(info.Env());
}

}  // namespace b2bua::js
