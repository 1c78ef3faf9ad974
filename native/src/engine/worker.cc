#include "engine/worker.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "engine/clock.h"
#include "net/demux.h"
#include "rtp/rtp_header.h"

namespace b2bua {
namespace {

int checked(int result, const char* what) {
  if (result < 0) throw SocketError(std::string(what) + ": " + std::strerror(errno), errno);
  return result;
}

// Arrival time in the stream's RTP clock units, for the jitter estimate (RFC 3550 A.8).
uint32_t arrivalUnits(uint64_t nowNs, uint32_t clockRate) {
  return uint32_t((nowNs / 1000) * clockRate / 1000000);
}

}  // namespace

Worker::Worker(EventSink& sink, uint32_t rtpTimeoutMs, uint32_t handshakeTimeoutMs, SSL_CTX* dtls)
    : sink_(sink),
      rtpTimeoutMs_(rtpTimeoutMs),
      handshakeTimeoutMs_(handshakeTimeoutMs),
      dtls_(dtls),
      buffers_(new uint8_t[kBatch * kBufferSize]),
      scratch_(new uint8_t[kBufferSize]) {
  epoll_ = checked(epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
  wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (wake_ < 0 || timer_ < 0) {
    int error = errno;
    if (wake_ >= 0) close(wake_);
    if (timer_ >= 0) close(timer_);
    close(epoll_);
    throw SocketError(std::string("eventfd/timerfd: ") + std::strerror(error), error);
  }
  setTick(kIdleTickMs);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = &wakeTag_;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &event);
  event.data.ptr = &timerTag_;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, timer_, &event);

  for (int i = 0; i < kBatch; i++) {
    receivedIov_[i].iov_base = buffers_.get() + i * kBufferSize;
    receivedIov_[i].iov_len = kMaxDatagram;
    std::memset(&received_[i], 0, sizeof(mmsghdr));
    received_[i].msg_hdr.msg_iov = &receivedIov_[i];
    received_[i].msg_hdr.msg_iovlen = 1;
    received_[i].msg_hdr.msg_name = &sources_[i];
  }
  thread_ = std::thread([this] { run(); });
}

Worker::~Worker() {
  stop();
  if (thread_.joinable()) thread_.join();
  bridges_.clear();
  graveyard_.clear();
  close(timer_);
  close(wake_);
  close(epoll_);
}

void Worker::setTick(int milliseconds) {
  if (tickMs_ == milliseconds) return;
  tickMs_ = milliseconds;
  itimerspec tick{};
  tick.it_interval.tv_nsec = milliseconds * 1000000L;
  tick.it_value = tick.it_interval;
  timerfd_settime(timer_, 0, &tick, nullptr);
}

void Worker::post(std::function<void()> command) {
  bool wasEmpty;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    wasEmpty = commands_.empty();
    commands_.push_back(std::move(command));
    pending_.store(true, std::memory_order_release);
  }
  // One wake-up per batch: a non-empty queue already has one on its way (or due), because run()
  // reads the eventfd before it takes the queue (a write after that read wakes the next epoll_wait).
  if (!wasEmpty) return;
  if (deferWakes_) {
    wakeDue_ = true;
    return;
  }
  wake();
}

void Worker::flushWake() {
  if (!wakeDue_) return;
  wakeDue_ = false;
  wake();
}

void Worker::wake() {
  // The eventfd write is a syscall that may interrupt another core (the thread sleeps in
  // epoll_wait): ~5 % of the JS thread at 1,000 calls/s when every command woke it on its own.
  wakeups_.fetch_add(1, std::memory_order_relaxed);
  uint64_t one = 1;
  // A full eventfd counter (never in practice) still leaves the worker readable, so ignore it.
  (void)!write(wake_, &one, sizeof(one));
}

void Worker::drainCommands() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(commands_);
    pending_.store(false, std::memory_order_relaxed);
  }
  for (auto& command : batch) command();
}

