// B2 capacity load generator: N G.711 calls through a relay, SDES-SRTP on both legs.
//
// Each call has two streams of 50 packets/s (172-byte RTP): A->B is protected with the call's aTx
// key (leg A's suite, --suite) and sent from our leg-A socket to the relay's leg-A port; the relay must deliver it to our
// leg-B socket protected with bRx (leg B's suite, --suite-b). B->A mirrors it. Every forwarded packet is authenticated with
// the receiving leg's key and its payload compared byte for byte; added latency is the time from
// our send to our receive. To keep the generator cheaper than the relay it measures, all packets
// are protected before the clock starts, all leg-A traffic uses one local socket and all leg-B
// traffic another (so sendmmsg/recvmmsg batch across calls), and streams are told apart by the
// relay's source port.
//
// Protocol on stdin/stdout, one line each:
//   -> ports <ourAPort> <ourBPort>
//   <- call <relayAPort> <relayBPort> <aTx> <aRx> <bTx> <bRx>     (one per call, base64 keys)
//   <- go
//   -> result {json}
#include "common.h"

#include <sched.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>

#include <algorithm>
#include <random>

namespace {

constexpr int kPacketsPerSecond = 50;
constexpr uint64_t kPeriodNs = 1000000000ull / kPacketsPerSecond;  // 20 ms
constexpr int kSlots = 40;                                          // one send burst every 500 us
constexpr int kRtpHeader = 12;
constexpr int kPayload = 160;  // G.711, 20 ms
constexpr int kRtpLength = kRtpHeader + kPayload;
constexpr int kBatch = 64;
constexpr int kPacketStride = kRtpLength + 20;  // room for the longest tag (16)
constexpr int kBufferSize = 2048;
constexpr uint32_t kSsrcBase = 0x5a000000;
constexpr size_t kHistogramUs = 200000;  // latency buckets of 1 us up to 200 ms

struct Options {
  int calls = 0;
  double durationS = 6;  // sending time, warm-up included
  double warmupS = 1;    // excluded from latency and CPU figures
  double drainS = 0.5;
  std::string suiteA = "AES_CM_128_HMAC_SHA1_80";  // SDES suite on leg A
  std::string suiteB = "AES_CM_128_HMAC_SHA1_80";  // and on leg B
  std::string ip = "127.0.0.1";
  std::string relayIp = "127.0.0.1";
  int relayPid = 0;
  std::string relayThread;
  int cpu = -1;
};

struct Stream {
  srtp_t sender = nullptr;    // protects what we send
  srtp_t receiver = nullptr;  // authenticates what the relay forwards
  int fromSocket = 0;         // 0 = our leg-A socket, 1 = leg-B
  sockaddr_in relay{};        // where we send it
  uint32_t ssrc = 0;
  uint16_t firstSeq = 0;
  int protectedLength = 0;
  std::vector<uint8_t> packets;     // every packet of the run, protected, kPacketStride apart
  std::vector<uint64_t> sentAt;     // send time per packet number
  uint32_t sent = 0;
  uint32_t received = 0;
  uint32_t nextExpected = 0;
  std::vector<uint8_t> seen;  // packet numbers received, to tell duplicates from reordering
};

struct Totals {
  uint64_t sent = 0, received = 0, authFailures = 0, corrupt = 0, duplicates = 0, reordered = 0;
  uint64_t unknownSource = 0, sendErrors = 0, overruns = 0;
};

uint8_t fillByte(uint32_t stream, uint32_t number, int offset) {
  return static_cast<uint8_t>(stream * 7 + number * 13 + offset);
}

void writeU32(uint8_t* p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
uint32_t readU32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

class Generator {
 public:
  explicit Generator(const Options& options)
      : options_(options), suiteA_(bench::suiteByName(options.suiteA)), suiteB_(bench::suiteByName(options.suiteB)) {
    sockets_[0] = bench::bindUdp(options.ip.c_str(), 0);
    sockets_[1] = bench::bindUdp(options.ip.c_str(), 0);
    histogram_.assign(kHistogramUs + 1, 0);
    for (auto& map : streamByRelayPort_) map.assign(65536, -1);
  }

  uint16_t port(int side) const { return bench::localPort(sockets_[side]); }

  void addCall(uint16_t relayA, uint16_t relayB, const std::string& aTx, const std::string& aRx,
               const std::string& bTx, const std::string& bRx) {
    int index = static_cast<int>(streams_.size());
    size_t capacity = static_cast<size_t>(options_.durationS * kPacketsPerSecond);
    std::mt19937 random(index * 2654435761u);
    // A->B: sent on our leg-A socket, arrives on leg B from the relay's B port.
    Stream ab;
    ab.sender = bench::makeSession(suiteA_, bench::base64Decode(aTx), false);
    ab.receiver = bench::makeSession(suiteB_, bench::base64Decode(bRx), true);
    ab.fromSocket = 0;
    ab.relay = bench::ipv4(options_.relayIp.c_str(), relayA);
    Stream ba;
    ba.sender = bench::makeSession(suiteB_, bench::base64Decode(bTx), false);
    ba.receiver = bench::makeSession(suiteA_, bench::base64Decode(aRx), true);
    ba.fromSocket = 1;
    ba.relay = bench::ipv4(options_.relayIp.c_str(), relayB);
    for (Stream* stream : {&ab, &ba}) {
      stream->ssrc = kSsrcBase + static_cast<uint32_t>(index + (stream == &ba));
      stream->firstSeq = static_cast<uint16_t>(random());
      stream->seen.assign(capacity, 0);
    }
    streamByRelayPort_[1][relayB] = index;      // A->B arrives on our B socket
    streamByRelayPort_[0][relayA] = index + 1;  // B->A arrives on our A socket
    streams_.push_back(std::move(ab));
    streams_.push_back(std::move(ba));
  }

  void run() {
    totalPackets_ = static_cast<uint32_t>(options_.durationS * kPacketsPerSecond);
    prepare();
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    itimerspec spec{};
    spec.it_interval.tv_nsec = static_cast<long>(kPeriodNs / kSlots);
    spec.it_value.tv_nsec = static_cast<long>(kPeriodNs / kSlots);
    timerfd_settime(timer, 0, &spec, nullptr);
    for (int fd : {timer, sockets_[0], sockets_[1]}) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.fd = fd;
      epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
    }
    start_ = bench::nowNs();
    measureFrom_ = start_ + static_cast<uint64_t>(options_.warmupS * 1e9);
    uint64_t stopAt = 0;
    uint64_t tick = 0;
    bool measuring = false;
    epoll_event events[8];
    for (;;) {
      uint64_t now = bench::nowNs();
      if (!measuring && now >= measureFrom_) {
        measuring = true;
        markCpu(cpuStart_);
      }
      if (stopAt == 0 && allSent()) {
        stopAt = now + static_cast<uint64_t>(options_.drainS * 1e9);
        markCpu(cpuEnd_);
        sendEnd_ = now;
      }
      if (stopAt != 0 && (now >= stopAt || allReceived())) break;
      int count = epoll_wait(epoll, events, 8, 50);
      for (int i = 0; i < count; i++) {
        int fd = events[i].data.fd;
        if (fd == timer) {
          uint64_t expirations = 0;
          if (read(timer, &expirations, sizeof expirations) != sizeof expirations) continue;
          if (expirations > 1) totals_.overruns += expirations - 1;
          for (uint64_t e = 0; e < expirations; e++) sendSlot(static_cast<int>(tick++ % kSlots));
        } else {
          receive(fd == sockets_[0] ? 0 : 1);
        }
      }
    }
    close(timer);
    close(epoll);
  }

  void report() const {
    Totals t = totals_;
    for (const Stream& stream : streams_) {
      t.sent += stream.sent;
      t.received += stream.received;
    }
    uint64_t samples = 0;
    for (uint32_t count : histogram_) samples += count;
    auto percentile = [&](double p) -> double {
      if (samples == 0) return -1;
      uint64_t rank = static_cast<uint64_t>(p * static_cast<double>(samples - 1)), seen = 0;
      for (size_t us = 0; us < histogram_.size(); us++) {
        seen += histogram_[us];
        if (seen > rank) return static_cast<double>(us);
      }
      return static_cast<double>(kHistogramUs);
    };
    double window = static_cast<double>(sendEnd_ - measureFrom_) / 1e9;
    long ticksPerSecond = sysconf(_SC_CLK_TCK);
    auto cpuPercent = [&](uint64_t begin, uint64_t end) {
      return window > 0 ? 100.0 * static_cast<double>(end - begin) / static_cast<double>(ticksPerSecond) / window : 0;
    };
    std::printf(
        "result {\"calls\":%zu,\"durationS\":%.3f,\"sent\":%llu,\"received\":%llu,\"lost\":%llu,"
        "\"authFailures\":%llu,\"corrupt\":%llu,\"duplicates\":%llu,\"reordered\":%llu,\"unknownSource\":%llu,"
        "\"sendErrors\":%llu,\"generatorOverruns\":%llu,\"latencySamples\":%llu,\"p50Us\":%.0f,\"p99Us\":%.0f,"
        "\"p999Us\":%.0f,\"maxUs\":%.0f,\"forwardedPps\":%.0f,\"relayCpuPercent\":%.1f,\"generatorCpuPercent\":%.1f}\n",
        streams_.size() / 2, window, (unsigned long long)t.sent, (unsigned long long)t.received,
        (unsigned long long)(t.sent - t.received), (unsigned long long)t.authFailures,
        (unsigned long long)t.corrupt, (unsigned long long)t.duplicates, (unsigned long long)t.reordered,
        (unsigned long long)t.unknownSource, (unsigned long long)t.sendErrors, (unsigned long long)t.overruns,
        (unsigned long long)samples, percentile(0.5), percentile(0.99), percentile(0.999), percentile(1.0),
        static_cast<double>(t.received) / options_.durationS,
        cpuPercent(cpuStart_.relay, cpuEnd_.relay), cpuPercent(cpuStart_.self, cpuEnd_.self));
    std::fflush(stdout);
  }

 private:
  struct CpuMark {
    uint64_t relay = 0, self = 0;
  };

  void markCpu(CpuMark& mark) const {
    if (options_.relayPid > 0) mark.relay = bench::cpuTicks(options_.relayPid, options_.relayThread);
    mark.self = bench::statTicks("/proc/self/stat");
  }

  bool allSent() const {
    for (const Stream& stream : streams_)
      if (stream.sent < totalPackets_) return false;
    return true;
  }

  bool allReceived() const {
    for (const Stream& stream : streams_)
      if (stream.received < stream.sent) return false;
    return true;
  }

  /** Protects every packet of every stream up front, so sending costs only the syscall. */
  void prepare() {
    for (size_t s = 0; s < streams_.size(); s++) {
      Stream& stream = streams_[s];
      stream.packets.assign(static_cast<size_t>(totalPackets_) * kPacketStride, 0);
      stream.sentAt.assign(totalPackets_, 0);
      for (uint32_t number = 0; number < totalPackets_; number++) {
        uint8_t* packet = &stream.packets[static_cast<size_t>(number) * kPacketStride];
        packet[0] = 0x80;
        packet[1] = 0;  // PCMU
        uint16_t seq = static_cast<uint16_t>(stream.firstSeq + number);
        packet[2] = seq >> 8;
        packet[3] = seq & 0xff;
        writeU32(packet + 4, number * kPayload);
        writeU32(packet + 8, stream.ssrc);
        uint8_t* payload = packet + kRtpHeader;
        for (int j = 0; j < kPayload; j++) payload[j] = fillByte(static_cast<uint32_t>(s), number, j);
        writeU32(payload, static_cast<uint32_t>(s));
        writeU32(payload + 4, number);
        int length = kRtpLength;
        if (srtp_protect(stream.sender, packet, &length) != srtp_err_status_ok) bench::fail("srtp_protect");
        stream.protectedLength = length;
      }
    }
  }

  /** Sends the next packet of every stream whose phase falls in this slot of the 20 ms period. */
  void sendSlot(int slot) {
    uint64_t now = bench::nowNs();
    int pending[2] = {0, 0};
    for (size_t s = static_cast<size_t>(slot); s < streams_.size(); s += kSlots) {
      Stream& stream = streams_[s];
      if (stream.sent >= totalPackets_) continue;
      int side = stream.fromSocket;
      if (pending[side] == kBatch) flush(side, pending[side]);
      int k = pending[side]++;
      uint32_t number = stream.sent++;
      stream.sentAt[number] = now;
      sendIovecs_[side][k] = {&stream.packets[static_cast<size_t>(number) * kPacketStride], static_cast<size_t>(stream.protectedLength)};
      msghdr& header = sendHeaders_[side][k].msg_hdr;
      header = msghdr{};
      header.msg_name = &stream.relay;
      header.msg_namelen = sizeof stream.relay;
      header.msg_iov = &sendIovecs_[side][k];
      header.msg_iovlen = 1;
    }
    for (int side : {0, 1})
      if (pending[side] > 0) flush(side, pending[side]);
  }

  void flush(int side, int& pending) {
    for (int done = 0; done < pending;) {
      int n = sendmmsg(sockets_[side], sendHeaders_[side] + done, pending - done, 0);
      if (n <= 0) {
        totals_.sendErrors += static_cast<uint64_t>(pending - done);
        break;
      }
      done += n;
    }
    pending = 0;
  }

  void receive(int side) {
    for (;;) {
      for (int i = 0; i < kBatch; i++) {
        receiveIovecs_[i] = {receiveBuffers_[i], kBufferSize};
        msghdr& header = receiveHeaders_[i].msg_hdr;
        header = msghdr{};
        header.msg_name = &receiveFrom_[i];
        header.msg_namelen = sizeof receiveFrom_[i];
        header.msg_iov = &receiveIovecs_[i];
        header.msg_iovlen = 1;
      }
      int count = recvmmsg(sockets_[side], receiveHeaders_, kBatch, MSG_DONTWAIT, nullptr);
      if (count <= 0) return;
      uint64_t now = bench::nowNs();
      for (int i = 0; i < count; i++) verify(side, i, now);
      if (count < kBatch) return;
    }
  }

  void verify(int side, int i, uint64_t now) {
    int index = streamByRelayPort_[side][ntohs(receiveFrom_[i].sin_port)];
    if (index < 0) {
      totals_.unknownSource++;
      return;
    }
    Stream& stream = streams_[static_cast<size_t>(index)];
    uint8_t* packet = receiveBuffers_[i];
    int length = static_cast<int>(receiveHeaders_[i].msg_len);
    if (srtp_unprotect(stream.receiver, packet, &length) != srtp_err_status_ok) {
      totals_.authFailures++;
      return;
    }
    const uint8_t* payload = packet + kRtpHeader;
    uint32_t number = readU32(payload + 4);
    bool intact = length == kRtpLength && readU32(packet + 8) == stream.ssrc &&
                  readU32(payload) == static_cast<uint32_t>(index) && number < stream.sent &&
                  static_cast<uint16_t>((packet[2] << 8) | packet[3]) == static_cast<uint16_t>(stream.firstSeq + number);
    for (int j = 8; intact && j < kPayload; j++) intact = payload[j] == fillByte(static_cast<uint32_t>(index), number, j);
    if (!intact) {
      totals_.corrupt++;
      return;
    }
    if (stream.seen[number]) {
      totals_.duplicates++;
      return;
    }
    stream.seen[number] = 1;
    stream.received++;
    if (number != stream.nextExpected) totals_.reordered++;
    stream.nextExpected = std::max(stream.nextExpected, number + 1);
    uint64_t sentAt = stream.sentAt[number];
    if (sentAt >= measureFrom_) histogram_[std::min<uint64_t>((now - sentAt) / 1000, kHistogramUs)]++;
  }

  Options options_;
  const bench::SuiteInfo& suiteA_;
  const bench::SuiteInfo& suiteB_;
  int sockets_[2];
  std::vector<Stream> streams_;
  std::vector<int> streamByRelayPort_[2];
  std::vector<uint32_t> histogram_;
  Totals totals_;
  uint32_t totalPackets_ = 0;
  uint64_t start_ = 0, measureFrom_ = 0, sendEnd_ = 0;
  CpuMark cpuStart_, cpuEnd_;

  iovec sendIovecs_[2][kBatch];
  mmsghdr sendHeaders_[2][kBatch];
  uint8_t receiveBuffers_[kBatch][kBufferSize];
  iovec receiveIovecs_[kBatch];
  mmsghdr receiveHeaders_[kBatch];
  sockaddr_in receiveFrom_[kBatch];
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--calls") options.calls = std::atoi(value.c_str());
    else if (flag == "--duration") options.durationS = std::atof(value.c_str());
    else if (flag == "--warmup") options.warmupS = std::atof(value.c_str());
    else if (flag == "--drain") options.drainS = std::atof(value.c_str());
    else if (flag == "--suite") options.suiteA = value;
    else if (flag == "--suite-b") options.suiteB = value;
    else if (flag == "--ip") options.ip = value;
    else if (flag == "--relay-ip") options.relayIp = value;
    else if (flag == "--relay-pid") options.relayPid = std::atoi(value.c_str());
    else if (flag == "--relay-thread") options.relayThread = value;
    else if (flag == "--cpu") options.cpu = std::atoi(value.c_str());
    else bench::fail("unknown flag " + flag);
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse(argc, argv);
  prctl(PR_SET_NAME, "loadgen");
  if (options.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(options.cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
  }
  bench::initSrtp();
  static Generator generator(options);  // static: the batch buffers are large
  std::printf("ports %u %u\n", generator.port(0), generator.port(1));
  std::fflush(stdout);
  bench::readCallLines([&](const bench::CallLine& call) {
    generator.addCall(static_cast<uint16_t>(call.portA), static_cast<uint16_t>(call.portB), call.aTx, call.aRx, call.bTx, call.bRx);
  });
  generator.run();
  generator.report();
  return 0;
}
