// The media engine: N worker threads, the port ranges, and the registry of bridges (which worker
// owns which). Its methods are called from one thread (the JS thread); the workers do the rest.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/bridge.h"
#include "engine/events.h"
#include "engine/worker.h"
#include "net/port_allocator.h"
#include "net/port_pool.h"
#include "secure/dtls_identity.h"

namespace b2bua {

class UnknownBridgeError : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};

struct EngineConfig {
  unsigned threads = 1;
  std::string audioPorts = "0";
  std::string videoPorts = "0";
  uint32_t rtpTimeoutMs = 0;  // 0 = never report
  uint32_t handshakeTimeoutMs = 20000;  // a DTLS/ZRTP handshake not done by then fails
  std::string dataDirectory;  // keeps the DTLS certificate; empty = a new one per process
};

struct StreamRequest {
  MediaKind kind = MediaKind::Audio;
  std::string localAddress[2];
};

struct CreatedLeg {
  uint16_t rtpPort;
  uint16_t rtcpPort;
};

class MediaEngine {
 public:
  /** Throws PortRangeSyntaxError, SocketError. */
  MediaEngine(const EngineConfig& config, EventSink& sink);
  ~MediaEngine();  // = close()

  /** Binds every leg's sockets now (so the ports can go in SDP). Throws PortsExhaustedError, AddressError, SocketError. */
  uint64_t createBridge(const std::vector<StreamRequest>& streams, std::vector<std::vector<CreatedLeg>>& created);
  /** Throws UnknownBridgeError (also for a stream or leg index out of range). */
  void updateLeg(uint64_t bridgeId, unsigned stream, unsigned leg, std::unique_ptr<LegUpdate> update);
  void closeBridge(uint64_t bridgeId, uint32_t requestId);
  void requestStats(uint64_t bridgeId, uint32_t requestId);
  /** Our a=fingerprint:sha-256 value. */
  const std::string& dtlsFingerprint() const { return identity_.fingerprint(); }
  /**
   * Our a=zrtp-hash for a leg (stable until the leg leaves mode zrtp). Creates the leg's ZRTP
   * channel here, so the hash can go into SDP before updateLeg hands the channel to the worker.
   * Throws UnknownBridgeError, ZrtpError.
   */
  std::string zrtpHelloHash(uint64_t bridgeId, unsigned stream, unsigned leg);
  /** Stops and joins the workers; their bridges close, and the pooled sockets with them. Idempotent. */
  void close();
  /** Commands stop waking the workers one by one: flushWakes() wakes those with work (Worker::deferWakes). */
  void deferWakes();
  void flushWakes();

  bool closed() const { return workers_.empty(); }
  size_t bridgeCount() const { return bridges_.size(); }
  /** Family of a leg's sockets (AF_INET / AF_INET6), to validate remote addresses before posting. */
  int legFamily(uint64_t bridgeId, unsigned stream, unsigned leg) const;

 private:
  struct Record {
    Worker* worker;
    std::vector<int> families;  // per stream: leg 0, leg 1
  };
  const Record& record(uint64_t bridgeId) const;
  size_t leastLoaded() const;
  /** Binds the leg's sockets (from the pool when it has a pair) and ties them to the bridge. */
  void bindLeg(Bridge& bridge, Stream& stream, uint8_t s, uint8_t l, const std::string& address, bool& wantsRefill);

  struct ZrtpLeg {
    std::unique_ptr<ZrtpChannel> pending;  // created for its hash, not yet given to the worker
    std::string helloHash;
  };
  static uint64_t legKey(uint64_t bridgeId, unsigned stream, unsigned leg) { return bridgeId << 4 | stream << 1 | leg; }
  ZrtpLeg& zrtpLeg(uint64_t bridgeId, unsigned stream, unsigned leg);
  /** The session of another stream's first channel on this leg, still on this thread; else null. */
  std::shared_ptr<ZrtpSession> pendingSession(uint64_t bridgeId, unsigned stream, unsigned leg);
  void forgetZrtp(uint64_t key, Worker* worker);

  EventSink& sink_;
  DtlsIdentity identity_;
  std::unordered_map<uint64_t, ZrtpLeg> zrtpLegs_;  // JS thread only
  PortAllocator audioPorts_;
  PortAllocator videoPorts_;
  PortPool audioPool_;  // after their allocators: closing a pool gives range pairs back
  PortPool videoPool_;
  std::vector<std::unique_ptr<Worker>> workers_;  // after the allocators and pools: bridges release ports on exit, refills run here
  std::vector<size_t> load_;                       // bridges per worker
  std::unordered_map<uint64_t, Record> bridges_;
  uint64_t nextId_ = 1;
};

}  // namespace b2bua