void Worker::dispose(std::unique_ptr<ZrtpChannel> channel) {
  auto carried = std::make_shared<std::unique_ptr<ZrtpChannel>>(std::move(channel));
  post([carried] { carried->reset(); });
}

void Worker::stop() {
  post([this] { running_ = false; });
  flushWake();
}

void Worker::adopt(std::unique_ptr<Bridge> bridge) {
  // std::function needs a copyable capture: carry the unique_ptr inside a shared_ptr.
  auto carried = std::make_shared<std::unique_ptr<Bridge>>(std::move(bridge));
  post([this, carried] {
    Bridge& bridge = **carried;
    const int64_t now = monotonicMs();
    for (auto& stream : bridge.streams) {
      for (Leg& leg : stream->legs) {
        leg.armedAtMs = now;
        watch(leg.rtp);
        watch(leg.rtcp);
      }
    }
    bridges_.emplace(bridge.id, std::move(*carried));
  });
}

void Worker::watch(SocketSlot& slot) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = &slot;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, slot.socket.fd(), &event);
}

void Worker::updateLeg(uint64_t bridgeId, uint8_t stream, uint8_t leg, std::shared_ptr<LegUpdate> update) {
  post([this, bridgeId, stream, leg, update] {
    auto it = bridges_.find(bridgeId);
    if (it == bridges_.end()) return;  // closed meanwhile
    Leg& target = it->second->streams[stream]->legs[leg];
    target.direction = update->direction;
    target.rtcpMux = update->rtcpMux;
    if (update->clockRate) target.clockRate = update->clockRate;  // 0 = keep the kind's default
    if (update->remoteRtp.valid()) {
      // A new signalled address replaces what was learnt: the peer moved (re-INVITE).
      if (!(update->remoteRtp == target.rtp.signalled)) target.rtp.latched = Endpoint();
      if (!(update->remoteRtcp == target.rtcp.signalled)) target.rtcp.latched = Endpoint();
      target.rtp.signalled = update->remoteRtp;
      target.rtcp.signalled = update->remoteRtcp;
    }
    if (update->iceGiven) target.ice = update->ice;
    applyKeying(target, *update);  // after the addresses: a DTLS client sends its ClientHello now
    target.armedAtMs = monotonicMs();
    target.timeoutReported = false;
  });
}

void Worker::applyKeying(Leg& leg, LegUpdate& update) {
  leg.keying = update.mode;
  if (update.mode == LegMode::None || update.mode == LegMode::Srtp) {
    leg.crypto.apply(update.mode, std::move(update.keys));
    leg.dtls.reset();
    leg.zrtp.reset();
    return;
  }
  // A handshake mode: the current keys (if any) stay until the new handshake gives its own.
  if (update.mode == LegMode::Dtls) {
    leg.zrtp.reset();
    bool same = leg.dtls && leg.dtls->role() == update.dtlsRole &&
                leg.dtls->expectedFingerprint() == DtlsSession::normalizedFingerprint(update.dtlsFingerprint);
    if (same) return;
    leg.handshakePeer = Endpoint();
    leg.handshakeReported = false;
    try {
      leg.dtls = std::make_unique<DtlsSession>(dtls_, update.dtlsRole, update.dtlsFingerprint);
      leg.dtls->start();
    } catch (const std::exception& error) {
      leg.dtls.reset();
      auto event = std::make_unique<MediaEvent>();
      event->reason = error.what();
      leg.counters.handshakeFailures++;
      emitLegEvent(leg, MediaEventType::DtlsFailed, std::move(event));
      return;
    }
  } else {
    leg.dtls.reset();
    if (update.zrtp) {
      leg.zrtp = std::move(update.zrtp);
      leg.handshakePeer = Endpoint();
      leg.handshakeReported = false;
      leg.zrtp->setPeerHelloHash(update.zrtpPeerHelloHash);
      leg.zrtp->start(uint64_t(monotonicMs()));
    } else if (leg.zrtp) {
      leg.zrtp->setPeerHelloHash(update.zrtpPeerHelloHash);  // the answer brought the peer's hash
    }
  }
  leg.handshakeDeadlineMs = monotonicMs() + int64_t(handshakeTimeoutMs_);
  if (!leg.handshakeTimed) {
    leg.handshakeTimed = true;
    handshakes_.push_back(&leg);
    setTick(kHandshakeTickMs);
  }
  afterHandshakeStep(leg);
}

