// One bridged call's media: per stream, two legs, each with its RTP and RTCP sockets. Built on the
// JS thread, then owned and touched only by one worker thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/events.h"
#include "engine/leg_crypto.h"
#include "engine/media_types.h"
#include "net/endpoint.h"
#include "net/port_allocator.h"
#include "net/udp_socket.h"
#include "rtp/receive_stats.h"
#include "secure/dtls_session.h"
#include "secure/stun.h"
#include "secure/zrtp_channel.h"

namespace b2bua {

struct Bridge;

/** One socket of a leg; its address is the epoll tag, so it never moves. */
struct SocketSlot {
  Bridge* bridge = nullptr;
  uint8_t stream = 0;
  uint8_t leg = 0;
  bool rtcp = false;
  UdpSocket socket;
  Endpoint signalled;  // from SDP
  Endpoint latched;    // source of the last accepted packet (symmetric RTP)

  const Endpoint* destination() const {
    return latched.valid() ? &latched : signalled.valid() ? &signalled : nullptr;
  }
};

struct Leg {
  SocketSlot rtp;
  SocketSlot rtcp;
  uint16_t rtpPort = 0;
  int family = 0;
  LegCrypto crypto;
  LegMode keying = LegMode::None;        // where the keys come from (crypto holds the current ones)
  std::unique_ptr<DtlsSession> dtls;     // keying Dtls
  std::unique_ptr<ZrtpChannel> zrtp;     // keying Zrtp
  Endpoint handshakePeer;                // the one source a handshake accepts and answers
  bool handshakeReported = false;        // its connected/failed event was sent
  bool handshakeTimed = false;           // in the worker's timer list
  int64_t handshakeDeadlineMs = 0;       // monotonic; a handshake still running then has failed
  IceCredentials ice;
  Direction direction = Direction::SendRecv;
  bool rtcpMux = false;
  uint32_t clockRate = 8000;
  ReceiveStats receive;
  LegCounters counters;
  int64_t lastReceiveMs = 0;  // monotonic
  int64_t armedAtMs = 0;      // the RTP timeout counts from max(lastReceiveMs, armedAtMs)
  bool firstPacketReported = false;
  bool timeoutReported = false;

  /** A DTLS or ZRTP leg before its first keys: nothing passes in the clear. */
  bool awaitingKeys() const { return (keying == LegMode::Dtls || keying == LegMode::Zrtp) && crypto.mode() == LegMode::None; }
};

struct Stream {
  MediaKind kind = MediaKind::Audio;
  PortAllocator* ports = nullptr;
  Leg legs[2];
};

struct Bridge {
  uint64_t id = 0;
  std::vector<std::unique_ptr<Stream>> streams;
  bool closed = false;

  Bridge() { live_.fetch_add(1, std::memory_order_relaxed); }
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;
  /** Returns every port pair to its range (sockets close with the bridge). */
  ~Bridge();

  /** Bridges alive in the process (leak checks). */
  static int64_t liveCount() { return live_.load(std::memory_order_relaxed); }

 private:
  static std::atomic<int64_t> live_;
};

/** Settings for one leg from the offer/answer, prepared (and validated) on the JS thread. */
struct LegUpdate {
  LegMode mode = LegMode::None;
  Direction direction = Direction::SendRecv;
  bool rtcpMux = false;
  uint32_t clockRate = 8000;
  Endpoint remoteRtp;   // invalid = keep the current one
  Endpoint remoteRtcp;
  SrtpKeys keys;        // mode Srtp only
  DtlsRole dtlsRole = DtlsRole::Server;      // mode Dtls: a=setup active = Client
  std::string dtlsFingerprint;               // mode Dtls: the peer's sha-256 fingerprint
  std::unique_ptr<ZrtpChannel> zrtp;         // mode Zrtp: a new channel (null = keep the leg's)
  std::string zrtpPeerHelloHash;             // mode Zrtp: the peer's a=zrtp-hash, may be empty
  bool iceGiven = false;
  IceCredentials ice;
};

}  // namespace b2bua
