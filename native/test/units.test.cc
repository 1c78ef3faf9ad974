// Unit tests of the pieces under the packet path: ports, addresses, demux, header checks, stats, SRTP.
#include <cstring>
#include <vector>

#include "check.h"
#include "crypto/srtp_session.h"
#include "engine/leg_crypto.h"
#include "net/demux.h"
#include "net/endpoint.h"
#include "net/port_allocator.h"
#include "rtp/receive_stats.h"
#include "rtp/rtp_header.h"

using namespace b2bua;

TEST_CASE("port ranges parse 0, N and MIN-MAX and reject the rest") {
  PortAllocator kernel("0");
  PortAllocator fixed("40000");
  PortAllocator range("40000-40003");
  for (const char* bad : {"", "-", "1-", "x", "40003-40000", "70000", "65535", "1-1", "1.5"}) {
    CHECK_THROWS(PortRangeSyntaxError, PortAllocator{bad});
  }
}

TEST_CASE("kernel-chosen pairs are even RTP with RTCP = RTP + 1") {
  PortAllocator kernel("0");
  for (int i = 0; i < 20; i++) {
    PortPair pair = kernel.allocate("127.0.0.1");
    CHECK(pair.rtpPort % 2 == 0);
    CHECK(pair.rtcp.localPort() == pair.rtpPort + 1);
    CHECK(pair.rtp.localPort() == pair.rtpPort);
  }
}

TEST_CASE("a range is exhausted, then reusable after release") {
  PortAllocator probe("0");
  uint16_t base = probe.allocate("127.0.0.1").rtpPort;  // a free even pair; released on scope exit
  PortAllocator range(std::to_string(base) + "-" + std::to_string(base + 1));
  PortPair first = range.allocate("127.0.0.1");
  CHECK(first.rtpPort == base);
  CHECK_THROWS(PortsExhaustedError, range.allocate("127.0.0.1"));
  first.rtp.close();
  first.rtcp.close();
  range.release(first.rtpPort);
  CHECK(range.allocate("127.0.0.1").rtpPort == base);
}

TEST_CASE("endpoints parse IPv4 and IPv6 and compare address and port") {
  Endpoint v4 = Endpoint::parse("192.0.2.1", 5004);
  Endpoint v6 = Endpoint::parse("2001:db8::1", 5004);
  CHECK(v4.family() == AF_INET && v6.family() == AF_INET6);
  CHECK(v4.address() == "192.0.2.1" && v6.address() == "2001:db8::1");
  CHECK(v4.withPort(5005).port() == 5005);
  CHECK(!(v4 == v4.withPort(5005)));
  CHECK(v6 == Endpoint::parse("2001:db8:0::1", 5004));
  CHECK_THROWS(AddressError, Endpoint::parse("example.org", 1));
  CHECK(!Endpoint().valid());
}

TEST_CASE("RFC 7983 demultiplexing by first byte, RFC 5761 RTCP by payload type") {
  const uint8_t stun[] = {0x00, 0x01}, zrtp[] = {0x10, 0x00}, dtls[] = {0x16, 0xfe};
  const uint8_t rtp[] = {0x80, 0x00}, rtcp[] = {0x80, 200}, junk[] = {0x70, 0x00};
  CHECK(classifyPacket(stun, 2) == PacketClass::Stun);
  CHECK(classifyPacket(zrtp, 2) == PacketClass::Zrtp);
  CHECK(classifyPacket(dtls, 2) == PacketClass::Dtls);
  CHECK(classifyPacket(rtp, 2) == PacketClass::Rtp);
  CHECK(classifyPacket(rtcp, 2) == PacketClass::Rtcp);
  CHECK(classifyPacket(junk, 2) == PacketClass::Unknown);
  CHECK(classifyPacket(rtp, 0) == PacketClass::Unknown);
  CHECK(classifyPacket(rtp, 1) == PacketClass::Unknown);
}

