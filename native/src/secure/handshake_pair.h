// Two handshake ends joined in memory, no sockets: what the C++ tests (under the sanitizers) and
// the handshake benchmark drive. Each step delivers every queued datagram to the other end.
#pragma once
#include <cstdint>
#include <utility>

#include "secure/dtls_session.h"
#include "secure/zrtp_channel.h"

namespace b2bua {

/** Delivers every datagram `from` has queued to `to` (the outbox is emptied first: `to` may answer). */
template <typename From, typename To>
void deliverOutbox(From& from, To& to) {
  auto datagrams = std::move(from.outbox.datagrams);
  from.outbox.datagrams.clear();
  for (auto& datagram : datagrams) to.receive(datagram.data(), datagram.size());
}

/** Runs a DTLS handshake to its end; false if it never settles within `maxRounds`. */
inline bool pumpDtls(DtlsSession& client, DtlsSession& server, int maxRounds = 32) {
  client.start();
  for (int round = 0; round < maxRounds; round++) {
    if (client.state() != DtlsState::Handshaking && server.state() != DtlsState::Handshaking) return true;
    deliverOutbox(client, server);
    deliverOutbox(server, client);
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
    deliverOutbox(a, b);
    deliverOutbox(b, a);
    nowMs += 10;
    a.onTimer(nowMs);
    b.onTimer(nowMs);
  }
  return a.state() != ZrtpState::Handshaking && b.state() != ZrtpState::Handshaking;
}

}  // namespace b2bua
