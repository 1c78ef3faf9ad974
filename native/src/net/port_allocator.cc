#include "net/port_allocator.h"

#include <cerrno>
#include <cstdlib>

namespace b2bua {
namespace {

uint32_t parsePort(const std::string& text, const std::string& whole) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 5) {
    throw PortRangeSyntaxError("invalid port range '" + whole + "': expected 0, N or MIN-MAX");
  }
  uint32_t port = uint32_t(std::strtoul(text.c_str(), nullptr, 10));
  if (port > 65535) throw PortRangeSyntaxError("invalid port range '" + whole + "': port above 65535");
  return port;
}

constexpr int kKernelAttempts = 64;

}  // namespace

PortAllocator::PortAllocator(const std::string& range) : description_(range) {
  size_t dash = range.find('-');
  if (dash == std::string::npos) {
    uint32_t port = parsePort(range, range);
    if (port == 0) {
      kernelChoice_ = true;
      return;
    }
    if (port == 65535) throw PortRangeSyntaxError("invalid port range '" + range + "': no room for RTCP");
    min_ = max_ = port;  // a fixed port is used as given, even or not
  } else {
    uint32_t low = parsePort(range.substr(0, dash), range);
    uint32_t high = parsePort(range.substr(dash + 1), range);
    if (low == 0 || high < low) throw PortRangeSyntaxError("invalid port range '" + range + "'");
    min_ = low + (low % 2);
    max_ = (high % 2 == 0) ? high - 1 : high;  // highest RTCP port = high
    max_ -= 1;                                   // back to the even RTP port
    if (max_ < min_ || max_ > 65534) throw PortRangeSyntaxError("port range '" + range + "' holds no RTP/RTCP pair");
  }
  inUse_.assign((max_ - min_) / 2 + 1, false);
}

PortPair PortAllocator::allocate(const std::string& localAddress) {
  Endpoint local = Endpoint::parse(localAddress, 0);
  if (kernelChoice_) return allocateFromKernel(local);
  const uint32_t slots = uint32_t(inUse_.size());
  uint32_t from;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    from = cursor_;
  }
  for (uint32_t tried = 0; tried < slots; tried++) {
    const uint32_t slot = (from + tried) % slots;
    {
      // Reserved under the lock, bound outside it: another thread allocating never waits for a bind.
      std::lock_guard<std::mutex> lock(mutex_);
      if (inUse_[slot]) continue;
      inUse_[slot] = true;
      cursor_ = (slot + 1) % slots;
    }
    PortPair pair;
    bool bound;
    try {
      bound = tryBindPair(local, uint16_t(min_ + slot * 2), pair);
    } catch (...) {
      release(uint16_t(min_ + slot * 2));
      throw;
    }
    if (bound) return pair;
    release(uint16_t(min_ + slot * 2));  // taken by another process
  }
  throw PortsExhaustedError("no free RTP/RTCP port pair in range " + description_);
}

void PortAllocator::release(uint16_t rtpPort) {
  if (kernelChoice_ || rtpPort < min_ || rtpPort > max_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  inUse_[(rtpPort - min_) / 2] = false;
}

PortPair PortAllocator::allocateFromKernel(const Endpoint& local) {
  for (int attempt = 0; attempt < kKernelAttempts; attempt++) {
    UdpSocket probe = UdpSocket::bind(local);
    const uint16_t port = probe.localPort();
    PortPair pair;
    // An odd port is the RTCP port of the pair below it: fewer binds than throwing it away.
    const bool odd = port % 2 != 0;
    if (odd ? port == 1 : port == 65534) continue;  // no pair with port 0, nor with 65535 as RTCP
    const uint16_t other = odd ? uint16_t(port - 1) : uint16_t(port + 1);
    try {
      UdpSocket partner = UdpSocket::bind(local.withPort(other));
      pair.rtp = odd ? std::move(partner) : std::move(probe);
      pair.rtcp = odd ? std::move(probe) : std::move(partner);
    } catch (const SocketError& error) {
      if (error.error() == EADDRINUSE || error.error() == EACCES) continue;
      throw;
    }
    pair.rtpPort = odd ? other : port;
    return pair;
  }
  throw PortsExhaustedError("the kernel gave no port with a free RTP/RTCP partner after " +
                            std::to_string(kKernelAttempts) + " attempts");
}

bool PortAllocator::tryBindPair(const Endpoint& local, uint16_t rtpPort, PortPair& pair) {
  try {
    pair.rtp = UdpSocket::bind(local.withPort(rtpPort));
    pair.rtcp = UdpSocket::bind(local.withPort(uint16_t(rtpPort + 1)));
  } catch (const SocketError& error) {
    if (error.error() == EADDRINUSE || error.error() == EACCES) return false;
    throw;
  }
  pair.rtpPort = rtpPort;
  return true;
}

}  // namespace b2bua