void Worker::emitLegEvent(Leg& leg, MediaEventType type, std::unique_ptr<MediaEvent> event) {
  if (!event) event = std::make_unique<MediaEvent>();
  event->type = type;
  event->bridgeId = leg.rtp.bridge->id;
  event->stream = leg.rtp.stream;
  event->leg = leg.rtp.leg;
  sink_.emit(std::move(event));
}

void Worker::sendHandshake(Leg& leg, Outbox& outbox) {
  const Endpoint* to = leg.handshakePeer.valid() ? &leg.handshakePeer : leg.rtp.destination();
  for (const Datagram& datagram : outbox.datagrams) {
    if (!to || to->family() != leg.family ||
        sendto(leg.rtp.socket.fd(), datagram.data(), datagram.size(), MSG_DONTWAIT, to->sockaddrPointer(),
               to->sockaddrLength()) < 0) {
      leg.counters.droppedSend++;  // the handshake's own timers retransmit
    }
  }
  outbox.datagrams.clear();
}

void Worker::afterHandshakeStep(Leg& leg) {
  if (leg.dtls) {
    DtlsSession& dtls = *leg.dtls;
    sendHandshake(leg, dtls.outbox);
    if (leg.handshakeReported || dtls.state() == DtlsState::Handshaking) return;
    leg.handshakeReported = true;
    auto event = std::make_unique<MediaEvent>();
    if (dtls.state() == DtlsState::Connected) {
      try {
        leg.crypto.apply(LegMode::Srtp, SrtpKeys::prepare(*dtls.suite(), dtls.sendKey(), dtls.receiveKey()));
        event->role = dtls.role() == DtlsRole::Client ? "client" : "server";
        event->profile = dtls.profileName();
        if (!leg.rtp.latched.valid() && leg.handshakePeer.valid()) leg.rtp.latched = leg.handshakePeer;
        emitLegEvent(leg, MediaEventType::DtlsConnected, std::move(event));
        return;
      } catch (const std::exception& error) {
        event->reason = error.what();
      }
    } else {
      event->reason = dtls.failure();
    }
    leg.counters.handshakeFailures++;
    emitLegEvent(leg, MediaEventType::DtlsFailed, std::move(event));
  } else if (leg.zrtp) {
    ZrtpChannel& zrtp = *leg.zrtp;
    sendHandshake(leg, zrtp.outbox);
    if (zrtp.keysReady()) {
      std::vector<uint8_t> sendKey, receiveKey;
      const SrtpSuite* suite = zrtp.takeKeys(sendKey, receiveKey);
      try {
        leg.crypto.apply(LegMode::Srtp, SrtpKeys::prepare(*suite, std::move(sendKey), std::move(receiveKey)));
      } catch (const std::exception&) {
        leg.counters.handshakeFailures++;  // cannot happen with bzrtp's key sizes; reported below as failed
      }
    }
    if (leg.handshakeReported || zrtp.state() == ZrtpState::Handshaking) return;
    leg.handshakeReported = true;
    auto event = std::make_unique<MediaEvent>();
    if (zrtp.state() == ZrtpState::Secure && leg.crypto.mode() == LegMode::Srtp) {
      event->sas = zrtp.sas();
      event->profile = leg.crypto.suite()->name;
      if (!leg.rtp.latched.valid() && leg.handshakePeer.valid()) leg.rtp.latched = leg.handshakePeer;
      emitLegEvent(leg, MediaEventType::ZrtpSecure, std::move(event));
    } else {
      event->reason = zrtp.state() == ZrtpState::Failed ? zrtp.failure() : "no usable SRTP keys";
      leg.counters.handshakeFailures++;
      emitLegEvent(leg, MediaEventType::ZrtpFailed, std::move(event));
    }
  }
}

