// DTLS-SRTP, ZRTP and STUN pieces in memory, so the sanitizers see OpenSSL's and bzrtp's
// callbacks, the key export and the teardown paths.
#include <netinet/in.h>

#include <cstring>

#include "check.h"
#include "secure/dtls_identity.h"
#include "secure/handshake_pair.h"
#include "secure/stun.h"

using namespace b2bua;

TEST_CASE("DTLS: both roles agree on profile and mirrored keys; a wrong fingerprint fails") {
  DtlsIdentity identity("");
  DtlsSession client(identity.context(), DtlsRole::Client, identity.fingerprint());
  DtlsSession server(identity.context(), DtlsRole::Server, identity.fingerprint());
  CHECK(pumpDtls(client, server));
  CHECK(client.state() == DtlsState::Connected && server.state() == DtlsState::Connected);
  CHECK(client.suite() == server.suite() && client.suite() != nullptr);
  CHECK(client.sendKey() == server.receiveKey() && client.receiveKey() == server.sendKey());
  CHECK(client.sendKey() != client.receiveKey());

  DtlsSession wary(identity.context(), DtlsRole::Client, std::string(95, 'A'));
  DtlsSession other(identity.context(), DtlsRole::Server, identity.fingerprint());
  pumpDtls(wary, other);
  CHECK(wary.state() == DtlsState::Failed && wary.failure() == "fingerprint mismatch");
}

TEST_CASE("ZRTP: two channels reach secure with the same SAS and mirrored keys; DH3k too") {
  for (std::vector<uint8_t> agreements : {std::vector<uint8_t>{}, std::vector<uint8_t>{ZRTP_KEYAGREEMENT_DH3k}}) {
    ZrtpChannel a(0x1111, agreements), b(0x2222, agreements);
    a.setPeerHelloHash(b.helloHash());
    b.setPeerHelloHash(a.helloHash());
    CHECK(pumpZrtp(a, b));
    CHECK(a.state() == ZrtpState::Secure && b.state() == ZrtpState::Secure);
    CHECK(a.sas() == b.sas() && a.sas().size() == 4);
    std::vector<uint8_t> aSend, aReceive, bSend, bReceive;
    CHECK(a.keysReady() && b.keysReady());
    const SrtpSuite* suite = a.takeKeys(aSend, aReceive);
    CHECK(suite == b.takeKeys(bSend, bReceive) && suite != nullptr);
    CHECK(aSend == bReceive && aReceive == bSend);
  }
}

TEST_CASE("ZRTP: a Hello that does not match the signalled hash fails") {
  ZrtpChannel a(0x1111), b(0x2222);
  a.setPeerHelloHash("1.10 " + std::string(64, '0'));
  pumpZrtp(a, b, 50);
  CHECK(a.state() == ZrtpState::Failed && a.failure() == "zrtp-hash mismatch");
}

TEST_CASE("STUN: a request with the right credentials is answered, a wrong one is not") {
  IceCredentials credentials{"abcd", "0123456789abcdef012345"};
  sockaddr_storage source{};
  auto& v4 = reinterpret_cast<sockaddr_in&>(source);
  v4.sin_family = AF_INET;
  v4.sin_port = htons(4000);
  v4.sin_addr.s_addr = htonl(0x7f000001);
  // A bare request (no attributes) is a Binding request without credentials: rejected.
  uint8_t bare[20] = {0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42};
  std::vector<uint8_t> response;
  CHECK(answerBindingRequest(bare, sizeof(bare), credentials, source, response).verdict == StunVerdict::Rejected);
  bare[1] = 0x11;  // an indication
  CHECK(answerBindingRequest(bare, sizeof(bare), credentials, source, response).verdict == StunVerdict::NotARequest);
  const uint8_t check[] = "123456789";
  CHECK(crc32(check, 9) == 0xcbf43926u);  // the CRC-32 check value
}

TEST_CASE("ZRTP multistream: a second channel joins the secure session without a new DH") {
  ZrtpChannel audioA(0x1111), audioB(0x2222);
  ZrtpChannel videoA(audioA.session(), 0x3333), videoB(audioB.session(), 0x4444);
  CHECK(videoA.helloHash() != audioA.helloHash());
  audioA.setPeerHelloHash(audioB.helloHash());
  audioB.setPeerHelloHash(audioA.helloHash());
  videoA.setPeerHelloHash(videoB.helloHash());
  videoB.setPeerHelloHash(videoA.helloHash());
  videoA.start(0);  // waits for the audio channel
  videoB.start(0);
  CHECK(videoA.outbox.datagrams.empty());
  CHECK(pumpZrtp(audioA, audioB));
  CHECK(audioA.state() == ZrtpState::Secure);
  CHECK(pumpZrtp(videoA, videoB));
  CHECK(videoA.state() == ZrtpState::Secure && videoB.state() == ZrtpState::Secure);
  std::vector<uint8_t> aSend, aReceive, bSend, bReceive, audioSend, audioReceive;
  videoA.takeKeys(aSend, aReceive);
  videoB.takeKeys(bSend, bReceive);
  audioA.takeKeys(audioSend, audioReceive);
  CHECK(aSend == bReceive && aReceive == bSend);
  CHECK(aSend != audioSend);  // each stream has its own SRTP keys
}
