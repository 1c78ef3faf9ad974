// Per-leg reception statistics from RTP sequence numbers and timestamps: RFC 3550 A.1 (extended
// highest sequence, expected and lost packets) and A.8 (interarrival jitter). Reset on SSRC change.
#pragma once
#include <cstdint>

namespace b2bua {

class ReceiveStats {
 public:
  /** `arrival` is the receive time in this stream's RTP clock units. */
  void onPacket(uint32_t ssrc, uint16_t sequence, uint32_t timestamp, uint32_t arrival);

  uint32_t ssrc() const { return ssrc_; }
  /** Expected minus received, summed over every SSRC or restart seen (never negative). */
  uint64_t lost() const;
  /** Interarrival jitter in RTP timestamp units. */
  double jitter() const { return jitter_; }
  uint32_t ssrcChanges() const { return ssrcChanges_; }

 private:
  void restart(uint32_t ssrc, uint16_t sequence);
  uint64_t lostSinceRestart() const;

  bool started_ = false;
  uint32_t ssrc_ = 0;
  uint16_t baseSequence_ = 0;
  uint16_t maxSequence_ = 0;
  uint32_t cycles_ = 0;
  uint32_t badSequence_ = 0x10000;  // RTP_SEQ_MOD + 1: "no jump pending"
  uint64_t received_ = 0;
  bool haveTransit_ = false;
  int64_t lastTransit_ = 0;
  double jitter_ = 0;
  uint32_t ssrcChanges_ = 0;
  uint64_t lostBefore_ = 0;
};

}  // namespace b2bua
