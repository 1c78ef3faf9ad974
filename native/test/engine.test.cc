// The engine end to end in C++ (worker threads, epoll, sockets), so ASan/UBSan see the packet path.
#include <poll.h>
#include <sys/socket.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <vector>

#include "check.h"
#include "engine/media_engine.h"

using namespace b2bua;

namespace {

class CollectingSink : public EventSink {
 public:
  void emit(std::unique_ptr<MediaEvent> event) override {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(std::move(event));
    changed_.notify_all();
  }
  /** Waits (up to 5 s) for an event of `type`; nullptr on timeout. */
  std::unique_ptr<MediaEvent> take(MediaEventType type) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      for (auto it = events_.begin(); it != events_.end(); ++it) {
        if ((*it)->type == type) {
          auto event = std::move(*it);
          events_.erase(it);
          return event;
        }
      }
      if (changed_.wait_for(lock, std::chrono::seconds(5)) == std::cv_status::timeout) return nullptr;
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::unique_ptr<MediaEvent>> events_;
};

bool receive(const UdpSocket& socket, std::vector<uint8_t>& out) {
  pollfd fd{socket.fd(), POLLIN, 0};
  if (poll(&fd, 1, 5000) != 1) return false;
  out.resize(2048);
  ssize_t length = recv(socket.fd(), out.data(), out.size(), 0);
  out.resize(length > 0 ? size_t(length) : 0);
  return length > 0;
}

void sendTo(const UdpSocket& socket, uint16_t port, const std::vector<uint8_t>& data) {
  Endpoint to = Endpoint::parse("127.0.0.1", port);
  sendto(socket.fd(), data.data(), data.size(), 0, to.sockaddrPointer(), to.sockaddrLength());
}

std::vector<uint8_t> rtp(uint16_t seq) {
  std::vector<uint8_t> packet(172, uint8_t(seq));
  const uint8_t header[12] = {0x80, 0, uint8_t(seq >> 8), uint8_t(seq), 0, 0, 0, 0, 1, 2, 3, 4};
  std::memcpy(packet.data(), header, 12);
  return packet;
}

}  // namespace

TEST_CASE("a bridge forwards plain RTP between two legs, drops garbage, reports and closes") {
  CollectingSink sink;
  MediaEngine engine(EngineConfig{2, "0", "0", 0}, sink);
  std::vector<std::vector<CreatedLeg>> created;
  uint64_t id = engine.createBridge({StreamRequest{MediaKind::Audio, {"127.0.0.1", "127.0.0.1"}}}, created);
  UdpSocket peerA = UdpSocket::bind(Endpoint::parse("127.0.0.1", 0));
  UdpSocket peerB = UdpSocket::bind(Endpoint::parse("127.0.0.1", 0));
  for (unsigned leg = 0; leg < 2; leg++) {
    auto update = std::make_unique<LegUpdate>();
    update->remoteRtp = Endpoint::parse("127.0.0.1", (leg == 0 ? peerA : peerB).localPort());
    update->remoteRtcp = update->remoteRtp;
    engine.updateLeg(id, 0, leg, std::move(update));
  }
  std::vector<uint8_t> got;
  for (uint16_t seq = 1; seq <= 50; seq++) {
    sendTo(peerA, created[0][0].rtpPort, {0x80});                     // too short
    sendTo(peerA, created[0][0].rtpPort, std::vector<uint8_t>(3000, 0x80));  // truncated by the engine
    sendTo(peerA, created[0][0].rtpPort, rtp(seq));
    CHECK(receive(peerB, got));
    CHECK(got == rtp(seq));
  }
  sendTo(peerB, created[0][1].rtpPort, rtp(7));
  CHECK(receive(peerA, got) && got == rtp(7));
  CHECK(sink.take(MediaEventType::FirstPacket) != nullptr);

  engine.requestStats(id, 1);
  auto stats = sink.take(MediaEventType::Stats);
  CHECK(stats && stats->stats.size() == 1);
  const LegCounters& a = stats->stats[0].legs[0].counters;
  CHECK(a.packetsIn == 50 && a.droppedGarbage == 100);
  CHECK(stats->stats[0].legs[1].counters.packetsOut == 50);

  engine.closeBridge(id, 2);
  auto closed = sink.take(MediaEventType::Closed);
  CHECK(closed && closed->requestId == 2);
  CHECK_THROWS(UnknownBridgeError, engine.requestStats(id, 3));
  engine.close();
}

