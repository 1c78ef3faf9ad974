// Handshake datagrams (DTLS records, ZRTP messages, STUN answers) waiting for the worker to send
// them on the leg's RTP socket. Filled from inside OpenSSL and bzrtp callbacks, which must not
// send themselves (re-entrancy) nor throw.
#pragma once
#include <cstdint>
#include <vector>

namespace b2bua {

using Datagram = std::vector<uint8_t>;

struct Outbox {
  std::vector<Datagram> datagrams;

  /** Never throws: an allocation failure loses the datagram, which the handshake retransmits. */
  bool push(const uint8_t* data, size_t length) noexcept {
    try {
      datagrams.emplace_back(data, data + length);
      return true;
    } catch (...) {
      return false;
    }
  }
};

}  // namespace b2bua