void Worker::onHandshakePacket(SocketSlot& slot, Leg& leg, uint8_t* packet, size_t length, PacketClass kind,
                               const sockaddr_storage& source, socklen_t sourceLength) {
  const bool wanted = !slot.rtcp && ((kind == PacketClass::Dtls && leg.dtls) || (kind == PacketClass::Zrtp && leg.zrtp));
  if (!wanted) {
    leg.counters.droppedUnsupported++;
    return;
  }
  // A handshake talks to one peer: the first source it hears (a flood from elsewhere cannot hijack it).
  if (leg.handshakePeer.valid() && !leg.handshakePeer.sameAs(source)) {
    leg.counters.handshakeDropped++;
    return;
  }
  if (!leg.handshakePeer.valid()) leg.handshakePeer = Endpoint::fromSockaddr(source, sourceLength);
  leg.counters.handshakePackets++;
  if (leg.dtls) leg.dtls->receive(packet, length);
  else leg.zrtp->receive(packet, length);
  afterHandshakeStep(leg);
}

void Worker::onStun(SocketSlot& slot, Leg& leg, const uint8_t* packet, size_t length, const sockaddr_storage& source,
                    socklen_t sourceLength) {
  if (!leg.ice.enabled()) {
    leg.counters.droppedUnsupported++;
    return;
  }
  std::vector<uint8_t> response;
  StunCheck check = answerBindingRequest(packet, length, leg.ice, source, response);
  if (check.verdict == StunVerdict::Rejected) {
    leg.counters.stunRejected++;
    return;
  }
  if (check.verdict == StunVerdict::NotARequest) {
    leg.counters.droppedGarbage++;
    return;
  }
  leg.counters.stunAnswered++;
  // ICE-lite: the nominated pair, or the first checked one, is where media goes.
  if (check.useCandidate || !slot.latched.valid()) slot.latched = Endpoint::fromSockaddr(source, sourceLength);
  if (sendto(slot.socket.fd(), response.data(), response.size(), MSG_DONTWAIT,
             reinterpret_cast<const sockaddr*>(&source), sourceLength) < 0) {
    leg.counters.droppedSend++;
  }
}

void Worker::closeBridge(uint64_t bridgeId, uint32_t requestId) {
  post([this, bridgeId, requestId] {
    auto it = bridges_.find(bridgeId);
    if (it != bridges_.end()) retire(it);
    // Answered once the bridge is freed (sockets closed, ports released), after this epoll round.
    auto event = std::make_unique<MediaEvent>();
    event->type = MediaEventType::Closed;
    event->bridgeId = bridgeId;
    event->requestId = requestId;
    closedAnswers_.push_back(std::move(event));
  });
}

void Worker::retire(std::unordered_map<uint64_t, std::unique_ptr<Bridge>>::iterator it) {
  Bridge& bridge = *it->second;
  bridge.closed = true;
  handshakes_.erase(std::remove_if(handshakes_.begin(), handshakes_.end(),
                                   [&bridge](Leg* leg) { return leg->rtp.bridge == &bridge; }),
                    handshakes_.end());
  for (auto& stream : bridge.streams) {
    for (Leg& leg : stream->legs) {
      epoll_ctl(epoll_, EPOLL_CTL_DEL, leg.rtp.socket.fd(), nullptr);
      epoll_ctl(epoll_, EPOLL_CTL_DEL, leg.rtcp.socket.fd(), nullptr);
    }
  }
  // Events of this epoll round may still point at its slots: free it after the round.
  graveyard_.push_back(std::move(it->second));
  bridges_.erase(it);
}

void Worker::requestStats(uint64_t bridgeId, uint32_t requestId) {
  post([this, bridgeId, requestId] {
    auto event = std::make_unique<MediaEvent>();
    event->type = MediaEventType::Stats;
    event->bridgeId = bridgeId;
    event->requestId = requestId;
    auto it = bridges_.find(bridgeId);
    if (it != bridges_.end()) event->stats = snapshot(*it->second);
    sink_.emit(std::move(event));
  });
}