TEST_CASE("engines start and stop repeatedly with bridges left open") {
  for (int round = 0; round < 20; round++) {
    CollectingSink sink;
    MediaEngine engine(EngineConfig{3, "0", "0", 50}, sink);
    std::vector<std::vector<CreatedLeg>> created;
    for (int i = 0; i < 10; i++) {
      engine.createBridge({StreamRequest{MediaKind::Video, {"::1", "127.0.0.1"}}}, created);
    }
  }  // destructor joins the threads and frees every bridge
}

TEST_CASE("DTLS and ZRTP trunks between two bridges on the worker threads; pending channels freed") {
  CollectingSink sink;
  MediaEngine engine(EngineConfig{2, "0", "0", 0}, sink);
  std::vector<std::vector<CreatedLeg>> x, y;
  const StreamRequest audio{MediaKind::Audio, {"127.0.0.1", "127.0.0.1"}};
  const StreamRequest video{MediaKind::Video, {"127.0.0.1", "127.0.0.1"}};
  uint64_t idX = engine.createBridge({audio, video}, x);
  uint64_t idY = engine.createBridge({audio, video}, y);
  auto trunk = [&](uint64_t id, unsigned stream, unsigned leg, uint16_t port, std::unique_ptr<LegUpdate> update) {
    update->remoteRtp = Endpoint::parse("127.0.0.1", port);
    update->remoteRtcp = update->remoteRtp.withPort(uint16_t(port + 1));
    engine.updateLeg(id, stream, leg, std::move(update));
  };
  // Stream 0: DTLS, X's leg 1 the client.
  for (DtlsRole role : {DtlsRole::Server, DtlsRole::Client}) {
    auto update = std::make_unique<LegUpdate>();
    update->mode = LegMode::Dtls;
    update->dtlsRole = role;
    update->dtlsFingerprint = engine.dtlsFingerprint();
    if (role == DtlsRole::Server) trunk(idY, 0, 0, x[0][1].rtpPort, std::move(update));
    else trunk(idX, 0, 1, y[0][0].rtpPort, std::move(update));
  }
  CHECK(sink.take(MediaEventType::DtlsConnected) != nullptr);
  CHECK(sink.take(MediaEventType::DtlsConnected) != nullptr);
  // Stream 1: ZRTP.
  std::string hashX = engine.zrtpHelloHash(idX, 1, 1), hashY = engine.zrtpHelloHash(idY, 1, 0);
  auto zrtp = [](const std::string& peerHash) {
    auto update = std::make_unique<LegUpdate>();
    update->mode = LegMode::Zrtp;
    update->zrtpPeerHelloHash = peerHash;
    return update;
  };
  trunk(idX, 1, 1, y[1][0].rtpPort, zrtp(hashY));
  trunk(idY, 1, 0, x[1][1].rtpPort, zrtp(hashX));
  auto secure = sink.take(MediaEventType::ZrtpSecure);
  CHECK(secure && secure->sas.size() == 4);
  CHECK(sink.take(MediaEventType::ZrtpSecure) != nullptr);
  // Hashes asked but never handed to a worker: freed with the bridge, on its worker.
  engine.zrtpHelloHash(idX, 0, 0);
  engine.zrtpHelloHash(idX, 1, 0);
  engine.closeBridge(idX, 1);
  CHECK(sink.take(MediaEventType::Closed) != nullptr);
  engine.close();
}
