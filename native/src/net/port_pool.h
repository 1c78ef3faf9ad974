// Ready RTP/RTCP pairs per local address, so that creating a bridge on the JS thread takes bound
// sockets instead of binding them (with kernel-chosen ports, a pair costs several binds). take()
// runs on the JS thread; refill() on a media thread. Bounded: kTarget pairs for each of at most
// kMaxAddresses addresses. In a port range, pooled pairs count as in use, so a pool never makes the
// range look full: when it is, the pairs pooled for the other addresses go back to it first.
#pragma once
#include <array>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>

#include "net/port_allocator.h"

namespace b2bua {

class PortPool {
 public:
  /** A call takes two pairs (its two legs): 32 is 16 calls ahead, ~10 ms at 1,500 calls/s. */
  static constexpr size_t kTarget = 32;
  /** A daemon binds media on one or two addresses (IPv4, IPv6); others are bound on demand. */
  static constexpr size_t kMaxAddresses = 4;

  explicit PortPool(PortAllocator& allocator, size_t target = kTarget);
  ~PortPool() { clear(); }
  PortPool(const PortPool&) = delete;
  PortPool& operator=(const PortPool&) = delete;

  /**
   * A bound pair on `localAddress`: a pooled one, else one bound now. Sets `wantsRefill` when the
   * caller must run refill() on a native thread (once per refill: until it has run, no other take
   * asks again). Throws as PortAllocator::allocate.
   */
  PortPair take(const std::string& localAddress, bool& wantsRefill);
  /** Binds pairs until every address holds its target, or the range or the kernel refuses one. */
  void refill();
  /** Closes every pooled pair; range pairs go back to the range. With no refill running (the engine joins its workers first). */
  void clear();
  /** Pairs held, all addresses. */
  size_t pooled() const;

 private:
  struct Stock {
    std::string address;
    std::deque<PortPair> pairs;  // oldest first: a range's round robin order is kept
  };
  Stock* find(const std::string& address);
  void scheduleRefill(bool& wantsRefill);
  /** Binds now; a full range first takes back what the pools hold. */
  PortPair bindNow(const std::string& address);
  /** Closes the pairs and gives range pairs back (under mutex_). */
  void discard(std::deque<PortPair>& pairs);

  PortAllocator& allocator_;
  const size_t target_;
  mutable std::mutex mutex_;  // never held across a bind, but by a take that found the range full
  std::condition_variable settled_;  // a refill's bind ended
  std::array<Stock, kMaxAddresses> stocks_;  // a handful of addresses: a scan beats a map
  size_t addresses_ = 0;                     // stocks in use
  bool refillScheduled_ = false;
  unsigned inFlight_ = 0;  // pairs a refill is binding
};

}  // namespace b2bua
