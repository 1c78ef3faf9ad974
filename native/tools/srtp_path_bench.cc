// B1: per-packet cost of the relay's crypto, for each suite: the engine's path (LegCrypto:
// unprotect with leg A's inbound session, protect with leg B's outbound session, in place) beside
// a bare libsrtp loop doing the same two calls. Prints one JSON line per suite for bench/media.ts.
// usage: srtp_path_bench [packets=20000] [runs=5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "crypto/srtp_session.h"
#include "engine/leg_crypto.h"

using namespace b2bua;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kPayload = 160;  // G.711, 20 ms
constexpr size_t kSlot = 12 + kPayload + kSrtpTrailerRoom;

std::vector<uint8_t> key(const SrtpSuite& suite, uint8_t seed) {
  std::vector<uint8_t> bytes(suite.keyLength + suite.saltLength);
  for (size_t i = 0; i < bytes.size(); i++) bytes[i] = uint8_t(seed * 31 + i * 7);
  return bytes;
}

// What peer A sends: `count` SRTP packets under A's key, each in its own slot.
std::vector<uint8_t> senderTraffic(const SrtpSuite& suite, size_t count, std::vector<int>& lengths) {
  std::vector<uint8_t> slots(count * kSlot);
  SrtpSession sender(suite, key(suite, 1).data(), suite.keyLength + suite.saltLength, SrtpDirection::Outbound);
  lengths.resize(count);
  for (size_t i = 0; i < count; i++) {
    uint8_t* p = &slots[i * kSlot];
    const uint8_t header[12] = {0x80, 0, uint8_t(i >> 8), uint8_t(i), uint8_t(i >> 24), uint8_t(i >> 16), 0, 0,
                                0x12, 0x34, 0x56, 0x78};
    std::memcpy(p, header, 12);
    std::memset(p + 12, int(i), kPayload);
    int length = int(12 + kPayload);
    if (sender.protectRtp(p, &length) != srtp_err_status_ok) std::abort();
    lengths[i] = length;
  }
  return slots;
}

double bareRun(const SrtpSuite& suite, const std::vector<uint8_t>& traffic, const std::vector<int>& lengths) {
  const size_t keyLength = suite.keyLength + suite.saltLength;
  SrtpSession in(suite, key(suite, 1).data(), keyLength, SrtpDirection::Inbound);
  SrtpSession out(suite, key(suite, 2).data(), keyLength, SrtpDirection::Outbound);
  uint8_t buffer[kSlot];
  auto start = Clock::now();
  for (size_t i = 0; i < lengths.size(); i++) {
    int length = lengths[i];
    std::memcpy(buffer, &traffic[i * kSlot], size_t(length));
    if (in.unprotectRtp(buffer, &length) != srtp_err_status_ok) std::abort();
    if (out.protectRtp(buffer, &length) != srtp_err_status_ok) std::abort();
  }
  return double(lengths.size()) / std::chrono::duration<double>(Clock::now() - start).count();
}

double engineRun(const SrtpSuite& suite, const std::vector<uint8_t>& traffic, const std::vector<int>& lengths) {
  LegCrypto legA, legB;
  legA.apply(LegMode::Srtp, SrtpKeys::prepare(suite, key(suite, 9), key(suite, 1)));
  legB.apply(LegMode::Srtp, SrtpKeys::prepare(suite, key(suite, 2), key(suite, 8)));
  uint8_t buffer[kSlot];
  std::vector<uint8_t> scratch(2048);
  auto start = Clock::now();
  for (size_t i = 0; i < lengths.size(); i++) {
    int length = lengths[i];
    std::memcpy(buffer, &traffic[i * kSlot], size_t(length));
    if (relayCrypto(legA, legB, false, buffer, &length, scratch.data()) != CryptoVerdict::Ok) std::abort();
  }
  return double(lengths.size()) / std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const size_t packets = argc > 1 ? size_t(std::atol(argv[1])) : 20000;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  for (size_t s = 0; s < kSrtpSuiteCount; s++) {
    const SrtpSuite& suite = kSrtpSuites[s];
    std::vector<int> lengths;
    std::vector<uint8_t> traffic = senderTraffic(suite, packets, lengths);
    std::vector<double> bare, engine;
    for (int r = 0; r < runs; r++) {  // interleaved, so machine noise hits both alike
      bare.push_back(bareRun(suite, traffic, lengths));
      engine.push_back(engineRun(suite, traffic, lengths));
    }
    std::printf("{\"suite\":\"%s\",\"bareMedian\":%.0f,\"bareMax\":%.0f,\"engineMedian\":%.0f,\"engineMax\":%.0f}\n",
                suite.name, median(bare), *std::max_element(bare.begin(), bare.end()), median(engine),
                *std::max_element(engine.begin(), engine.end()));
  }
  return 0;
}
