// The port pool: its stock and refill, its bounds, and a port range's accounting through it (each
// pair handed out once, given back once). Kernel-chosen pairs alone: units.test.cc.
#include <dirent.h>
#include <sys/socket.h>

#include <cerrno>
#include <set>
#include <string>
#include <vector>

#include "check.h"
#include "net/port_pool.h"

using namespace b2bua;

namespace {

size_t openFds() {
  size_t count = 0;
  DIR* dir = opendir("/proc/self/fd");
  while (readdir(dir)) count++;
  closedir(dir);
  return count;
}

bool bindable(const char* address, uint16_t port) {
  try {
    UdpSocket::bind(Endpoint::parse(address, port));
    return true;
  } catch (const SocketError&) {
    return false;
  }
}

struct Range {
  std::string text;  // "MIN-MAX"
  uint16_t low;
};

/** A range of `pairs` pairs that are free on 127.0.0.1 and ::1 now. */
Range freeRange(unsigned pairs) {
  for (int attempt = 0; attempt < 100; attempt++) {
    uint16_t found = UdpSocket::bind(Endpoint::parse("127.0.0.1", 0)).localPort();
    uint16_t base = uint16_t(found + found % 2);
    if (base > 65535 - 2 * pairs) continue;
    bool free = true;
    for (unsigned port = base; port < base + 2 * pairs && free; port++) {
      free = bindable("127.0.0.1", uint16_t(port)) && bindable("::1", uint16_t(port));
    }
    if (free) return {std::to_string(base) + "-" + std::to_string(base + 2 * pairs - 1), base};
  }
  throw std::runtime_error("no free port block");
}

void checkPair(const PortPair& pair) {
  CHECK(pair.rtpPort % 2 == 0);
  CHECK(pair.rtp.localPort() == pair.rtpPort);
  CHECK(pair.rtcp.localPort() == pair.rtpPort + 1);
}

}  // namespace

TEST_CASE("a pool refills to its target, hands out each range pair once and says when the range is full") {
  const Range range = freeRange(6);
  PortAllocator allocator(range.text);
  PortPool pool(allocator, 3);
  bool wantsRefill = false;
  std::vector<PortPair> taken;
  taken.push_back(pool.take("127.0.0.1", wantsRefill));  // unknown address: bound now, then pooled
  CHECK(wantsRefill && pool.pooled() == 0);
  pool.refill();
  CHECK(pool.pooled() == 3);
  wantsRefill = false;
  taken.push_back(pool.take("127.0.0.1", wantsRefill));
  CHECK(wantsRefill && pool.pooled() == 2);
  wantsRefill = false;
  taken.push_back(pool.take("127.0.0.1", wantsRefill));
  CHECK(!wantsRefill);  // one refill is already asked for
  pool.refill();
  CHECK(pool.pooled() == 3);  // 1 + 2 more: the range's 6 pairs are all bound now
  pool.refill();
  CHECK(pool.pooled() == 3);
  while (pool.pooled() > 0) taken.push_back(pool.take("127.0.0.1", wantsRefill));
  pool.refill();  // the range is full: refused quietly
  CHECK_THROWS(PortsExhaustedError, pool.take("127.0.0.1", wantsRefill));

  std::set<uint16_t> ports;
  for (const PortPair& pair : taken) {
    checkPair(pair);
    CHECK(pair.rtpPort >= range.low && pair.rtpPort < range.low + 12);
    ports.insert(pair.rtpPort);
  }
  CHECK(taken.size() == 6 && ports.size() == 6);
  // Given back once each: all six can be bound again, and no seventh.
  for (const PortPair& pair : taken) allocator.release(pair.rtpPort);
  taken.clear();
  for (int i = 0; i < 6; i++) taken.push_back(pool.take("127.0.0.1", wantsRefill));
  CHECK_THROWS(PortsExhaustedError, pool.take("127.0.0.1", wantsRefill));
}

TEST_CASE("a full range takes back the pairs pooled for another address") {
  PortAllocator allocator(freeRange(4).text);
  PortPool pool(allocator, 4);
  bool wantsRefill = false;
  PortPair v4 = pool.take("127.0.0.1", wantsRefill);
  pool.refill();
  CHECK(pool.pooled() == 3);  // the rest of the range, pooled for 127.0.0.1
  std::vector<PortPair> v6;
  for (int i = 0; i < 3; i++) {
    v6.push_back(pool.take("::1", wantsRefill));
    checkPair(v6.back());
  }
  CHECK(pool.pooled() == 0);
  CHECK_THROWS(PortsExhaustedError, pool.take("::1", wantsRefill));
}

TEST_CASE("clearing a pool closes its sockets and gives its range pairs back") {
  for (const char* range : {"0", "range"}) {
    PortAllocator allocator(std::string(range) == "0" ? "0" : freeRange(8).text);
    const size_t before = openFds();
    {
      PortPool pool(allocator, 8);
      bool wantsRefill = false;
      allocator.release(pool.take("127.0.0.1", wantsRefill).rtpPort);  // closed at once: only the pool holds sockets
      pool.refill();
      CHECK(pool.pooled() == 8);
      CHECK(openFds() == before + 16);
      pool.clear();
      CHECK(openFds() == before);
      pool.refill();  // a cleared pool can fill again; its destructor closes it too
      CHECK(openFds() == before + 16);
    }
    CHECK(openFds() == before);
    if (std::string(range) != "0") {
      // Every pair of the range is free again.
      std::vector<PortPair> all;
      for (int i = 0; i < 8; i++) all.push_back(allocator.allocate("127.0.0.1"));
      CHECK_THROWS(PortsExhaustedError, allocator.allocate("127.0.0.1"));
    }
  }
}

TEST_CASE("a pool holds pairs for a bounded number of addresses") {
  PortAllocator kernel("0");
  PortPool pool(kernel, 2);
  bool wantsRefill = false;
  const char* addresses[] = {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"};
  for (const char* address : addresses) checkPair(pool.take(address, wantsRefill));
  pool.refill();
  CHECK(pool.pooled() == 2 * PortPool::kMaxAddresses);
  checkPair(pool.take("127.0.0.6", wantsRefill));  // not pooled: bound on demand
  CHECK(pool.pooled() == 2 * PortPool::kMaxAddresses);
}

TEST_CASE("a pooled pair is handed out with nothing queued from its time in the pool") {
  const Range range = freeRange(2);
  PortAllocator allocator(range.text);
  PortPool pool(allocator, 1);
  bool wantsRefill = false;
  PortPair first = pool.take("127.0.0.1", wantsRefill);
  pool.refill();  // pools the range's other pair
  const uint16_t pooledPort = first.rtpPort == range.low ? uint16_t(range.low + 2) : range.low;
  UdpSocket stray = UdpSocket::bind(Endpoint::parse("127.0.0.1", 0));
  const char datagram[] = "from a past call";
  for (uint16_t port : {pooledPort, uint16_t(pooledPort + 1)}) {
    Endpoint to = Endpoint::parse("127.0.0.1", port);
    CHECK(sendto(stray.fd(), datagram, sizeof(datagram), 0, to.sockaddrPointer(), to.sockaddrLength()) > 0);
  }
  PortPair pair = pool.take("127.0.0.1", wantsRefill);
  CHECK(pair.rtpPort == pooledPort);
  char buffer[64];
  CHECK(recv(pair.rtp.fd(), buffer, sizeof(buffer), MSG_DONTWAIT) < 0 && errno == EAGAIN);
  CHECK(recv(pair.rtcp.fd(), buffer, sizeof(buffer), MSG_DONTWAIT) < 0 && errno == EAGAIN);
}
