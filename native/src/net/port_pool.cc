#include "net/port_pool.h"

#include <bitset>

namespace b2bua {
namespace {

PortPair pop(std::deque<PortPair>& pairs) {
  PortPair pair = std::move(pairs.front());
  pairs.pop_front();
  return pair;
}

/** A pooled pair, ready for a bridge: as empty as sockets bound now. */
PortPair ready(PortPair pair) {
  // Whatever reached the ports while they waited in the pool (a past call's peer still sending)
  // must not be latched on by the next call.
  pair.rtp.discardPending();
  pair.rtcp.discardPending();
  return pair;
}

}  // namespace

PortPool::PortPool(PortAllocator& allocator, size_t target) : allocator_(allocator), target_(target) {}

PortPool::Stock* PortPool::find(const std::string& address) {
  for (size_t i = 0; i < addresses_; i++) {
    if (stocks_[i].address == address) return &stocks_[i];
  }
  return nullptr;
}

void PortPool::scheduleRefill(bool& wantsRefill) {
  if (refillScheduled_) return;
  refillScheduled_ = true;
  wantsRefill = true;
}

PortPair PortPool::take(const std::string& localAddress, bool& wantsRefill) {
  PortPair pair;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (Stock* stock = find(localAddress)) {
      scheduleRefill(wantsRefill);
      if (!stock->pairs.empty()) pair = pop(stock->pairs);
    }
  }
  if (pair.rtp.open()) return ready(std::move(pair));
  pair = bindNow(localAddress);
  // The address is known good now: pool it from here on, if there is room for one more.
  std::lock_guard<std::mutex> lock(mutex_);
  if (!find(localAddress) && addresses_ < kMaxAddresses) {
    stocks_[addresses_++].address = localAddress;
    scheduleRefill(wantsRefill);
  }
  return pair;
}

PortPair PortPool::bindNow(const std::string& address) {
  try {
    return allocator_.allocate(address);
  } catch (const PortsExhaustedError&) {
    std::unique_lock<std::mutex> lock(mutex_);
    // A pair a refill is binding is in no stock yet: wait for it (a few microseconds, and only
    // with the range full). Holding the lock, no refill starts another before the retry below.
    settled_.wait(lock, [this] { return inFlight_ == 0; });
    Stock* own = find(address);
    if (own && !own->pairs.empty()) return ready(pop(own->pairs));
    bool freed = false;
    for (size_t i = 0; i < addresses_; i++) {
      freed = freed || !stocks_[i].pairs.empty();
      discard(stocks_[i].pairs);
    }
    if (!freed) throw;
    return allocator_.allocate(address);
  }
}

void PortPool::refill() {
  std::bitset<kMaxAddresses> refused;  // the range or the kernel said no: the JS thread binds (and reports) itself
  for (;;) {
    size_t low = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (low < addresses_ && (refused[low] || stocks_[low].pairs.size() >= target_)) low++;
      if (low == addresses_) {
        refillScheduled_ = false;  // in the same critical section as the check: no take is missed
        return;
      }
      inFlight_++;
    }
    // Bound outside the lock: take() never waits for a bind. A stock's address never changes.
    PortPair pair;
    bool bound = true;
    try {
      pair = allocator_.allocate(stocks_[low].address);
    } catch (const std::exception&) {
      bound = false;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      inFlight_--;
      if (bound) stocks_[low].pairs.push_back(std::move(pair));
      else refused[low] = true;
    }
    settled_.notify_all();
  }
}

void PortPool::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < addresses_; i++) discard(stocks_[i].pairs);
}

void PortPool::discard(std::deque<PortPair>& pairs) {
  for (PortPair& pair : pairs) {
    pair.rtp.close();
    pair.rtcp.close();
    allocator_.release(pair.rtpPort);
  }
  pairs.clear();
}

size_t PortPool::pooled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t count = 0;
  for (size_t i = 0; i < addresses_; i++) count += stocks_[i].pairs.size();
  return count;
}

}  // namespace b2bua
