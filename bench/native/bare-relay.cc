// The physical limit for the B2 capacity benchmark: an SRTP-to-SRTP relay with the same libsrtp,
// the same UDP sockets and batching as the engine, and nothing else (no latching, no stats, no
// demultiplexing, no commands). One thread, one epoll.
//
// Protocol on stdin/stdout, one line each:
//   call <generatorAPort> <generatorBPort> <aTx> <aRx> <bTx> <bRx>   -> ports <relayAPort> <relayBPort>
//   go                                                             -> running (serves until SIGTERM)
//   memory (after go)                                              -> memory <malloc bytes in use per call>
// Leg A uses --suite, leg B --suite-b. Keys are base64 master key||salt. aTx: what the leg-A endpoint sends with (we unprotect with it);
// aRx: what we protect with towards leg A. Likewise for leg B.
#include "common.h"

#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>

#include <algorithm>
#include <memory>

namespace {

constexpr int kBatch = 64;
constexpr int kBufferSize = 2048;

struct Leg {
  int fd = -1;
  srtp_t inbound = nullptr;   // unprotects what this leg's endpoint sends
  srtp_t outbound = nullptr;  // protects what we send to this leg's endpoint
  sockaddr_in peer{};
  Leg* other = nullptr;
};

struct Call {
  Leg a, b;
};

volatile sig_atomic_t stopping = 0;

uint8_t buffers[kBatch][kBufferSize];
iovec iovecs[kBatch];
mmsghdr received[kBatch];
mmsghdr outgoing[kBatch];
iovec outIovecs[kBatch];

/** Drains one leg's socket: unprotect with its key, protect with the other leg's, send on. */
void relay(Leg& from) {
  Leg& to = *from.other;
  for (;;) {
    for (int i = 0; i < kBatch; i++) {
      iovecs[i] = {buffers[i], kBufferSize - SRTP_MAX_TRAILER_LEN};
      received[i].msg_hdr = msghdr{};
      received[i].msg_hdr.msg_iov = &iovecs[i];
      received[i].msg_hdr.msg_iovlen = 1;
    }
    int count = recvmmsg(from.fd, received, kBatch, MSG_DONTWAIT, nullptr);
    if (count <= 0) return;
    int ready = 0;
    for (int i = 0; i < count; i++) {
      int length = static_cast<int>(received[i].msg_len);
      if (srtp_unprotect(from.inbound, buffers[i], &length) != srtp_err_status_ok) continue;
      if (srtp_protect(to.outbound, buffers[i], &length) != srtp_err_status_ok) continue;
      outIovecs[ready] = {buffers[i], static_cast<size_t>(length)};
      outgoing[ready].msg_hdr = msghdr{};
      outgoing[ready].msg_hdr.msg_name = &to.peer;
      outgoing[ready].msg_hdr.msg_namelen = sizeof to.peer;
      outgoing[ready].msg_hdr.msg_iov = &outIovecs[ready];
      outgoing[ready].msg_hdr.msg_iovlen = 1;
      ready++;
    }
    for (int sent = 0; sent < ready;) {
      int n = sendmmsg(to.fd, outgoing + sent, ready - sent, 0);
      if (n <= 0) break;  // send buffer full: the packets are lost, as on a real relay
      sent += n;
    }
    if (count < kBatch) return;
  }
}

size_t heapInUse() {
  struct mallinfo2 usage = mallinfo2();
  return usage.uordblks + usage.hblkhd;
}

}  // namespace

int main(int argc, char** argv) {
  std::string ip = "127.0.0.1", peerIp = "127.0.0.1";
  std::string suiteNameA = "AES_CM_128_HMAC_SHA1_80", suiteNameB = suiteNameA;
  int cpu = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--ip") ip = argv[i + 1];
    else if (flag == "--peer-ip") peerIp = argv[i + 1];
    else if (flag == "--suite") suiteNameA = argv[i + 1];
    else if (flag == "--suite-b") suiteNameB = argv[i + 1];
    else if (flag == "--cpu") cpu = std::atoi(argv[i + 1]);
    else bench::fail("unknown flag " + flag);
  }
  prctl(PR_SET_NAME, "bare-relay");
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
  }
  const bench::SuiteInfo& suiteA = bench::suiteByName(suiteNameA);
  const bench::SuiteInfo& suiteB = bench::suiteByName(suiteNameB);
  bench::initSrtp();
  signal(SIGTERM, [](int) { stopping = 1; });
  signal(SIGINT, [](int) { stopping = 1; });

  int epoll = epoll_create1(EPOLL_CLOEXEC);
  std::vector<std::unique_ptr<Call>> calls;
  size_t heapAfterFirstCall = 0;  // libsrtp's and OpenSSL's one-time set-up is not a per-call cost
  bench::readCallLines([&](const bench::CallLine& line) {
    auto call = std::make_unique<Call>();
    call->a.fd = bench::bindUdp(ip.c_str(), 0);
    call->b.fd = bench::bindUdp(ip.c_str(), 0);
    call->a.peer = bench::ipv4(peerIp.c_str(), static_cast<uint16_t>(line.portA));
    call->b.peer = bench::ipv4(peerIp.c_str(), static_cast<uint16_t>(line.portB));
    call->a.inbound = bench::makeSession(suiteA, bench::base64Decode(line.aTx), true);
    call->a.outbound = bench::makeSession(suiteA, bench::base64Decode(line.aRx), false);
    call->b.inbound = bench::makeSession(suiteB, bench::base64Decode(line.bTx), true);
    call->b.outbound = bench::makeSession(suiteB, bench::base64Decode(line.bRx), false);
    call->a.other = &call->b;
    call->b.other = &call->a;
    for (Leg* leg : {&call->a, &call->b}) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.ptr = leg;
      epoll_ctl(epoll, EPOLL_CTL_ADD, leg->fd, &event);
    }
    std::printf("ports %u %u\n", bench::localPort(call->a.fd), bench::localPort(call->b.fd));
    std::fflush(stdout);
    calls.push_back(std::move(call));
    if (calls.size() == 1) heapAfterFirstCall = heapInUse();
  });
  std::printf("running\n");
  std::fflush(stdout);

  epoll_event stdinEvent{};
  stdinEvent.events = EPOLLIN;
  stdinEvent.data.ptr = nullptr;  // the one event that is not a leg
  epoll_ctl(epoll, EPOLL_CTL_ADD, STDIN_FILENO, &stdinEvent);
  epoll_event events[256];
  while (!stopping) {
    int count = epoll_wait(epoll, events, 256, 200);
    for (int i = 0; i < count; i++) {
      if (events[i].data.ptr) {
        relay(*static_cast<Leg*>(events[i].data.ptr));
        continue;
      }
      std::string line;
      if (!std::getline(std::cin, line)) {
        epoll_ctl(epoll, EPOLL_CTL_DEL, STDIN_FILENO, nullptr);
      } else if (line == "memory") {
        const long long grown = static_cast<long long>(heapInUse()) - static_cast<long long>(heapAfterFirstCall);
        std::printf("memory %lld\n", grown / std::max<long long>(static_cast<long long>(calls.size()) - 1, 1));
        std::fflush(stdout);
      }
    }
  }
  for (auto& call : calls) {
    for (Leg* leg : {&call->a, &call->b}) {
      close(leg->fd);
      srtp_dealloc(leg->inbound);
      srtp_dealloc(leg->outbound);
    }
  }
  close(epoll);
  return 0;
}