void Worker::run() {
  epoll_event events[64];
  while (running_) {
    int count = epoll_wait(epoll_, events, 64, -1);
    if (count < 0 && errno != EINTR) break;
    uint64_t value;
    for (int i = 0; i < count; i++) {
      if (events[i].data.ptr == &wakeTag_) (void)!read(wake_, &value, sizeof(value));  // before the drain: see post()
    }
    drainCommands();
    for (int i = 0; i < count && running_; i++) {
      void* tag = events[i].data.ptr;
      if (tag == &wakeTag_) continue;
      if (tag == &timerTag_) {
        (void)!read(timer_, &value, sizeof(value));
        onTick();
      } else {
        auto* slot = static_cast<SocketSlot*>(tag);
        if (!slot->bridge->closed) onReadable(*slot);
      }
    }
    graveyard_.clear();
    for (auto& answer : closedAnswers_) sink_.emit(std::move(answer));
    closedAnswers_.clear();
  }
}

void Worker::onReadable(SocketSlot& slot) {
  Bridge& bridge = *slot.bridge;
  Stream& stream = *bridge.streams[slot.stream];
  Leg& in = stream.legs[slot.leg];
  Leg& out = stream.legs[1 - slot.leg];
  for (int round = 0; round < kRoundsPerWakeup; round++) {
    // A command posted before a packet was sent must apply before that packet is handled.
    if (pending_.load(std::memory_order_acquire)) {
      drainCommands();
      if (bridge.closed || !running_) return;
    }
    for (int i = 0; i < kBatch; i++) {
      received_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      received_[i].msg_hdr.msg_flags = 0;
    }
    int count = recvmmsg(slot.socket.fd(), received_, kBatch, MSG_DONTWAIT, nullptr);
    if (count <= 0) return;
    const uint64_t nowNs = monotonicNs();
    const int64_t nowMs = int64_t(nowNs / 1000000);
    toRtp_.count = 0;
    toRtcp_.count = 0;
    for (int i = 0; i < count; i++) handlePacket(slot, in, out, i, nowMs, nowNs, toRtp_, toRtcp_);
    flush(toRtp_, out.rtp, out);
    flush(toRtcp_, out.rtcp, out);
    if (count < kBatch) return;
  }
}

