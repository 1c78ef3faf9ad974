// One media thread: an epoll loop over its bridges' sockets, a command queue woken by an eventfd,
// and a periodic timer (RTP timeouts). All state of its bridges is touched only here.
#pragma once
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "crypto/srtp_session.h"
#include "engine/bridge.h"
#include "engine/events.h"
#include "net/demux.h"

namespace b2bua {

class Worker {
 public:
  /** `dtls`: the process identity's context, shared by every DTLS leg. */
  Worker(EventSink& sink, uint32_t rtpTimeoutMs, uint32_t handshakeTimeoutMs, SSL_CTX* dtls);
  ~Worker();  // stops and joins
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void adopt(std::unique_ptr<Bridge> bridge);
  void updateLeg(uint64_t bridgeId, uint8_t stream, uint8_t leg, std::shared_ptr<LegUpdate> update);
  void closeBridge(uint64_t bridgeId, uint32_t requestId);
  void requestStats(uint64_t bridgeId, uint32_t requestId);
  void stop();
  /** Frees a ZRTP channel on this thread: it may share its bzrtp context with a running one. */
  void dispose(std::unique_ptr<ZrtpChannel> channel);
  /** Runs `command` on this thread, after every command posted before it. */
  void post(std::function<void()> command);
  /**
   * From now on a post does not wake the thread itself: the poster calls flushWake() once it has
   * posted what it had to (the addon: once per event-loop turn). Only for a single posting thread.
   */
  void deferWakes() { deferWakes_ = true; }
  /** Wakes the thread if a deferred post is waiting for it. */
  void flushWake();
  /** Times a post woke the thread: once per batch of commands, not once per command. */
  uint64_t wakeups() const { return wakeups_.load(std::memory_order_relaxed); }

 private:
  static constexpr int kBatch = 32;
  static constexpr size_t kBufferSize = 2048;  // MTU-sized packets plus the SRTP trailer room
  static constexpr size_t kMaxDatagram = kBufferSize - kSrtpTrailerRoom;
  static constexpr int kRoundsPerWakeup = 8;    // batches per socket before serving the others
  static constexpr int kIdleTickMs = 100;       // RTP timeouts
  static constexpr int kHandshakeTickMs = 20;   // while a handshake runs: DTLS retransmission, bzrtp_iterate

  struct OutBatch {
    mmsghdr messages[kBatch];
    iovec iov[kBatch];
    int count = 0;
  };

  void wake();
  void drainCommands();
  void run();
  void watch(SocketSlot& slot);
  void onReadable(SocketSlot& slot);
  void handlePacket(SocketSlot& slot, Leg& in, Leg& out, int index, int64_t nowMs, uint64_t nowNs,
                    OutBatch& toRtp, OutBatch& toRtcp);
  void flush(OutBatch& batch, SocketSlot& slot, Leg& leg);
  void onTick();
  void checkRtpTimeouts();
  void setTick(int milliseconds);
  void applyKeying(Leg& leg, LegUpdate& update);
  void onStun(SocketSlot& slot, Leg& leg, const uint8_t* packet, size_t length, const sockaddr_storage& source,
              socklen_t sourceLength);
  void onHandshakePacket(SocketSlot& slot, Leg& leg, uint8_t* packet, size_t length, PacketClass kind,
                         const sockaddr_storage& source, socklen_t sourceLength);
  /** Sends what the handshake queued, installs its keys, reports its outcome once. */
  void afterHandshakeStep(Leg& leg);
  void sendHandshake(Leg& leg, Outbox& outbox);
  void emitLegEvent(Leg& leg, MediaEventType type, std::unique_ptr<MediaEvent> event = nullptr);
  void retire(std::unordered_map<uint64_t, std::unique_ptr<Bridge>>::iterator it);
  std::vector<StreamStatsSnapshot> snapshot(const Bridge& bridge) const;

  EventSink& sink_;
  const uint32_t rtpTimeoutMs_;
  const uint32_t handshakeTimeoutMs_;
  SSL_CTX* const dtls_;
  int tickMs_ = 0;
  int64_t lastTimeoutCheckMs_ = 0;
  std::vector<Leg*> handshakes_;  // legs with a DTLS or ZRTP handshake running (timers)
  int epoll_ = -1;
  int wake_ = -1;
  int timer_ = -1;
  char wakeTag_ = 0;
  char timerTag_ = 0;

  std::mutex mutex_;
  std::vector<std::function<void()>> commands_;
  std::atomic<bool> pending_{false};
  std::atomic<uint64_t> wakeups_{0};
  bool deferWakes_ = false;
  bool wakeDue_ = false;  // a deferred post waits for flushWake() (poster's thread only)
  bool running_ = true;

  std::unordered_map<uint64_t, std::unique_ptr<Bridge>> bridges_;
  std::vector<std::unique_ptr<Bridge>> graveyard_;  // closed during an epoll round, freed after it
  std::vector<std::unique_ptr<MediaEvent>> closedAnswers_;  // sent once the graveyard is emptied

  // Preallocated packet memory: received in place, decrypted, re-encrypted and sent from here.
  std::unique_ptr<uint8_t[]> buffers_;
  std::unique_ptr<uint8_t[]> scratch_;
  mmsghdr received_[kBatch];
  iovec receivedIov_[kBatch];
  sockaddr_storage sources_[kBatch];
  OutBatch toRtp_;
  OutBatch toRtcp_;

  std::thread thread_;
};

}  // namespace b2bua
