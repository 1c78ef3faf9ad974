// Clocks for the media threads: monotonic for timeouts and jitter, wall clock for reports.
#pragma once
#include <cstdint>
#include <ctime>

namespace b2bua {

inline uint64_t monotonicNs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return uint64_t(now.tv_sec) * 1000000000ull + uint64_t(now.tv_nsec);
}

inline int64_t monotonicMs() { return int64_t(monotonicNs() / 1000000); }

inline double wallClockMs() {
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return double(now.tv_sec) * 1000.0 + double(now.tv_nsec) / 1e6;
}

}  // namespace b2bua
