// Two handshake ends joined in memory, no sockets: what the C++ tests (under the sanitizers) and
// the handshake benchmark drive. Each step delivers every queued datagram to the other end.
#pragma once
#include <cstdint>

#include "secure/dtls_session.h"
#include "secure/zrtp_channel.h"

namespace b2bua {

/** Runs a DTLS handshake to its end; false if it never settles within `maxRounds`. */
inline bool pumpDtls(DtlsSession& client, DtlsSession& server, int maxRounds = 32) {
  client.start();
  for (int round = 0; round < maxRounds; round++) {
    if (client.state() != DtlsState::Handshaking && server.state() != DtlsState::Handshaking) return true;
    auto toServer = std::move(client.outbox.datagrams);
    client.outbox.datagrams.clear();
    for (auto& datagram : toServer) server.receive(datagram.data(), datagram.size());
    auto toClient = std::move(server.outbox.datagrams);
    server.outbox.datagrams.clear();
    for (auto& datagram : toClient) client.receive(datagram.data(), datagram.size());
  }
  return client.state() != DtlsState::Handshaking && server.state() != DtlsState::Handshaking;
}

/** Runs ZRTP between two channels on a simulated clock (10 ms per round). */
inline bool pumpZrtp(ZrtpChannel& a, ZrtpChannel& b, int maxRounds = 400) {
  uint64_t nowMs = 1000;
  a.start(nowMs);
  b.start(nowMs);
  for (int round = 0; round < maxRounds; round++) {
    if (a.state() != ZrtpState::Handshaking && b.state() != ZrtpState::Handshaking) return true;
    auto toB = std::move(a.outbox.datagrams);
    a.outbox.datagrams.clear();
    for (auto& datagram : toB) b.receive(datagram.data(), datagram.size());
    auto toA = std::move(b.outbox.datagrams);
    b.outbox.datagrams.clear();
    for (auto& datagram : toA) a.receive(datagram.data(), datagram.size());
    nowMs += 10;
    a.onTimer(nowMs);
    b.onTimer(nowMs);
  }
  return a.state() != ZrtpState::Handshaking && b.state() != ZrtpState::Handshaking;
}

}  // namespace b2bua