void Worker::handlePacket(SocketSlot& slot, Leg& in, Leg& out, int index, int64_t nowMs, uint64_t nowNs,
                          OutBatch& toRtp, OutBatch& toRtcp) {
  uint8_t* packet = buffers_.get() + size_t(index) * kBufferSize;
  int length = int(received_[index].msg_len);
  const msghdr& header = received_[index].msg_hdr;
  if (header.msg_flags & MSG_TRUNC) {
    in.counters.droppedGarbage++;
    return;
  }
  bool rtcp;
  switch (classifyPacket(packet, size_t(length))) {
    case PacketClass::Rtp:
      rtcp = slot.rtcp;  // on the RTCP port, the payload-type byte says nothing
      break;
    case PacketClass::Rtcp:
      rtcp = true;
      break;
    case PacketClass::Stun:
      onStun(slot, in, packet, size_t(length), sources_[index], header.msg_namelen);
      return;
    case PacketClass::Zrtp:
    case PacketClass::Dtls:
      onHandshakePacket(slot, in, packet, size_t(length), classifyPacket(packet, size_t(length)), sources_[index],
                        header.msg_namelen);
      return;
    default:
      in.counters.droppedGarbage++;
      return;
  }
  if (in.awaitingKeys()) {
    in.counters.droppedNotKeyed++;
    return;
  }
  const SrtpSuite* suite = in.crypto.suite();
  size_t trailer = suite ? (rtcp ? 4u + suite->rtcpTagLength : suite->rtpTagLength) : 0;
  if (rtcp ? !isValidRtcp(packet, size_t(length), trailer) : !isValidRtp(packet, size_t(length), trailer)) {
    in.counters.droppedGarbage++;
    return;
  }

  const sockaddr_storage& source = sources_[index];
  const bool fromLatched = slot.latched.valid() && slot.latched.sameAs(source);
  if (!suite && !fromLatched && slot.latched.valid() &&
      !(slot.signalled.valid() && slot.signalled.sameAs(source))) {
    // Plain RTP cannot prove where it comes from: once latched, only the signalled address moves it.
    in.counters.droppedAddress++;
    return;
  }
  const int wireLength = length;
  switch (in.crypto.unprotect(rtcp, packet, &length, scratch_.get())) {
    case CryptoVerdict::Ok:
      break;
    case CryptoVerdict::AuthFailure:
      in.counters.authFailures++;
      return;
    case CryptoVerdict::ReplayFailure:
      in.counters.replayFailures++;
      return;
    case CryptoVerdict::Invalid:
      in.counters.droppedGarbage++;
      return;
  }
  if (!fromLatched) slot.latched = Endpoint::fromSockaddr(source, header.msg_namelen);

  in.counters.packetsIn++;
  in.counters.bytesIn += uint64_t(wireLength);
  if (rtcp) {
    in.counters.rtcpIn++;
  } else {
    RtpFields fields = rtpFields(packet);
    in.receive.onPacket(fields.ssrc, fields.sequence, fields.timestamp, arrivalUnits(nowNs, in.clockRate));
  }
  in.lastReceiveMs = nowMs;
  in.timeoutReported = false;
  if (!in.firstPacketReported) {
    in.firstPacketReported = true;
    auto event = std::make_unique<MediaEvent>();
    event->type = MediaEventType::FirstPacket;
    event->bridgeId = slot.bridge->id;
    event->stream = slot.stream;
    event->leg = slot.leg;
    event->address = slot.latched.address();
    event->port = slot.latched.port();
    sink_.emit(std::move(event));
  }

  // Directions govern media only: RTCP flows even on sendonly/recvonly/inactive streams
  // (RFC 3264 §5.1), or senders would get no receiver reports.
  if (!rtcp && (!receivesFrom(in.direction) || !sendsTo(out.direction))) {
    in.counters.droppedDirection++;
    return;
  }
  const bool toRtcpSocket = rtcp && !out.rtcpMux;
  SocketSlot& outSlot = toRtcpSocket ? out.rtcp : out.rtp;
  const Endpoint* destination = outSlot.destination();
  if (!destination || destination->family() != out.family) {
    in.counters.droppedNoDestination++;
    return;
  }
  if (out.awaitingKeys()) {
    out.counters.droppedNotKeyed++;  // never in the clear toward a DTLS/ZRTP peer
    return;
  }
  if (out.crypto.protect(rtcp, packet, &length) != CryptoVerdict::Ok) {
    out.counters.droppedSend++;
    return;
  }
  OutBatch& batch = toRtcpSocket ? toRtcp : toRtp;
  int slotIndex = batch.count++;
  batch.iov[slotIndex].iov_base = packet;
  batch.iov[slotIndex].iov_len = size_t(length);
  mmsghdr& message = batch.messages[slotIndex];
  std::memset(&message, 0, sizeof(message));
  message.msg_hdr.msg_iov = &batch.iov[slotIndex];
  message.msg_hdr.msg_iovlen = 1;
  message.msg_hdr.msg_name = const_cast<sockaddr*>(destination->sockaddrPointer());
  message.msg_hdr.msg_namelen = destination->sockaddrLength();
  if (rtcp) out.counters.rtcpOut++;
}