TEST_CASE("RTP header checks cover CSRCs, extensions and the SRTP tag") {
  std::vector<uint8_t> packet(12 + 8 + 4 + 4 + 10, 0);
  packet[0] = 0x80 | 0x10 | 2;  // V=2, X, CC=2
  packet[12 + 8 + 3] = 1;       // extension length: one word
  CHECK(isValidRtp(packet.data(), packet.size(), 10));
  CHECK(!isValidRtp(packet.data(), packet.size(), 11));
  CHECK(!isValidRtp(packet.data(), 12 + 8 + 4, 0));  // extension body missing
  packet[0] = 0x40;
  CHECK(!isValidRtp(packet.data(), packet.size(), 0));
  const uint8_t rtcp[8] = {0x80, 200, 0, 1, 0, 0, 0, 1};
  CHECK(isValidRtcp(rtcp, 8, 0) && !isValidRtcp(rtcp, 8, 1) && !isValidRtcp(rtcp, 7, 0));
}

TEST_CASE("receive stats: loss from gaps, sequence wrap, reordering and SSRC change (RFC 3550 A.1)") {
  ReceiveStats stats;
  uint16_t seq = 65530;
  for (int i = 0; i < 20; i++, seq++) {
    if (i == 4 || i == 9) continue;  // two lost, one of them right at the wrap
    stats.onPacket(7, seq, uint32_t(i * 160), uint32_t(i * 160));
  }
  CHECK(stats.lost() == 2);
  CHECK(stats.jitter() == 0);  // perfectly paced
  stats.onPacket(7, 3, 1440, 1440);  // the one lost after the wrap arrives late: reordered, not lost
  CHECK(stats.lost() == 1);
  stats.onPacket(8, 100, 0, 0);  // new SSRC restarts the sequence but keeps the loss so far
  stats.onPacket(8, 102, 320, 320);
  CHECK(stats.ssrc() == 8 && stats.ssrcChanges() == 1 && stats.lost() == 2);
}

TEST_CASE("interarrival jitter follows RFC 3550 A.8") {
  ReceiveStats stats;
  stats.onPacket(1, 1, 0, 1000);
  stats.onPacket(1, 2, 160, 1160 + 32);  // 32 units late
  CHECK(stats.jitter() == 2.0);          // 32 / 16
}

namespace {
std::vector<uint8_t> keyOf(const SrtpSuite& suite, uint8_t fill) {
  return std::vector<uint8_t>(suite.keyLength + suite.saltLength, fill);
}
std::vector<uint8_t> rtpPacket(uint16_t seq, size_t payload) {
  std::vector<uint8_t> packet(12 + payload + kSrtpTrailerRoom, 0x55);
  const uint8_t header[12] = {0x80, 0, uint8_t(seq >> 8), uint8_t(seq), 0, 0, 0, 0, 0xca, 0xfe, 0xba, 0xbe};
  std::memcpy(packet.data(), header, 12);
  return packet;
}
}  // namespace

TEST_CASE("every suite relays: unprotect with one leg's key, protect with the other's") {
  for (size_t i = 0; i < kSrtpSuiteCount; i++) {
    const SrtpSuite& in = kSrtpSuites[i];
    const SrtpSuite& out = kSrtpSuites[(i + 3) % kSrtpSuiteCount];
    SrtpSession sender(in, keyOf(in, 1).data(), in.keyLength + in.saltLength, SrtpDirection::Outbound);
    SrtpSession receiver(out, keyOf(out, 2).data(), out.keyLength + out.saltLength, SrtpDirection::Inbound);
    LegCrypto legA, legB;
    legA.apply(LegMode::Srtp, SrtpKeys::prepare(in, keyOf(in, 9), keyOf(in, 1)));
    legB.apply(LegMode::Srtp, SrtpKeys::prepare(out, keyOf(out, 2), keyOf(out, 8)));
    std::vector<uint8_t> scratch(2048);
    for (uint16_t seq = 65530; seq != 10; seq++) {  // across the wrap
      auto packet = rtpPacket(seq, 160);
      int length = 172;
      CHECK(sender.protectRtp(packet.data(), &length) == srtp_err_status_ok);
      CHECK(relayCrypto(legA, legB, false, packet.data(), &length, scratch.data()) == CryptoVerdict::Ok);
      CHECK(receiver.unprotectRtp(packet.data(), &length) == srtp_err_status_ok);
      CHECK(length == 172 && packet[12] == 0x55 && packet[171] == 0x55);
    }
  }
}

