#include "engine/media_engine.h"

#include <algorithm>
#include <random>

namespace b2bua {

MediaEngine::MediaEngine(const EngineConfig& config, EventSink& sink)
    : sink_(sink),
      identity_(config.dataDirectory),
      audioPorts_(config.audioPorts),
      videoPorts_(config.videoPorts),
      audioPool_(audioPorts_),
      videoPool_(videoPorts_) {
  unsigned threads = std::max(1u, config.threads);
  for (unsigned i = 0; i < threads; i++) {
    workers_.push_back(std::make_unique<Worker>(sink_, config.rtpTimeoutMs, config.handshakeTimeoutMs, identity_.context()));
    load_.push_back(0);
  }
}

MediaEngine::~MediaEngine() { close(); }

void MediaEngine::close() {
  workers_.clear();  // each joins its thread and frees its bridges; no refill runs after this
  audioPool_.clear();
  videoPool_.clear();
  load_.clear();
  bridges_.clear();
  zrtpLegs_.clear();
}

size_t MediaEngine::leastLoaded() const {
  size_t best = 0;
  for (size_t i = 1; i < workers_.size(); i++) {
    if (load_[i] < load_[best]) best = i;
  }
  return best;
}

void MediaEngine::bindLeg(Bridge& bridge, Stream& stream, uint8_t s, uint8_t l, const std::string& address,
                          bool& wantsRefill) {
  Leg& leg = stream.legs[l];
  PortPool& pool = stream.kind == MediaKind::Audio ? audioPool_ : videoPool_;
  PortPair pair = pool.take(address, wantsRefill);
  leg.rtpPort = pair.rtpPort;
  leg.family = Endpoint::parse(address, 0).family();
  leg.clockRate = stream.kind == MediaKind::Audio ? 8000 : 90000;
  for (SocketSlot* slot : {&leg.rtp, &leg.rtcp}) {
    slot->bridge = &bridge;
    slot->stream = s;
    slot->leg = l;
  }
  leg.rtp.socket = std::move(pair.rtp);
  leg.rtcp.socket = std::move(pair.rtcp);
  leg.rtcp.rtcp = true;
}

uint64_t MediaEngine::createBridge(const std::vector<StreamRequest>& streams,
                                   std::vector<std::vector<CreatedLeg>>& created) {
  // The bridge's own worker refills the pools: its close is answered after the refill has run.
  const size_t workerIndex = leastLoaded();
  Worker& worker = *workers_[workerIndex];
  bool refillAudio = false, refillVideo = false;
  auto scheduleRefills = [&] {
    if (refillAudio) worker.post([pool = &audioPool_] { pool->refill(); });
    if (refillVideo) worker.post([pool = &videoPool_] { pool->refill(); });
  };
  auto bridge = std::make_unique<Bridge>();
  bridge->id = nextId_;
  Record record{&worker, {}};
  try {
    for (size_t s = 0; s < streams.size(); s++) {
      // In the bridge before its legs bind: on a throw, the bridge releases what its legs hold.
      Stream& stream = *bridge->streams.emplace_back(std::make_unique<Stream>());
      stream.kind = streams[s].kind;
      stream.ports = streams[s].kind == MediaKind::Audio ? &audioPorts_ : &videoPorts_;
      bool& wantsRefill = streams[s].kind == MediaKind::Audio ? refillAudio : refillVideo;
      std::vector<CreatedLeg> legs;
      for (uint8_t l = 0; l < 2; l++) {
        bindLeg(*bridge, stream, uint8_t(s), l, streams[s].localAddress[l], wantsRefill);
        const uint16_t rtpPort = stream.legs[l].rtpPort;
        legs.push_back({rtpPort, uint16_t(rtpPort + 1)});
        record.families.push_back(stream.legs[l].family);
      }
      created.push_back(std::move(legs));
    }
  } catch (...) {
    scheduleRefills();  // a take may have asked for one: nobody else will
    throw;
  }
  nextId_++;
  load_[workerIndex]++;
  uint64_t id = bridge->id;
  worker.adopt(std::move(bridge));
  scheduleRefills();
  bridges_.emplace(id, std::move(record));
  return id;
}

const MediaEngine::Record& MediaEngine::record(uint64_t bridgeId) const {
  auto it = bridges_.find(bridgeId);
  if (it == bridges_.end()) throw UnknownBridgeError("no open bridge " + std::to_string(bridgeId));
  return it->second;
}

int MediaEngine::legFamily(uint64_t bridgeId, unsigned stream, unsigned leg) const {
  const Record& found = record(bridgeId);
  if (leg > 1 || stream * 2 + leg >= found.families.size()) {
    throw UnknownBridgeError("bridge " + std::to_string(bridgeId) + " has no stream " + std::to_string(stream) +
                             " leg " + std::to_string(leg));
  }
  return found.families[stream * 2 + leg];
}

MediaEngine::ZrtpLeg& MediaEngine::zrtpLeg(uint64_t bridgeId, unsigned stream, unsigned leg) {
  ZrtpLeg& entry = zrtpLegs_[legKey(bridgeId, stream, leg)];
  if (entry.helloHash.empty()) {
    static thread_local std::mt19937 random{std::random_device{}()};
    const uint32_t ssrc = uint32_t(random());  // only names the channel inside its bzrtp context
    // A second stream of the leg (video) joins the first one's session: multistream, no new DH.
    auto session = pendingSession(bridgeId, stream, leg);
    entry.pending = session ? std::make_unique<ZrtpChannel>(session, ssrc) : std::make_unique<ZrtpChannel>(ssrc);
    entry.helloHash = entry.pending->helloHash();
  }
  return entry;
}

std::shared_ptr<ZrtpSession> MediaEngine::pendingSession(uint64_t bridgeId, unsigned stream, unsigned leg) {
  for (unsigned other = 0; other < 8; other++) {
    if (other == stream) continue;
    auto it = zrtpLegs_.find(legKey(bridgeId, other, leg));
    if (it != zrtpLegs_.end() && it->second.pending && it->second.pending->first()) return it->second.pending->session();
  }
  return nullptr;
}

void MediaEngine::forgetZrtp(uint64_t key, Worker* worker) {
  auto it = zrtpLegs_.find(key);
  if (it == zrtpLegs_.end()) return;
  // A channel may share its bzrtp context with one the worker runs: free it there.
  if (it->second.pending) worker->dispose(std::move(it->second.pending));
  zrtpLegs_.erase(it);
}

std::string MediaEngine::zrtpHelloHash(uint64_t bridgeId, unsigned stream, unsigned leg) {
  legFamily(bridgeId, stream, leg);  // validates the indices
  return zrtpLeg(bridgeId, stream, leg).helloHash;
}

void MediaEngine::updateLeg(uint64_t bridgeId, unsigned stream, unsigned leg, std::unique_ptr<LegUpdate> update) {
  legFamily(bridgeId, stream, leg);  // validates the indices
  if (update->mode == LegMode::Zrtp) {
    update->zrtp = std::move(zrtpLeg(bridgeId, stream, leg).pending);  // null: the worker keeps its channel
  } else {
    forgetZrtp(legKey(bridgeId, stream, leg), record(bridgeId).worker);  // the worker drops its channel
  }
  record(bridgeId).worker->updateLeg(bridgeId, uint8_t(stream), uint8_t(leg), std::shared_ptr<LegUpdate>(std::move(update)));
}

void MediaEngine::closeBridge(uint64_t bridgeId, uint32_t requestId) {
  auto it = bridges_.find(bridgeId);
  if (it == bridges_.end()) throw UnknownBridgeError("no open bridge " + std::to_string(bridgeId));
  Worker* worker = it->second.worker;
  for (size_t i = 0; i < workers_.size(); i++) {
    if (workers_[i].get() == worker) load_[i]--;
  }
  bridges_.erase(it);
  for (unsigned key = 0; key < 16; key++) forgetZrtp(bridgeId << 4 | key, worker);
  worker->closeBridge(bridgeId, requestId);
}

void MediaEngine::deferWakes() {
  for (auto& worker : workers_) worker->deferWakes();
}

void MediaEngine::flushWakes() {
  for (auto& worker : workers_) worker->flushWake();
}

void MediaEngine::requestStats(uint64_t bridgeId, uint32_t requestId) {
  record(bridgeId).worker->requestStats(bridgeId, requestId);
}

}  // namespace b2bua