void Worker::flush(OutBatch& batch, SocketSlot& slot, Leg& leg) {
  int offset = 0;
  while (offset < batch.count) {
    int sent = sendmmsg(slot.socket.fd(), batch.messages + offset, unsigned(batch.count - offset), MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        leg.counters.droppedSend += uint64_t(batch.count - offset);  // socket buffer full: shed load
        break;
      }
      leg.counters.droppedSend++;  // this datagram only (e.g. unreachable destination)
      offset++;
      continue;
    }
    for (int i = offset; i < offset + sent; i++) {
      leg.counters.packetsOut++;
      leg.counters.bytesOut += batch.messages[i].msg_len;
    }
    offset += sent;
  }
}

void Worker::onTick() {
  const int64_t nowMs = monotonicMs();
  for (size_t i = 0; i < handshakes_.size();) {
    Leg& leg = *handshakes_[i];
    if (leg.dtls) leg.dtls->onTimer();
    if (leg.zrtp) leg.zrtp->onTimer(uint64_t(nowMs));
    if (nowMs >= leg.handshakeDeadlineMs) {
      if (leg.dtls && leg.dtls->state() == DtlsState::Handshaking) leg.dtls->abandon("handshake timed out");
      if (leg.zrtp && leg.zrtp->state() == ZrtpState::Handshaking) leg.zrtp->abandon("handshake timed out");
    }
    afterHandshakeStep(leg);
    const bool running = (leg.dtls && leg.dtls->state() == DtlsState::Handshaking) ||
                         (leg.zrtp && leg.zrtp->state() == ZrtpState::Handshaking);
    if (running) {
      i++;
    } else {
      leg.handshakeTimed = false;
      handshakes_[i] = handshakes_.back();
      handshakes_.pop_back();
    }
  }
  if (handshakes_.empty()) setTick(kIdleTickMs);  // no idle wake-ups at the handshake rate
  if (nowMs - lastTimeoutCheckMs_ >= kIdleTickMs - kHandshakeTickMs / 2) {
    lastTimeoutCheckMs_ = nowMs;
    checkRtpTimeouts();
  }
}

void Worker::checkRtpTimeouts() {
  if (rtpTimeoutMs_ == 0) return;
  const int64_t now = monotonicMs();
  for (auto& [id, bridge] : bridges_) {
    for (size_t s = 0; s < bridge->streams.size(); s++) {
      for (uint8_t l = 0; l < 2; l++) {
        Leg& leg = bridge->streams[s]->legs[l];
        if (leg.timeoutReported || !receivesFrom(leg.direction)) continue;
        int64_t since = leg.lastReceiveMs > leg.armedAtMs ? leg.lastReceiveMs : leg.armedAtMs;
        if (now - since < int64_t(rtpTimeoutMs_)) continue;
        leg.timeoutReported = true;
        auto event = std::make_unique<MediaEvent>();
        event->type = MediaEventType::RtpTimeout;
        event->bridgeId = id;
        event->stream = uint8_t(s);
        event->leg = l;
        sink_.emit(std::move(event));
      }
    }
  }
}

std::vector<StreamStatsSnapshot> Worker::snapshot(const Bridge& bridge) const {
  const int64_t nowMono = monotonicMs();
  const double nowWall = wallClockMs();
  std::vector<StreamStatsSnapshot> streams;
  for (const auto& stream : bridge.streams) {
    StreamStatsSnapshot out;
    out.kind = stream->kind;
    for (int l = 0; l < 2; l++) {
      const Leg& leg = stream->legs[l];
      LegStatsSnapshot& snap = out.legs[l];
      snap.counters = leg.counters;
      snap.rtpLost = leg.receive.lost();
      snap.jitterMs = leg.receive.jitter() * 1000.0 / double(leg.clockRate);
      snap.ssrc = leg.receive.ssrc();
      snap.lastPacketTimeMs = leg.lastReceiveMs ? nowWall - double(nowMono - leg.lastReceiveMs) : 0;
      const Endpoint* remote = leg.rtp.destination();
      if (remote) {
        snap.remoteAddress = remote->address();
        snap.remotePort = remote->port();
      }
      snap.latched = leg.rtp.latched.valid();
    }
    streams.push_back(std::move(out));
  }
  return streams;
}

}  // namespace b2bua
