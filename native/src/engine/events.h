// What the worker threads report to JS (rarely): first packet, RTP timeout, stats, bridge closed.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/media_types.h"

namespace b2bua {

/** Per-leg counters; single writer (the bridge's worker thread). */
struct LegCounters {
  uint64_t packetsIn = 0;
  uint64_t bytesIn = 0;
  uint64_t packetsOut = 0;
  uint64_t bytesOut = 0;
  uint64_t rtcpIn = 0;
  uint64_t rtcpOut = 0;
  uint64_t authFailures = 0;
  uint64_t replayFailures = 0;
  uint64_t droppedGarbage = 0;      // short, wrong version, truncated, not RTP/RTCP
  uint64_t droppedUnsupported = 0;  // STUN / DTLS / ZRTP on a leg that does not use it
  uint64_t droppedAddress = 0;      // plain RTP from neither the latched nor the signalled address
  uint64_t droppedDirection = 0;    // valid, but the directions forbid forwarding it
  uint64_t droppedNoDestination = 0;
  uint64_t droppedSend = 0;         // protect or sendmmsg failed toward this leg
  uint64_t droppedNotKeyed = 0;     // DTLS/ZRTP leg whose handshake has not given keys yet
  uint64_t handshakePackets = 0;    // DTLS/ZRTP datagrams handed to the handshake
  uint64_t handshakeDropped = 0;    // DTLS/ZRTP datagrams from another source than the handshake's peer
  uint64_t handshakeFailures = 0;
  uint64_t stunAnswered = 0;
  uint64_t stunRejected = 0;        // Binding requests with wrong or missing credentials
};

struct LegStatsSnapshot {
  LegCounters counters;
  uint64_t rtpLost = 0;
  double jitterMs = 0;
  uint32_t ssrc = 0;
  double lastPacketTimeMs = 0;  // wall clock (ms since the epoch), 0 = never
  std::string remoteAddress;    // latched, else signalled, else empty
  uint16_t remotePort = 0;
  bool latched = false;
};

struct StreamStatsSnapshot {
  MediaKind kind = MediaKind::Audio;
  LegStatsSnapshot legs[2];
};

enum class MediaEventType : uint8_t { FirstPacket, RtpTimeout, Stats, Closed, DtlsConnected, DtlsFailed, ZrtpSecure, ZrtpFailed };

struct MediaEvent {
  MediaEventType type;
  uint64_t bridgeId = 0;
  uint32_t requestId = 0;  // Stats and Closed answer a request
  uint8_t stream = 0;
  uint8_t leg = 0;
  std::string address;  // FirstPacket: the source
  uint16_t port = 0;
  std::string role;     // DtlsConnected: client / server
  std::string profile;  // DtlsConnected: SRTP profile; ZrtpSecure: the SRTP suite
  std::string reason;   // *Failed
  std::string sas;      // ZrtpSecure
  std::vector<StreamStatsSnapshot> stats;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  /** Called from worker threads. Must not block. */
  virtual void emit(std::unique_ptr<MediaEvent> event) = 0;
};

}  // namespace b2bua
