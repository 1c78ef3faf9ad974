// RTP/RTCP port pairs from a configured range (`audio-port`, `video-port`): "0" = the kernel's
// choice, "N" = exactly N, "MIN-MAX" = even ports in [MIN, MAX-1]. RTP is even, RTCP = RTP + 1.
// Thread-safe: bridges are created on the JS thread and released on worker threads.
#pragma once
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/udp_socket.h"

namespace b2bua {

class PortsExhaustedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PortRangeSyntaxError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct PortPair {
  UdpSocket rtp;
  UdpSocket rtcp;
  uint16_t rtpPort = 0;
};

class PortAllocator {
 public:
  /** Throws PortRangeSyntaxError. */
  explicit PortAllocator(const std::string& range);

  /** Binds both sockets on `localAddress`. Throws PortsExhaustedError, SocketError, AddressError. */
  PortPair allocate(const std::string& localAddress);
  /** Gives a pair back to the range (no-op for kernel-chosen ports). */
  void release(uint16_t rtpPort);

  const std::string& description() const { return description_; }

 private:
  PortPair allocateFromKernel(const Endpoint& local);
  bool tryBindPair(const Endpoint& local, uint16_t rtpPort, PortPair& pair);

  std::string description_;
  bool kernelChoice_ = false;
  uint32_t min_ = 0;  // first even RTP port
  uint32_t max_ = 0;  // last usable RTP port (its RTCP port is max_ + 1)
  std::mutex mutex_;         // guards inUse_ and cursor_ only, never held across a bind
  std::vector<bool> inUse_;  // per RTP port, index (port - min_) / 2
  uint32_t cursor_ = 0;      // round robin, so a freed port is not handed out again at once
};

}  // namespace b2bua