TEST_CASE("key rotation keeps the old inbound key until the new one is seen; same keys keep state") {
  const SrtpSuite& suite = kSrtpSuites[0];
  SrtpSession oldSender(suite, keyOf(suite, 1).data(), 30, SrtpDirection::Outbound);
  SrtpSession newSender(suite, keyOf(suite, 2).data(), 30, SrtpDirection::Outbound);
  LegCrypto leg;
  leg.apply(LegMode::Srtp, SrtpKeys::prepare(suite, keyOf(suite, 7), keyOf(suite, 1)));
  std::vector<uint8_t> scratch(2048);
  auto send = [&](SrtpSession& sender, uint16_t seq) {
    auto packet = rtpPacket(seq, 20);
    int length = 32;
    sender.protectRtp(packet.data(), &length);
    return leg.unprotect(false, packet.data(), &length, scratch.data());
  };
  CHECK(send(oldSender, 1) == CryptoVerdict::Ok);
  leg.apply(LegMode::Srtp, SrtpKeys::prepare(suite, keyOf(suite, 7), keyOf(suite, 1)));  // unchanged
  CHECK(send(oldSender, 1) == CryptoVerdict::ReplayFailure);  // state kept: still a replay
  leg.apply(LegMode::Srtp, SrtpKeys::prepare(suite, keyOf(suite, 7), keyOf(suite, 2)));  // rotated
  CHECK(send(oldSender, 2) == CryptoVerdict::Ok);
  CHECK(send(newSender, 3) == CryptoVerdict::Ok);
  CHECK(send(oldSender, 4) == CryptoVerdict::AuthFailure);  // old key retired
}

TEST_CASE("identical keys re-applied after a sequence wrap keep the rollover counter both ways") {
  // A hold/resume re-INVITE repeats the SDES keys. Fresh sessions would restart at ROC 0: the
  // peer's packets would fail authentication and ours would be encrypted with the wrong index.
  const SrtpSuite& suite = kSrtpSuites[0];
  SrtpSession peerSender(suite, keyOf(suite, 1).data(), 30, SrtpDirection::Outbound);
  SrtpSession peerReceiver(suite, keyOf(suite, 7).data(), 30, SrtpDirection::Inbound);
  LegCrypto leg;
  auto apply = [&] { leg.apply(LegMode::Srtp, SrtpKeys::prepare(suite, keyOf(suite, 7), keyOf(suite, 1))); };
  std::vector<uint8_t> scratch(2048);
  auto inAndBack = [&](uint16_t seq) {
    auto packet = rtpPacket(seq, 20);
    int length = 32;
    CHECK(peerSender.protectRtp(packet.data(), &length) == srtp_err_status_ok);
    CHECK(leg.unprotect(false, packet.data(), &length, scratch.data()) == CryptoVerdict::Ok);
    CHECK(leg.protect(false, packet.data(), &length) == CryptoVerdict::Ok);  // echoed to the peer
    CHECK(peerReceiver.unprotectRtp(packet.data(), &length) == srtp_err_status_ok);
  };
  apply();
  for (uint16_t seq = 65530; seq != 4; seq++) inAndBack(seq);  // ROC 1 from seq 0
  apply();                                                     // the re-INVITE
  for (uint16_t seq = 4; seq != 40; seq++) inAndBack(seq);
}

TEST_CASE("srtp sessions reject a key of the wrong length") {
  std::vector<uint8_t> key(29, 1);
  CHECK_THROWS(SrtpError, SrtpSession(kSrtpSuites[0], key.data(), key.size(), SrtpDirection::Inbound));
}
