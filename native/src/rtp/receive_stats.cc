#include "rtp/receive_stats.h"

#include <cstdlib>

namespace b2bua {
namespace {
// RFC 3550 A.1 thresholds.
constexpr uint16_t kMaxDropout = 3000;
constexpr uint16_t kMaxMisorder = 100;
constexpr uint32_t kSequenceMod = 1u << 16;
}  // namespace

void ReceiveStats::restart(uint32_t ssrc, uint16_t sequence) {
  if (started_) lostBefore_ += lostSinceRestart();
  started_ = true;
  ssrc_ = ssrc;
  baseSequence_ = sequence;
  maxSequence_ = sequence;
  cycles_ = 0;
  badSequence_ = kSequenceMod + 1;
  received_ = 0;
  haveTransit_ = false;
  jitter_ = 0;
}

void ReceiveStats::onPacket(uint32_t ssrc, uint16_t sequence, uint32_t timestamp, uint32_t arrival) {
  if (!started_ || ssrc != ssrc_) {
    if (started_) ssrcChanges_++;
    restart(ssrc, sequence);
  } else {
    uint16_t delta = uint16_t(sequence - maxSequence_);
    if (delta < kMaxDropout) {
      if (sequence < maxSequence_) cycles_ += kSequenceMod;  // wrapped
      maxSequence_ = sequence;
    } else if (delta <= kSequenceMod - kMaxMisorder) {
      // A large jump: the sender restarted if two in a row agree, else ignore this one.
      if (sequence == badSequence_) {
        restart(ssrc, sequence);
      } else {
        badSequence_ = (uint32_t(sequence) + 1) & (kSequenceMod - 1);
        return;
      }
    }
    // else: duplicate or reordered within kMaxMisorder; counted as received.
  }
  received_++;

  int64_t transit = int64_t(arrival) - int64_t(timestamp);
  if (haveTransit_) {
    int64_t d = transit - lastTransit_;
    // RTP timestamps wrap at 2^32: take the shortest distance.
    d = int64_t(int32_t(uint32_t(d)));
    jitter_ += (double(std::llabs(d)) - jitter_) / 16.0;
  }
  lastTransit_ = transit;
  haveTransit_ = true;
}

uint64_t ReceiveStats::lost() const { return lostBefore_ + lostSinceRestart(); }

uint64_t ReceiveStats::lostSinceRestart() const {
  if (!started_) return 0;
  uint64_t extendedMax = uint64_t(cycles_) + maxSequence_;
  uint64_t expected = extendedMax - baseSequence_ + 1;
  return expected > received_ ? expected - received_ : 0;
}

}  // namespace b2bua
